"""Insights computed in code from check-ins: trends, streaks, missed check-ins, risk flags, digests.

"Numbers from code, words from the model": everything here is deterministic and network-free; a
language model (injected from ``integrations/llm``) only phrases these facts and reads the notes.
"""
