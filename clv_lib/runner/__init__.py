"""The runner: executes the report notebook with papermill and renders HTML and PDF. Not imported by the analysis."""
