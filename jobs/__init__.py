"""gbess jobs: use cases and all I/O (sources, warehouse, dashboard sinks, CLI)."""
