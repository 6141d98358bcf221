"""Use cases over a unit of work. Each takes an ``AsyncSession`` whose transaction the caller owns."""
