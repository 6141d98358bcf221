"""The privacy policy and terms: published versions, and which clients still have to accept the latest.

A client's consents are :class:`~domain.models.ConsentRecord` rows, one per answer and never
overwritten: the history says who accepted (or declined) which version, and when. A client is due to
re-consent while the newest published version has no accepting record of theirs. Clients who consented
before any version was published (``PRIVACY_POLICY_VERSION``) are due once the first one is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, String, Table, and_, exists, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.documents import DocumentError, read_document
from domain.errors import NotFound, ValidationError
from domain.keysets import among
from domain.models import ChannelIdentity, ConsentRecord, ConversationState, PolicyVersion
from domain.reasons.policies import PolicyProblems
from domain.services.audit import record_audit_event
from domain.services.clients import PRIVACY_POLICY_VERSION, record_consent
from domain.text import clean_text

_CONSENTS = cast(Table, ConsentRecord.__table__)
_IDENTITIES = cast(Table, ChannelIdentity.__table__)
# The conversation flow that asks a client to accept the newest version (conversations.flows.policy).
QUESTION_FLOW = "policy"
SUMMARY_MAX_CHARS = 300  # the column's size: one line a client reads before accepting
POLICY_SETTINGS = frozenset({"summary"})


@dataclass(frozen=True, slots=True)
class PolicyNotice:
    """What a client who has to re-consent is shown."""

    version: int
    summary: str


def check_summary(summary: str | None) -> str:
    text = clean_text(summary).strip() if summary is not None else None
    if not text:
        raise ValidationError(PolicyProblems.SUMMARY_REQUIRED(), field="summary")
    if "\n" in text or "\r" in text:
        raise ValidationError(PolicyProblems.SUMMARY_ONE_LINE(), field="summary")
    if len(text) > SUMMARY_MAX_CHARS:
        raise ValidationError(PolicyProblems.SUMMARY_TOO_LONG(limit=SUMMARY_MAX_CHARS), field="summary")
    return text


def parse_policy_file(text: str, *, summary: str | None = None) -> tuple[str, str]:
    """(summary, Markdown body) of a policy file; ``summary`` given on the command line wins over the
    front matter's. Raises :class:`ValidationError` with the line for a bad file."""
    try:
        document = read_document(text, allowed=POLICY_SETTINGS)
    except DocumentError as exc:
        raise ValidationError(str(exc), field="file") from None
    return check_summary(summary if summary is not None else document.settings.get("summary")), document.body


async def publish_policy(
    session: AsyncSession, *, version: int, body: str, summary: str, actor: str
) -> PolicyVersion:
    """Publish ``version``; it must be higher than every published one (a version is never replaced)."""
    if version < 1:
        raise ValidationError(PolicyProblems.VERSION_FROM_ONE(), field="version")
    if not body.strip():
        raise ValidationError(PolicyProblems.EMPTY_TEXT(), field="file")
    latest = await current_version(session)
    if latest is not None and version <= latest:
        raise ValidationError(
            PolicyProblems.NOT_NEWER(version=version, latest=latest, next=latest + 1), field="version"
        )
    policy = PolicyVersion(version=version, summary=check_summary(summary), body=body, published_by=actor)
    session.add(policy)
    await session.flush()
    await record_audit_event(
        session,
        actor=actor,
        action="policy.published",
        subject=f"policy:{version}",
        details={"summary": policy.summary},
    )
    return policy


async def current_version(conn: AsyncSession | AsyncConnection) -> int | None:
    return await conn.scalar(select(func.max(PolicyVersion.version)))


async def current_policy(session: AsyncSession) -> PolicyVersion | None:
    return await session.scalar(select(PolicyVersion).order_by(PolicyVersion.version.desc()).limit(1))


async def get_policy(session: AsyncSession, version: int) -> PolicyVersion:
    policy = await session.scalar(select(PolicyVersion).where(PolicyVersion.version == version))
    if policy is None:
        raise NotFound(PolicyProblems.NO_VERSION(version=version))
    return policy


async def list_policies(session: AsyncSession) -> list[PolicyVersion]:
    return list((await session.scalars(select(PolicyVersion).order_by(PolicyVersion.version))).all())


async def consent_version_for_new_clients(session: AsyncSession) -> str:
    """What a client who accepts at onboarding accepts: the newest published version, else the built-in."""
    latest = await current_version(session)
    return str(latest) if latest is not None else PRIVACY_POLICY_VERSION


async def clients_due(conn: AsyncConnection, client_ids: Sequence[int]) -> dict[int, PolicyNotice]:
    """The clients among ``client_ids`` who have not accepted the newest version, with what to show them.

    The conversation engine asks this once per batch: one small query while nothing is published, two
    otherwise."""
    if not client_ids:
        return {}
    row = (
        await conn.execute(
            select(PolicyVersion.version, PolicyVersion.summary)
            .order_by(PolicyVersion.version.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return {}
    version, summary = int(row[0]), str(row[1])
    accepted = set(
        (
            await conn.execute(
                select(ConsentRecord.client_id).where(
                    among(_CONSENTS.c.client_id, sorted(set(client_ids)), conn.dialect.name),
                    ConsentRecord.policy_version == str(version),
                    ConsentRecord.accepted.is_(True),
                )
            )
        )
        .scalars()
        .all()
    )
    notice = PolicyNotice(version, summary)
    return {client_id: notice for client_id in client_ids if client_id not in accepted}


async def clients_asked(session: AsyncSession, client_ids: Iterable[int]) -> set[int]:
    """The clients among ``client_ids`` with the question about the newest version open in one of their
    chats, not yet accepted (declining keeps it open). Reminders wait for their answer rather than
    pile up behind it. One small query while nothing is published."""
    ids = sorted(set(client_ids))
    if not ids:
        return set()
    conn = await session.connection()
    due = await clients_due(conn, ids)
    if not due:
        return set()
    rows = await conn.execute(
        select(ChannelIdentity.client_id)
        .join(
            ConversationState,
            and_(
                ConversationState.platform == ChannelIdentity.platform,
                ConversationState.external_user_id == ChannelIdentity.external_user_id,
            ),
        )
        .where(
            among(_IDENTITIES.c.client_id, sorted(due), conn.dialect.name),
            ConversationState.flow == QUESTION_FLOW,
        )
        .distinct()
    )
    return {int(client_id) for client_id in rows.scalars().all() if client_id is not None}


def due_columns(client_id: ColumnElement[Any]) -> tuple[ColumnElement[Any], ...]:
    """For a query with a client id column: the newest version, its summary and whether that client
    accepted it, as three columns, so the engine learns who is due inside the read it makes anyway."""
    newest = select(PolicyVersion.version).order_by(PolicyVersion.version.desc()).limit(1).scalar_subquery()
    summary = select(PolicyVersion.summary).order_by(PolicyVersion.version.desc()).limit(1).scalar_subquery()
    accepted = exists(
        select(_CONSENTS.c.id).where(
            _CONSENTS.c.client_id == client_id,
            _CONSENTS.c.policy_version == sql_cast(newest, String),
            _CONSENTS.c.accepted.is_(True),
        )
    )
    return newest, summary, accepted


def due_notice(
    client_id: int | None, version: int | None, summary: str | None, accepted: bool
) -> PolicyNotice | None:
    """What :func:`due_columns` read, as the notice a due client is shown (None: nothing to accept)."""
    if client_id is None or version is None or accepted:
        return None
    return PolicyNotice(int(version), str(summary))


async def answer_policy(
    session: AsyncSession,
    *,
    client_id: int,
    platform: str,
    external_user_id: str,
    version: int,
    accepted: bool,
) -> ConsentRecord:
    """Record a client's answer to ``version`` (a new row: earlier answers stay) and audit it."""
    await get_policy(session, version)
    record = await record_consent(
        session,
        platform=platform,
        external_user_id=external_user_id,
        accepted=accepted,
        client_id=client_id,
        policy_version=str(version),
    )
    await record_audit_event(
        session,
        actor=f"{platform}:{external_user_id}",
        action="policy.accepted" if accepted else "policy.declined",
        subject=f"client:{client_id}",
        details={"version": version},
    )
    return record


async def consent_history(session: AsyncSession, client_id: int) -> list[ConsentRecord]:
    """Every answer the client gave, oldest first."""
    query = select(ConsentRecord).where(ConsentRecord.client_id == client_id).order_by(ConsentRecord.id)
    return list((await session.scalars(query)).all())
