"""What the domain says to a person (why it refused a change, what is wrong on line 14 of a program
file, why a client may drop out), as a sentence id and its values rather than finished English.

The domain knows nothing of languages: a module declares its sentences in English as
:class:`Sentence` constants of a :class:`Reasons` class, one module per area in this package
(``domain/reasons/programs.py``), and calls one with its values to get a :class:`Reason`. ``str()``
of a reason is the English (logs, the JSON API, the CLI); the channels say it in the reader's
language with :func:`conversations.reasons.explain`, which looks the same id (``Class.NAME``) up in
the gettext catalogue (``make translations`` extracts these modules beside ``conversations/texts.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


class Count(float):
    """A quantity with its thousands grouped: ``str()`` is the English ("4,096"); being a float,
    :func:`conversations.reasons.explain` writes it the reader's way ("4.096", "4 096"). Plain ints
    stay as written (a line number, an id)."""

    def __str__(self) -> str:
        return f"{int(self):,}"


# A date is ISO in the English (``str()``) and written the reader's way by the channels.
Value = str | int | float | date


@dataclass(frozen=True, slots=True)
class Reason:
    """One sentence with its values; ``values`` may hold other reasons (a problem inside a line)."""

    key: str
    english: str
    values: Mapping[str, Any] = field(default_factory=dict)
    # A sentence with a number in it: its English plural, and which value is the number.
    plural: str | None = None
    count: str | None = None

    def __str__(self) -> str:
        return self.template().format(**{name: str(value) for name, value in self.values.items()})

    def number(self) -> int | None:
        """The value the sentence's form agrees with (None for a sentence without plural forms)."""
        if self.plural is None or self.count is None:
            return None
        value = self.values.get(self.count)
        return int(value) if isinstance(value, int | float) else None

    def template(self) -> str:
        """The English form for the number: "1 day", "5 days"."""
        number = self.number()
        return self.english if self.plural is None or number == 1 else self.plural

    def to_json(self) -> dict[str, Any]:
        """The reason as JSON (it can wait in the outbox and be said in the reader's language later)."""
        data: dict[str, Any] = {
            "key": self.key,
            "english": self.english,
            "values": {name: _value_json(value) for name, value in self.values.items()},
        }
        if self.plural is not None:
            data |= {"plural": self.plural, "count": self.count}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        values = {name: _value_of(value) for name, value in dict(data.get("values") or {}).items()}
        plural, count = data.get("plural"), data.get("count")
        return cls(
            str(data["key"]),
            str(data["english"]),
            values,
            plural=None if plural is None else str(plural),
            count=None if count is None else str(count),
        )


def _value_json(value: Any) -> Any:
    if isinstance(value, Reason):
        return {"reason": value.to_json()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Count):
        return {"count": int(value)}
    return value


def _value_of(value: Any) -> Any:
    if isinstance(value, Mapping) and "reason" in value:
        return Reason.from_json(value["reason"])
    if isinstance(value, Mapping) and "date" in value:
        return date.fromisoformat(str(value["date"]))
    if isinstance(value, Mapping) and "count" in value:
        return Count(value["count"])
    return value


class Sentence:
    """An English sentence with ``str.format`` placeholders; its id is set by the :class:`Reasons`
    class it is declared in. Calling it with the placeholders' values gives a :class:`Reason`.

    A sentence with a number in it has plural forms, as the catalogue's ``Plural`` texts do:
    ``Sentence("no check-in for {days} day", plural="no check-in for {days} days", count="days")``
    (extracted as ``npgettext``; each language picks its form for the number, Russian one of three)."""

    def __init__(self, english: str, *, plural: str | None = None, count: str = "n") -> None:
        self.english = english
        self.plural = plural
        self.count = count if plural is not None else None
        self.key = ""

    def __call__(self, **values: Value | Reason) -> Reason:
        return Reason(self.key, self.english, values, plural=self.plural, count=self.count)

    def __repr__(self) -> str:
        return f"Sentence({self.key or self.english!r})"


class Reasons:
    """Base of the sentence classes: each :class:`Sentence` constant learns its id ``Class.NAME``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in vars(cls).items():
            if name.isupper() and isinstance(value, Sentence):
                value.key = f"{cls.__name__}.{name}"
