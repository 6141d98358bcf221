"""Queued rows (outbox messages, inbox updates) whose encrypted payload no configured key opens.

Such a row must never stop the queue it is in: it is handed back for :data:`UNREADABLE_RETRY` at a
time (during a rolling key change a worker that already has the new key takes it meanwhile), and after
:data:`UNREADABLE_TRIES` tries it is failed with :data:`UNREADABLE_ERROR`. ``coach doctor`` counts the
rows whose ``last_error`` matches :data:`UNREADABLE_MARK`.
"""

from __future__ import annotations

from datetime import timedelta

# How long such a row waits for a worker that has the key, and how many tries (about
# UNREADABLE_TRIES * UNREADABLE_RETRY in all) before it is given up as failed.
UNREADABLE_RETRY = timedelta(seconds=60)
UNREADABLE_TRIES = 10
# ``last_error`` of such a row while it waits, and once failed.
UNREADABLE_WAITING = "unreadable: no configured key opens the payload; waiting for a worker that has it"
UNREADABLE_ERROR = "unreadable: no configured key opens the payload (COACH_ENCRYPTION_KEYS)"
UNREADABLE_MARK = "unreadable:%"
