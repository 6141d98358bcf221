"""The ``coach`` command line."""
