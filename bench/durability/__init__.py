"""bench/durability: what is lost, duplicated or too fast when workers crash, stop, lose the database or run side by side."""
