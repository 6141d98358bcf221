"""Publishing policy versions (only upwards, with a one-line summary), reading policy files, and which
clients are due to accept the newest version."""

from __future__ import annotations

import pytest

from domain.db import Database
from domain.errors import NotFound, ValidationError
from domain.services import policies
from domain.services.clients import register_client
from domain.services.policies import PolicyNotice


async def test_versions_only_go_up(db: Database) -> None:
    async with db.unit_of_work() as session:
        await policies.publish_policy(session, version=2, body="text", summary="First.", actor="cli")
    for version in (2, 1, 0, -3):
        with pytest.raises(ValidationError):
            async with db.unit_of_work() as session:
                await policies.publish_policy(
                    session, version=version, body="text", summary="Again.", actor="cli"
                )
    async with db.unit_of_work() as session:
        assert [p.version for p in await policies.list_policies(session)] == [2]
        assert await policies.consent_version_for_new_clients(session) == "2"
        with pytest.raises(NotFound):
            await policies.get_policy(session, 5)


@pytest.mark.parametrize(
    ("summary", "problem"),
    [
        (None, "summary of the changes is required"),
        ("  ", "required"),
        ("two\nlines", "one line"),
        ("x" * 301, "at most 300"),
    ],
)
def test_a_summary_is_one_short_line(summary: str | None, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        policies.parse_policy_file("# Policy\n\ntext", summary=summary)


def test_policy_files_take_the_summary_from_front_matter_or_the_option() -> None:
    text = "---\nsummary: Shorter retention.\n---\n# Policy\n\nWe keep data 2 years.\n"
    assert policies.parse_policy_file(text) == ("Shorter retention.", "# Policy\n\nWe keep data 2 years.\n")
    assert policies.parse_policy_file(text, summary="From the option")[0] == "From the option"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("---\nsummary: x\n", "line 1: the front matter opened here is never closed"),
        ("---\ntitle: x\n---\nbody", "line 2: unknown setting 'title'"),
        ("---\nsummary: [a, b\n---\nbody", "not valid YAML"),
        ("---\nsummary: x\n---\n\n", "line 4: the document has no text"),
        ("", "no text"),
        ("a\x00b", "not text"),
        ("---\nsummary:\n  nested: 1\n---\nbody", "line 2: summary must be a line of text"),
    ],
)
def test_bad_policy_files_name_the_line(text: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        policies.parse_policy_file(text)


async def test_clients_due_are_those_without_the_newest_accepted(db: Database) -> None:
    async with db.unit_of_work() as session:
        ids = [
            (
                await register_client(
                    session, platform="console", external_user_id=f"u{n}", chat_id=f"c{n}", display_name="Sam"
                )
            ).id
            for n in range(3)
        ]
    async with db.sessions() as session:
        assert await policies.clients_due(await session.connection(), ids) == {}  # nothing published
    async with db.unit_of_work() as session:
        await policies.publish_policy(session, version=1, body="text", summary="New.", actor="cli")
        await policies.answer_policy(
            session, client_id=ids[0], platform="console", external_user_id="u0", version=1, accepted=True
        )
        await policies.answer_policy(
            session, client_id=ids[1], platform="console", external_user_id="u1", version=1, accepted=False
        )
    async with db.sessions() as session:
        due = await policies.clients_due(await session.connection(), ids)
        history = await policies.consent_history(session, ids[1])
    assert due == {ids[1]: PolicyNotice(1, "New."), ids[2]: PolicyNotice(1, "New.")}
    assert [(r.policy_version, r.accepted) for r in history] == [("2026-11", True), ("1", False)]
