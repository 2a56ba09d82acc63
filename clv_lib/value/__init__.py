"""Stage 5: customer lifetime value, unit economics and their uncertainty."""
