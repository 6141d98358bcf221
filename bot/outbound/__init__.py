"""Outbound delivery: one queue, every platform's rate limits, retries, nothing lost or repeated."""
