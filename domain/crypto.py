"""Encryption at rest for what clients write: check-in notes, messages, goal texts, feedback,
assessment answers, and the files they send (bytes, see :func:`conceal_bytes`) with their names.

Authenticated encryption (``cryptography``'s Fernet: AES-128-CBC with HMAC-SHA256) with the keys from
``COACH_ENCRYPTION_KEYS``, newest first: new values are encrypted with the first, any of them decrypts
(MultiFernet), so a key is rotated by putting a new one in front and running ``coach keys rotate``.

The column types below make it transparent to services: values are encrypted when written and
decrypted when read, through the ORM and Core alike. Without keys values are stored as they are (the
SQLite demo); a stored value that was never encrypted is read as it is, so turning encryption on needs
no migration (``coach keys rotate`` encrypts the old rows). A value that cannot be decrypted — its
key was removed — raises :class:`UnreadableValue` instead of passing ciphertext on as text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import JSON, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Marks an encrypted text value. It starts with a control character, which text cleaned at the edge
# (domain.text) never holds, so nothing a client types can pass for ciphertext.
PREFIX = "\x1fenc1:"
# Marks an encrypted file: the same marker as bytes, then the Fernet token.
BYTES_PREFIX = PREFIX.encode()
JSON_KEY = "$enc"  # an encrypted JSON value is stored as {"$enc": "<token>"}


class UnreadableValue(Exception):
    """A stored value is encrypted with none of the configured keys (or none are configured)."""


class Keyring:
    """The configured keys, newest first."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        try:
            self.fernets = [Fernet(key.strip().encode()) for key in keys]
        except ValueError:
            raise ValueError(
                "each key must be 32 url-safe base64-encoded bytes (`coach keys generate` makes one)"
            ) from None
        self.multi = MultiFernet(self.fernets)

    def encrypt(self, plain: str) -> str:
        return PREFIX + self.multi.encrypt(plain.encode()).decode()

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before encryption was turned on
        try:
            return self.multi.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise UnreadableValue("a stored value is encrypted with a key that is not configured") from None

    def is_current(self, stored: str) -> bool:
        """Encrypted with the newest key (nothing for ``coach keys rotate`` to do)."""
        if not stored.startswith(PREFIX):
            return False
        return self.is_current_bytes(stored.encode())

    def encrypt_bytes(self, plain: bytes) -> bytes:
        return BYTES_PREFIX + self.multi.encrypt(plain)

    def decrypt_bytes(self, stored: bytes) -> bytes:
        if not stored.startswith(BYTES_PREFIX):
            return stored  # written before encryption was turned on
        try:
            return self.multi.decrypt(stored[len(BYTES_PREFIX) :])
        except InvalidToken:
            raise UnreadableValue("a stored file is encrypted with a key that is not configured") from None

    def is_current_bytes(self, stored: bytes) -> bool:
        """Encrypted (text as bytes, or a file) with the newest key."""
        if not stored.startswith(BYTES_PREFIX):
            return False
        try:
            self.fernets[0].decrypt(stored[len(BYTES_PREFIX) :])
        except InvalidToken:
            return False
        return True


_keyring: Keyring | None = None


def use_keys(keys: Sequence[str] | None) -> Keyring | None:
    """Configure the process's keys (``None`` or empty: store plaintext). Returns the keyring."""
    global _keyring
    _keyring = Keyring(keys) if keys else None
    return _keyring


def active_keyring() -> Keyring | None:
    return _keyring


def generate_key() -> str:
    return Fernet.generate_key().decode()


def check_keys(keys: Sequence[str]) -> str | None:
    """Why ``keys`` cannot be used, or None when they can."""
    try:
        Keyring(keys)
    except ValueError as exc:
        return str(exc)
    return None


def reveal(stored: str) -> str:
    """A stored text value as written (decrypted when it is encrypted)."""
    if not stored.startswith(PREFIX):
        return stored
    if _keyring is None:
        raise UnreadableValue("a stored value is encrypted and COACH_ENCRYPTION_KEYS is not set")
    return _keyring.decrypt(stored)


def conceal(plain: str) -> str:
    """A text value as it is stored: encrypted with the newest key when keys are configured."""
    return _keyring.encrypt(plain) if _keyring is not None else plain


def reveal_bytes(stored: bytes) -> bytes:
    """A stored file's content as the client sent it (decrypted when it is encrypted)."""
    if not stored.startswith(BYTES_PREFIX):
        return stored
    if _keyring is None:
        raise UnreadableValue("a stored file is encrypted and COACH_ENCRYPTION_KEYS is not set")
    return _keyring.decrypt_bytes(stored)


def conceal_bytes(plain: bytes) -> bytes:
    """A file's content as it is stored: encrypted with the newest key when keys are configured."""
    return _keyring.encrypt_bytes(plain) if _keyring is not None else plain


class EncryptedText(TypeDecorator[str]):
    """A text column whose values are encrypted at rest."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else conceal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else reveal(value)


def conceal_json(value: Any) -> Any:
    """A JSON value as it is stored: ``{"$enc": token}`` when keys are configured. Empty lists and
    objects hold nothing to hide and stay as they are, so rows without attachments stay small and
    cheap to read."""
    if value is None or _keyring is None or value == [] or value == {}:
        return value
    return {JSON_KEY: _keyring.encrypt(json.dumps(value))}


def reveal_json(stored: Any) -> Any:
    """A stored JSON value as written (decrypted when it is ``{"$enc": token}``); raises
    :class:`UnreadableValue` when none of the keys opens it."""
    if isinstance(stored, dict) and set(stored) == {JSON_KEY} and isinstance(stored[JSON_KEY], str):
        return json.loads(reveal(stored[JSON_KEY]))
    return stored


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON column whose value is encrypted at rest (stored as ``{"$enc": token}``)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return conceal_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return reveal_json(value)
