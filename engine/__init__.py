"""gbess engine: pure GB power-market domain logic.

No network, no environment variables, no clock ("now" is passed in) and no logging. Its
only file reads are the read-only reference tables, through :mod:`engine.reference`, from
a data directory the caller passes in. (numba writes its compiled-kernel cache beside
:mod:`engine.solvers`; that is the JIT's doing, not the domain's.) ``tests/test_layering.py``
holds the engine to this.
"""
