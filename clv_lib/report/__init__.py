"""Stage 7: what the notebook calls (one call per chapter), with charts, text and locale formatting."""
