"""Clients, their chat identities and consents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.clock import utcnow
from domain.errors import DuplicateIdentity, NotFound, ValidationError
from domain.keysets import among
from domain.models import AuditEvent, ChannelIdentity, CheckIn, Client, Coach, ConsentRecord
from domain.models.enums import Cadence, ClientStatus
from domain.reasons.coaching import ClientProblems, CoachProblems
from domain.services.audit import record_audit_event

PRIVACY_POLICY_VERSION = "2026-11"


@dataclass(frozen=True, slots=True)
class IdentityRef:
    """``platform:external_id`` as typed on the command line."""

    platform: str
    external_user_id: str

    @classmethod
    def parse(cls, value: str) -> IdentityRef:
        platform, sep, external = value.partition(":")
        if not sep or not platform or not external:
            raise ValidationError(f"identity must look like PLATFORM:ID, got {value!r}", field="identity")
        return cls(platform.lower(), external)

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_user_id}"


async def find_identity(
    session: AsyncSession, platform: str, external_user_id: str
) -> ChannelIdentity | None:
    return await session.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.platform == platform, ChannelIdentity.external_user_id == external_user_id
        )
    )


async def find_client_by_identity(
    session: AsyncSession, platform: str, external_user_id: str
) -> Client | None:
    identity = await find_identity(session, platform, external_user_id)
    if identity is None or identity.client_id is None:
        return None
    return await session.get(Client, identity.client_id)


async def get_client(session: AsyncSession, client_id: int) -> Client:
    client = await session.get(Client, client_id)
    if client is None:
        raise NotFound(ClientProblems.NO_CLIENT(client=client_id))
    return client


async def resolve_client(
    session: AsyncSession, *, identity: str | None = None, client_id: int | None = None
) -> Client:
    if client_id is not None:
        return await get_client(session, client_id)
    if identity is None:
        raise ValidationError("give a client id or an identity", field="identity")
    ref = IdentityRef.parse(identity)
    client = await find_client_by_identity(session, ref.platform, ref.external_user_id)
    if client is None:
        raise NotFound(f"no client with identity {ref}")
    return client


async def record_consent(
    session: AsyncSession,
    *,
    platform: str,
    external_user_id: str,
    accepted: bool,
    client_id: int | None = None,
    policy_version: str = PRIVACY_POLICY_VERSION,
) -> ConsentRecord:
    record = ConsentRecord(
        client_id=client_id,
        platform=platform,
        external_user_id=external_user_id,
        policy_version=policy_version,
        accepted=accepted,
    )
    session.add(record)
    await session.flush()
    return record


async def register_client(
    session: AsyncSession,
    *,
    platform: str,
    external_user_id: str,
    chat_id: str,
    display_name: str,
    timezone: str = "UTC",
    coach_id: int | None = None,
    locale: str = "en",
    consent_policy_version: str = PRIVACY_POLICY_VERSION,
) -> Client:
    """Create a client with its first identity and the consent they gave. Consent is required."""
    if await find_identity(session, platform, external_user_id) is not None:
        raise DuplicateIdentity(ClientProblems.IDENTITY_TAKEN(identity=f"{platform}:{external_user_id}"))
    if coach_id is not None and await session.get(Coach, coach_id) is None:
        raise NotFound(CoachProblems.NO_COACH(coach=coach_id))
    client = Client(
        display_name=rules.check_name(display_name),
        timezone=rules.check_timezone(timezone),
        coach_id=coach_id,
        locale=rules.check_locale(locale),
    )
    session.add(client)
    await session.flush()
    session.add(
        ChannelIdentity(
            platform=platform, external_user_id=external_user_id, chat_id=chat_id, client_id=client.id
        )
    )
    await record_consent(
        session,
        platform=platform,
        external_user_id=external_user_id,
        accepted=True,
        client_id=client.id,
        policy_version=consent_policy_version,
    )
    await record_audit_event(
        session,
        actor=f"{platform}:{external_user_id}",
        action="client.registered",
        subject=f"client:{client.id}",
    )
    return client


# Every column of a new client row, so one executemany has one shape (Core fills no ORM defaults).
_CLIENT_DEFAULTS: dict[str, Any] = {
    "status": ClientStatus.ACTIVE.value,
    "email": None,
    "checkin_cadence": Cadence.DAILY.value,
    "checkin_time": "09:00",
    "quiet_hours_start": None,
    "quiet_hours_end": None,
    "paused_until": None,
    "preferred_channel": None,
    "assessment": {},
    "stripe_customer_id": None,
}


@dataclass(frozen=True, slots=True)
class NewClient:
    """A client to create in bulk (an import), with their first identity."""

    platform: str
    external_user_id: str
    chat_id: str
    display_name: str
    timezone: str = "UTC"
    checkin_cadence: str | None = None


async def register_clients(
    session: AsyncSession,
    new: Sequence[NewClient],
    *,
    coach_id: int | None,
    consent_note: str | None = None,
    consent_policy_version: str = PRIVACY_POLICY_VERSION,
) -> list[int]:
    """Many clients at once, with the same records :func:`register_client` writes (identity, consent,
    audit event), in four statements whatever their number. The identities must be new (the caller
    looked them up); the new clients' ids are returned in the order given."""
    if coach_id is not None and await session.get(Coach, coach_id) is None:
        raise NotFound(CoachProblems.NO_COACH(coach=coach_id))
    now = utcnow()
    rows = [
        {
            "display_name": rules.check_name(n.display_name),
            "timezone": rules.check_timezone(n.timezone),
            "coach_id": coach_id,
            "locale": "en",
            "created_at": now,
            **({"checkin_cadence": rules.check_cadence(n.checkin_cadence)} if n.checkin_cadence else {}),
        }
        for n in new
    ]
    if not rows:
        return []
    conn = await session.connection()
    # Core statements (one INSERT … RETURNING, then three executemany): the ORM's per-object work
    # is most of the time of an import that creates thousands of clients.
    clients_table = cast(Table, Client.__table__)
    ids = list(
        (
            await conn.execute(
                insert(clients_table).returning(clients_table.c.id, sort_by_parameter_order=True),
                [{**_CLIENT_DEFAULTS, **row} for row in rows],
            )
        )
        .scalars()
        .all()
    )
    identities, consents, events = [], [], []
    for n, client_id in zip(new, ids, strict=True):
        identities.append(
            {
                "platform": n.platform,
                "external_user_id": n.external_user_id,
                "chat_id": n.chat_id,
                "client_id": client_id,
                "coach_id": None,
                "unreachable": False,
                "created_at": now,
            }
        )
        consents.append(
            {
                "client_id": client_id,
                "platform": n.platform,
                "external_user_id": n.external_user_id,
                "policy_version": consent_policy_version,
                "accepted": True,
                "note": consent_note,
                "at": now,
            }
        )
        events.append(
            {
                "actor": f"{n.platform}:{n.external_user_id}",
                "action": "client.registered",
                "subject": f"client:{client_id}",
                "details": {},
                "at": now,
            }
        )
    await conn.execute(insert(cast(Table, ChannelIdentity.__table__)), identities)
    await conn.execute(insert(cast(Table, ConsentRecord.__table__)), consents)
    await conn.execute(insert(cast(Table, AuditEvent.__table__)), events)
    return ids


async def add_identity(
    session: AsyncSession, *, client_id: int, platform: str, external_user_id: str, chat_id: str
) -> ChannelIdentity:
    await get_client(session, client_id)
    if await find_identity(session, platform, external_user_id) is not None:
        raise DuplicateIdentity(ClientProblems.IDENTITY_TAKEN(identity=f"{platform}:{external_user_id}"))
    identity = ChannelIdentity(
        platform=platform, external_user_id=external_user_id, chat_id=chat_id, client_id=client_id
    )
    session.add(identity)
    await session.flush()
    return identity


async def client_locale(session: AsyncSession, client_id: int) -> str:
    """The language to speak to the client in (English when unknown)."""
    locale = await session.scalar(select(Client.locale).where(Client.id == client_id))
    return locale or rules.LOCALES[0]


async def identity_locale(session: AsyncSession, platform: str, external_user_id: str) -> str | None:
    """The language of the client behind this chat account, or None when it is nobody's yet."""
    return await session.scalar(
        select(Client.locale)
        .join(ChannelIdentity, ChannelIdentity.client_id == Client.id)
        .where(ChannelIdentity.platform == platform, ChannelIdentity.external_user_id == external_user_id)
        .limit(1)
    )


async def set_client_locale(session: AsyncSession, client_id: int, locale: str) -> Client:
    """The language the client is spoken to in from now on (one of ``rules.LOCALES``)."""
    client = await get_client(session, client_id)
    client.locale = rules.check_locale(locale)
    return client


async def rename_client(session: AsyncSession, client_id: int, name: str) -> Client:
    """What the client is called from now on (checked like at registration), e.g. from ``/profile``."""
    client = await get_client(session, client_id)
    client.display_name = rules.check_name(name)
    await session.flush()
    await record_audit_event(
        session, actor=f"client:{client_id}", action="client.renamed", subject=f"client:{client_id}"
    )
    return client


async def client_identities(session: AsyncSession, client_id: int) -> Sequence[ChannelIdentity]:
    return (
        await session.scalars(
            select(ChannelIdentity).where(ChannelIdentity.client_id == client_id).order_by(ChannelIdentity.id)
        )
    ).all()


@dataclass(frozen=True, slots=True)
class ClientOverview:
    client: Client
    last_check_in_at: datetime | None
    check_in_count: int


async def clients_after(
    session: AsyncSession, *, coach_id: int | None = None, after_id: int = 0, limit: int
) -> list[ClientOverview]:
    """Up to ``limit`` clients (of one coach, or all) with ids above ``after_id``, by id, with their last
    check-in: one page of the clients, in two queries whose cost does not grow with the pages before."""
    query = (
        select(Client)
        .where(Client.status != ClientStatus.ERASED, Client.id > after_id)
        .order_by(Client.id)
        .limit(limit)
    )
    if coach_id is not None:
        query = query.where(Client.coach_id == coach_id)
    page = list((await session.scalars(query)).all())
    if not page:
        return []
    dialect = session.get_bind().dialect.name
    stats = await session.execute(
        select(CheckIn.client_id, func.max(CheckIn.created_at), func.count())
        .where(among(CheckIn.client_id.expression, [c.id for c in page], dialect))
        .group_by(CheckIn.client_id)
    )
    found = {client_id: (last_at, int(n)) for client_id, last_at, n in stats.all()}
    return [ClientOverview(c, found.get(c.id, (None, 0))[0], found.get(c.id, (None, 0))[1]) for c in page]


async def list_clients(session: AsyncSession, *, coach_id: int | None = None) -> list[ClientOverview]:
    """Clients (of one coach, or all) with their last check-in, in one query."""
    last = (
        select(CheckIn.client_id, func.max(CheckIn.created_at).label("last_at"), func.count().label("n"))
        .group_by(CheckIn.client_id)
        .subquery()
    )
    query = (
        select(Client, last.c.last_at, last.c.n)
        .outerjoin(last, last.c.client_id == Client.id)
        # The one anonymous row that keeps erased clients' payments for the books is nobody's client.
        .where(Client.status != ClientStatus.ERASED)
        .order_by(Client.id)
    )
    if coach_id is not None:
        query = query.where(Client.coach_id == coach_id)
    rows = (await session.execute(query)).all()
    return [ClientOverview(client, last_at, n or 0) for client, last_at, n in rows]


async def coach_clients(
    session: AsyncSession, coach_id: int, *, include_archived: bool = True
) -> Sequence[Client]:
    """A coach's clients by name."""
    query = select(Client).where(Client.coach_id == coach_id).order_by(Client.display_name)
    if not include_archived:
        query = query.where(Client.status != ClientStatus.ARCHIVED)
    return (await session.scalars(query)).all()


async def find_clients_by_name(session: AsyncSession, coach_id: int, name: str) -> Sequence[Client]:
    """Clients of a coach whose name contains ``name`` (case-insensitive); exact matches first."""
    needle = name.strip().casefold()
    # Compared in Python: SQLite's lower() folds ASCII only, so "вера" would never find "Вера".
    everyone = (await session.scalars(select(Client).where(Client.coach_id == coach_id))).all()
    clients = [c for c in everyone if needle in c.display_name.casefold()]
    exact = [c for c in clients if c.display_name.casefold() == needle]
    return exact or clients
