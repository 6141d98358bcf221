"""The inbox worker: handles stored inbound updates in order per conversation, exactly once."""
