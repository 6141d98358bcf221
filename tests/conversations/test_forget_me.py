"""/forget_me transcripts through the real engine: confirm, cancel, anything else, and who may ask."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conversations.flows import forget_me
from conversations.i18n import use_locale
from conversations.messages import Attachment
from conversations.texts import Common
from conversations.texts import ForgetMe as T
from domain.db import Database
from domain.models import (
    ChannelIdentity,
    CheckIn,
    Client,
    ConversationState,
    OutboundMessage,
    ProcessedMessage,
    StoredFile,
)
from domain.models.enums import ClientStatus
from domain.services.billing import SubscriptionState, sync_subscription
from domain.services.clients import set_client_locale
from domain.services.files import record_stored_file
from tests.support.chat import Chat, register, registered, texts


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "files"
    with registered(lambda: forget_me.register(directory)):
        yield directory


async def people(db: Database) -> list[str]:
    """Display names of the clients that are people (not the anonymous record payments are kept under)."""
    async with db.unit_of_work() as s:
        return list(
            (await s.scalars(select(Client.display_name).where(Client.status != ClientStatus.ERASED))).all()
        )


async def store_photo(db: Database, storage: Path, user: str) -> Path:
    path = storage / "console" / f"{user}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"photo")
    async with db.unit_of_work() as s:
        await record_stored_file(
            s,
            platform="console",
            external_user_id=user,
            file_id=f"file-{user}",
            kind="photo",
            mime_type="image/jpeg",
            size_bytes=5,
            file_name="me.jpg",
            path=str(path),
        )
    return path


async def count(db: Database, model: type, *where: object) -> int:
    async with db.unit_of_work() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


async def test_confirming_erases_everything_and_tells_the_coach(
    db: Database, client_chat: Chat, storage: Path
) -> None:
    photo = await store_photo(db, storage, "u1")
    await client_chat.send("/checkin")
    for answer in ("7", "6", "8", "[Yes]", "50", "/skip"):
        await (client_chat.press(answer[1:-1]) if answer.startswith("[") else client_chat.send(answer))
    assert await count(db, CheckIn) == 1

    replies = await client_chat.send("/forget_me")
    assert "Kept: the records of your payments" in texts(replies)
    assert [b.label for b in replies[-1].all_buttons] == [T.YES, T.NO]
    assert texts(await client_chat.press(T.YES)) == T.DONE

    assert await people(db) == []
    assert not photo.exists()
    for model in (CheckIn, StoredFile, ChannelIdentity):
        assert await count(db, model) == 0, model
    assert await count(db, ConversationState, ConversationState.external_user_id == "u1") == 0
    assert (
        await count(db, ProcessedMessage, ProcessedMessage.idempotency_key.startswith("console:chat-u1:"))
        == 0
    )
    async with db.unit_of_work() as s:
        notice = await s.scalar(
            select(OutboundMessage)
            .where(OutboundMessage.chat_id == "UADA")
            .order_by(OutboundMessage.id.desc())
        )
    assert notice is not None and notice.payload["kind"] == "client_erased"
    assert notice.payload["client_id"] is None and notice.payload["text"].startswith("Sam's personal data")
    # Whoever writes next from that account is a newcomer.
    assert "Do you accept?" in texts(await client_chat.send("hello"))


async def test_typing_delete_confirms_too(db: Database, chat: Callable[[str], Chat], storage: Path) -> None:
    await register(db, "u2")
    c = chat("u2")
    await c.send("/forget_me")
    assert texts(await c.send("delete")) == T.DONE
    assert await people(db) == []


@pytest.mark.parametrize(
    ("language", "word"), [("de", "löschen"), ("es", "Borrar"), ("ru", "УДАЛИТЬ"), ("ru", "delete")]
)
async def test_the_word_in_the_clients_language_confirms_and_delete_always_does(
    db: Database, chat: Callable[[str], Chat], storage: Path, language: str, word: str
) -> None:
    client_id = await register(db, "u3")
    async with db.unit_of_work() as s:
        await set_client_locale(s, client_id, language)
    c = chat("u3")
    await c.send("/forget_me")
    with use_locale(language):
        done = str(T.DONE)
    assert done != T.DONE.english
    assert texts(await c.send(word)) == done
    assert await people(db) == []


async def test_another_languages_word_does_not_confirm(
    db: Database, chat: Callable[[str], Chat], storage: Path
) -> None:
    await register(db, "u5")  # English
    c = chat("u5")
    await c.send("/forget_me")
    assert texts(await c.send("LÖSCHEN")) == T.KEPT
    assert await people(db) == ["u5"]


async def test_anything_else_cancels(db: Database, chat: Callable[[str], Chat], storage: Path) -> None:
    await register(db, "u1")
    c = chat("u1")
    await c.send("/forget_me")
    assert texts(await c.press(T.NO)) == T.KEPT
    for answer in ("yes", "DELETE it all", ""):
        await c.send("/forget_me")
        assert texts(await c.send(answer)) == T.KEPT, answer
    await c.send("/forget_me")
    photo = Attachment(kind="photo", file_id="p1")
    assert texts(await c.send(attachments=(photo,))) == T.KEPT
    # A stale yes button after cancelling is not a confirmation.
    assert "belongs to a conversation that has ended" in texts(await c.send(payload=forget_me.CONFIRM_WORD))
    assert await people(db) == ["u1"]
    await c.send("/forget_me")
    assert texts(await c.send("/cancel")) == Common.CANCELLED
    assert await people(db) == ["u1"]


async def test_only_clients_can_ask_and_renewing_subscriptions_come_first(
    db: Database, chat: Callable[[str], Chat], storage: Path
) -> None:
    assert texts(await chat("stranger").send("/forget_me")) == T.NOTHING_HELD
    client_id = await register(db, "u1")
    async with db.unit_of_work() as s:
        await sync_subscription(
            s,
            SubscriptionState("sub_1", "active", 4900, "usd", None, False),
            client_id=client_id,
            enrollment_id=None,
        )
    c = chat("u1")
    assert texts(await c.send("/forget_me")) == T.RENEWING
    assert texts(await c.send("DELETE")) == Common.RELAYED  # no flow is waiting for it
    assert await people(db) == ["u1"]
