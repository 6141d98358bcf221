"""The console channel: talk to the conversation engine in a terminal (``coach chat``, ``coach run``)."""
