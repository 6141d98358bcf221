"""Extra global commands and flows, added by other packages without editing the engine.

Usage (e.g. from the payments integration or the reminders component, at import/start-up time)::

    from conversations.registry import register_command, register_flow

    register_flow(BILLING_FLOW)                       # a conversations.flow.Flow
    register_command("/billing", flow="billing", help="Your subscription and receipts")
    register_command("/invoices", handler=show_invoices, help="Download your invoices")

A command with ``flow`` starts that flow; with ``handler`` it runs ``await handler(turn, args)``,
which returns the next step like any step handler (usually :data:`conversations.flow.END`).
Engines read the registry on every message, so registering before or after ``start()`` both work.

Every process that talks to clients (``coach run``, ``coach chat``) loads the same set through
:func:`conversations.flows.install_all`, so the console and the chat platforms know the same commands.
The registry also holds which reminder channels can deliver in this process (see
:func:`set_delivery_channels`), so flows never promise a channel nothing sends on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from conversations.flow import Flow, Next, Turn

CommandHandler = Callable[[Turn, str], Awaitable[Next]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    flow: str | None = None
    handler: CommandHandler | None = None
    # Commands for registered clients only; unknown people are sent to onboarding first.
    needs_client: bool = True


_flows: dict[str, Flow] = {}
_commands: dict[str, Command] = {}


def register_flow(flow: Flow) -> None:
    _flows[flow.name] = flow


def register_command(
    name: str,
    *,
    flow: str | None = None,
    handler: CommandHandler | None = None,
    help: str = "",
    needs_client: bool = True,
) -> None:
    if (flow is None) == (handler is None):
        raise ValueError("give exactly one of flow or handler")
    if not name.startswith("/"):
        name = "/" + name
    _commands[name.lower()] = Command(name.lower(), help, flow, handler, needs_client)


def extra_flows() -> dict[str, Flow]:
    return dict(_flows)


def extra_commands() -> dict[str, Command]:
    return dict(_commands)


# None: not declared (a test building flows alone), every channel counts as able to deliver.
_delivery_channels: frozenset[str] | None = None


def set_delivery_channels(channels: frozenset[str] | None) -> None:
    """The reminder channels this process can deliver on (e.g. ``{"console", "telegram"}``)."""
    global _delivery_channels
    _delivery_channels = channels


def can_deliver(channel: str) -> bool:
    return _delivery_channels is None or channel in _delivery_channels


def unregister(name: str) -> None:
    """Remove a command or flow (tests)."""
    _commands.pop(name if name.startswith("/") else "/" + name, None)
    _flows.pop(name.lstrip("/"), None)
