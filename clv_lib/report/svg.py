"""A matplotlib figure as the SVG data URI the report embeds (vector: sharp in print; one self-contained file).

Light on purpose (matplotlib and numpy only): the worker process of `workers` imports it and nothing else of
the report.
"""

from __future__ import annotations

import base64
import io

import numpy as np

RASTER_DPI = 150  # resolution of the rasterized parts of a figure (dots and cells; text stays vector)
DENSE_MARKS = 400  # a collection with more marks than this (scatter points, heatmap cells) is rasterized


def figure_uri(fig) -> str:
    """A matplotlib Figure as an SVG data URI. The figure stays open: it can still be changed and shown again.

    Dense artists (thousands of scatter points, hundreds of heatmap cells) are embedded as an image inside the
    SVG (`rasterize_dense`); a figure laid out by its layout engine is saved as laid out (a "tight" bounding box
    would draw it twice), any other (an analyst's seaborn grid) with a tight bounding box."""
    rasterize_dense(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", dpi=RASTER_DPI, metadata={"Date": None},
                bbox_inches=None if fig.get_layout_engine() is not None else "tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def rasterize_dense(fig) -> int:
    """Mark the dense artists of `fig` (scatter plots of thousands of customers, heatmaps with hundreds of cells)
    to be drawn as one embedded image at `RASTER_DPI`, while axes, ticks, labels and annotations stay vector.

    Vector adds nothing to thousands of overlapping dots but makes them a path each: the demo's P(alive) x CLV
    scatter was 0.9 MB of SVG and most of the PDF engine's work. Returns how many artists were marked.
    """
    marked = 0
    for ax in fig.axes:
        for artist in ax.collections:
            values = artist.get_array() if hasattr(artist, "get_array") else None
            marks = max(len(artist.get_offsets()), 0 if values is None else int(np.size(values)))
            if marks > DENSE_MARKS and not artist.get_rasterized():
                artist.set_rasterized(True)
                marked += 1
    return marked
