"""Channels (Telegram, Slack, console), the outbound sender, the HTTP server and the ``coach`` CLI."""
