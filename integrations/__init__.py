"""Adapters to outside services (payments, ...), injected into the core at start-up."""
