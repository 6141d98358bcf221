"""Language-model access over the ``openai`` library (OpenAI or any OpenAI-compatible server)."""
