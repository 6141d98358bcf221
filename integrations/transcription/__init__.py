"""Speech to text for clients' voice notes (``conversations.ports.Transcriber``)."""
