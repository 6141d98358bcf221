"""coach import checkins throughput (python -m bench.history_import)."""
