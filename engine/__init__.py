"""gbess engine: pure GB power-market domain logic (no I/O, no clock, no environment)."""
