"""Stage 6: KPIs, segmentation and retention recommendations."""
