"""Benchmarks: scripts run as ``.venv/bin/python bench/<name>.py`` (a package for their imports)."""
