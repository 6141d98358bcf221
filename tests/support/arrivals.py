"""Counting sends the way a platform does: the most in any moving window."""

from __future__ import annotations

from collections.abc import Sequence


def most_in_window(times: Sequence[float], window: float) -> int:
    """The most sends in any moving window of ``window`` seconds (what the platform counts)."""
    ordered = sorted(times)
    start = 0
    most = 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - window:
            start += 1
        most = max(most, end - start + 1)
    return most
