"""The coaching domain: models and use cases. Knows nothing of chat platforms or payment providers."""
