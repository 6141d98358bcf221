"""Markdown documents the admins publish (the privacy policy and terms, coach guides): reading a file's
optional front matter, pure functions without I/O."""

from domain.documents.front_matter import Document, DocumentError, read_document

__all__ = ["Document", "DocumentError", "read_document"]
