"""Benchmarks: each sub-package runs with ``python -m bench.<name>`` and prints a table."""
