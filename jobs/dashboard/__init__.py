"""Dashboard refresh jobs, one module per tab, run by ``refresh.run_refresh``."""
