"""Availability and booking: a coach's hours, the free slots they leave, and the invite of a session.

Pure functions only (no I/O): :mod:`availability` parses and holds the hours, :mod:`slots` computes
the free slots (DST-correct in the coach's timezone), :mod:`invite` writes the ``.ics`` of a session,
:mod:`video` names its meeting room. The hold itself is SQL and lives in ``domain.services.booking``.
"""
