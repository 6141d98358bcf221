"""The built-in flows, by name. Other packages add theirs through :mod:`conversations.registry`."""

from __future__ import annotations

from conversations.flow import Flow
from conversations.flows import checkin, feedback, goals, onboarding

BUILTIN_FLOWS: dict[str, Flow] = {
    f.name: f for f in (onboarding.FLOW, checkin.FLOW, goals.FLOW, feedback.FLOW)
}
