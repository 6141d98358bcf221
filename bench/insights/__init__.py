"""Benchmark of coach digests: computed fallback, model server, cached re-run."""
