"""Metrics computed from stored data, one function per metric with its definition in the docstring."""
