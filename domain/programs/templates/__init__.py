"""Built-in program files a coach starts from (``coach programs new --template NAME``)."""

from __future__ import annotations

from importlib import resources

TEMPLATES: dict[str, str] = {
    "running-start": "A 6-week running start: from walking to 30 minutes of easy running",
    "habit-builder": "An 8-week habit builder: one small habit that lasts",
    "stress-reset": "A 4-week stress reset: short daily practices to lower stress and sleep better",
}


def template_text(name: str) -> str:
    """The program file of the built-in template ``name`` (a key of :data:`TEMPLATES`)."""
    if name not in TEMPLATES:
        raise KeyError(name)
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")
