"""Alembic migrations, run with ``coach db upgrade`` (see :mod:`domain.migrate`)."""
