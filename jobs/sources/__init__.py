"""External sources (Elexon Insights, NESO data portal): fetch, validate, rename, load."""
