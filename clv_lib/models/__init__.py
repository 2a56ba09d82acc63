"""Stage 4: probabilistic customer-base models, written from the papers and tested against their tables."""
