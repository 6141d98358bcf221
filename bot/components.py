"""What ``coach run`` starts: small pluggable components, chosen from the settings."""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.config import Settings
from domain.db import Database


@dataclass
class AppContext:
    """Shared objects components are built from; integrations are injected here, not imported by the core."""

    settings: Settings
    db: Database
    extras: dict[str, Any] = field(default_factory=dict)


class Component(ABC):  # noqa: B024 - every hook is optional
    """A part of the running service. Every hook is optional."""

    name = "component"

    def install_routes(self, app: web.Application) -> None:  # noqa: B027
        """Add HTTP routes before the server starts."""

    async def start(self) -> None:  # noqa: B027
        """Start background work; must return promptly."""

    async def stop(self) -> None:  # noqa: B027
        """Stop background work and release resources."""


def build_components(ctx: AppContext, *, interactive_console: bool = True) -> list[Component]:
    """Every component the settings ask for. Channels register here as they are added."""
    components: list[Component] = []
    return components
