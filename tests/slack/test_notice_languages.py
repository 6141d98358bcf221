"""Every coach notice in the coach's language, as the Slack transport posts it through the mock Web
API: sentence, title, details line and buttons; English coaches read exactly what they always did."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
import stripe

from bot.slack.announcements import ANNOUNCE_SEND
from bot.slack.blocks import escape
from conversations.engine import ConversationEngine
from domain.clock import utcnow
from domain.db import Database
from domain.models import Coach, OutboundMessage
from domain.services import announcements as ann
from domain.services.coaches import create_coach
from domain.services.delivery_queue import tell_coach_of_failure
from domain.services.notices import notify_coach
from integrations.stripe import StripePayments
from tests.payments.conftest import Shop, WebhookEndpoint, new_enrollment
from tests.payments.test_billing import _failed_renewal, _subscribed
from tests.payments.test_conversation import Chat
from tests.slack.conftest import SlackHarness, add_client
from tests.slack.test_announcements import buttons, expand, press, queued_announcements
from tests.slack.test_commands import run
from tests.support.localstripe_server import API_KEY, LocalStripe
from tests.support.stripe_checkout_api import CheckoutApi

BOOKED_AT = {"starts_at": "2026-12-07T14:00:00+00:00", "zone": "Europe/Berlin"}  # 15:00 in Berlin

# kind: (values as the writer stores them, data, English as today, German)
NOTICES: dict[str, tuple[dict[str, Any], dict[str, Any], str, str]] = {
    "payment_failed": (
        {},
        {"enrollment_id": 7},
        "A client's monthly payment failed; reminders are scheduled.",
        "Die Monatszahlung eines Klienten ist fehlgeschlagen; Erinnerungen sind geplant.",
    ),
    "subscription_ended": (
        {"program": "Momentum"},
        {"enrollment_id": 7},
        "A client's Momentum subscription ended.",
        "Das Abo eines Klienten für Momentum ist beendet.",
    ),
    "paused_unpaid": (
        {"program": "Momentum"},
        {"enrollment_id": 7},
        "A client's Momentum program is paused: the monthly payment is still unpaid.",
        "Das Programm Momentum eines Klienten ist pausiert: Die Monatszahlung ist noch offen.",
    ),
    "payment_for_cancelled": (
        {"program": "Kickstart", "payment": 12},
        {"enrollment_id": 7},
        "A payment arrived for a cancelled Kickstart enrollment (payment 12): consider `coach refund`.",
        "Für eine stornierte Anmeldung zu Kickstart ist eine Zahlung eingegangen (Zahlung 12): "
        "Erwäge `coach refund`.",
    ),
    "payments_not_configured": (
        {"name": "Bo", "program": "Kickstart"},
        {"enrollment_id": 7},
        "Bo tried to pay for Kickstart, but payments are not configured.",
        "Bo wollte Kickstart bezahlen, aber Zahlungen sind nicht eingerichtet.",
    ),
    "missed_checkins": (
        {"name": "Bo", "missed": 3},
        {"missed": 3, "since": "2026-12-01"},
        "Bo has missed 3 check-ins in a row.",
        "Bo hat 3 Check-ins in Folge verpasst.",
    ),
    "program_completed": (
        {"name": "Bo", "program": "Couch to 5K", "tasks_done": 1, "tasks_total": 3, "check_ins": 0},
        {"program_id": 2, "enrollment_id": 7},
        "Bo completed Couch to 5K: 1 of 3 tasks, 0 check-ins.",
        "Bo hat Couch to 5K abgeschlossen: 1 von 3 Aufgaben, 0 Check-ins.",
    ),
    "announcement_report": (
        {
            "preview": "Gym closed",
            "sent": 2,
            "failed": 0,
            "opted_out": 0,
            "blocked": 1,
            "held": 0,
            "pending": 0,
        },
        {"announcement": 4, "sent": 2, "failed": 0, "opted_out": 0, "blocked": 1, "held": 0, "pending": 0},
        "Your announcement “Gym closed” has gone out: 2 sent, 0 failed, 0 opted out, 1 blocked.",
        "Deine Ankündigung „Gym closed“ ist verschickt: 2 gesendet, 0 fehlgeschlagen, 0 abgemeldet, "
        "1 blockiert.",
    ),
    "session_booked": (
        {"name": "Bo", **BOOKED_AT},
        {"booking_id": 5},
        "📅 Bo booked a session: Mon 7 Dec 15:00 (your time).",
        "📅 Bo hat einen Termin gebucht: Mo., 7. Dez. 15:00 (deine Zeit).",
    ),
    "session_moved": (
        {"name": "Bo", **BOOKED_AT},
        {"booking_id": 5},
        "📅 Bo moved their session to Mon 7 Dec 15:00 (your time).",
        "📅 Bo hat den Termin verschoben auf Mo., 7. Dez. 15:00 (deine Zeit).",
    ),
    "session_cancelled": (
        {"name": "Bo", **BOOKED_AT},
        {"booking_id": 5},
        "📅 Bo cancelled their session on Mon 7 Dec 15:00 (your time).",
        "📅 Bo hat den Termin am Mo., 7. Dez. 15:00 abgesagt (deine Zeit).",
    ),
    "delivery_failed": (
        {"name": "Bo", "platform": "telegram"},
        {"platform": "telegram"},
        "A message to Bo could not be delivered on Telegram.",
        "Eine Nachricht an Bo konnte über Telegram nicht zugestellt werden.",
    ),
    "client_erased": (
        {"first_name": "Bo", "days": 30},
        {},
        "Bo's personal data has been erased: nothing had happened on their account for 30 days since it "
        "closed (COACH_RETENTION_CLOSED_CLIENTS_DAYS). Their payment records are kept for accounting, "
        "without their name.",
        "Die persönlichen Daten von Bo wurden gelöscht: Seit der Schließung des Kontos war 30 Tage lang "
        "nichts mehr passiert (COACH_RETENTION_CLOSED_CLIENTS_DAYS). Die Zahlungsbelege bleiben für die "
        "Buchhaltung erhalten, ohne Namen.",
    ),
    "cohort_removed": (
        {"program": "Couch to 5K", "title": "Runners"},
        {"program_id": 2, "cohort_id": 3},
        "The bot was removed from the cohort group of Couch to 5K (Runners); nothing more is posted there. "
        "Add the bot again and send /cohort with a new code (coach cohort code) to resume.",
        "Der Bot wurde aus der Kohortengruppe von Couch to 5K (Runners) entfernt; dort wird nichts mehr "
        "gepostet. Füge den Bot wieder hinzu und sende /cohort mit einem neuen Code (coach cohort code), "
        "um weiterzumachen.",
    ),
    "support_reply": (
        {"ticket": 3, "reply": "Fixed <it> & done"},
        {"ticket": 3},
        "Support replied on your request #3:\nFixed <it> & done",
        "Der Support hat auf deine Anfrage #3 geantwortet:\nFixed <it> & done",
    ),
    "support_ticket": (
        {"ticket": 3, "new": True, "text": "Help <me>", "from": "client", "from_id": 9, "name": "Bo"},
        {"ticket": 3, "status": "open"},
        "New support request #3 from client 9 (Bo):\nHelp <me>",
        "Neue Support-Anfrage #3 von Klient 9 (Bo):\nHelp <me>",
    ),
    "coaches_full": (
        {"coaches": "Ada 2/2"},
        {},
        "A new client could not start: every coach is at capacity (Ada 2/2). "
        "Raise a capacity with `coach coaches set-capacity` or add a coach.",
        "Ein neuer Klient konnte nicht starten: Alle Coaches sind ausgelastet (Ada 2/2). "
        "Erhöhe eine Kapazität mit `coach coaches set-capacity` oder füge einen Coach hinzu.",
    ),
}
GERMAN_TITLES = {
    "payment_failed": "💳 Zahlung fehlgeschlagen",
    "subscription_ended": "🔔 Abo beendet",
    "paused_unpaid": "🔔 Pausiert (unbezahlt)",
    "payment_for_cancelled": "🔔 Zahlung für Storniertes",
    "payments_not_configured": "🔔 Zahlungen nicht eingerichtet",
    "missed_checkins": "⏰ Verpasste Check-ins",
    "program_completed": "🎓 Programm abgeschlossen",
    "announcement_report": "📣 Bericht zur Ankündigung",
    "session_booked": "🔔 Termin gebucht",
    "session_moved": "🔔 Termin verschoben",
    "session_cancelled": "🔔 Termin abgesagt",
    "delivery_failed": "🔔 Zustellung fehlgeschlagen",
    "client_erased": "🔔 Klient gelöscht",
    "cohort_removed": "🔔 Kohorte entfernt",
    "support_reply": "🔔 Antwort vom Support",
    "support_ticket": "🔔 Support-Anfrage",
    "coaches_full": "🔔 Alle Coaches ausgelastet",
}
NO_CLIENT = ("announcement_report", "client_erased", "cohort_removed", "support_reply", "coaches_full")


async def _coach(db: Database, n: int, locale: str) -> Coach:
    """A coach of their own DM (the sender posts to one chat at a time, each about once a second)."""
    async with db.unit_of_work() as session:
        coach = await create_coach(
            session,
            name=f"Coach {n}",
            email=f"coach{n}-{locale}@example.com",
            slack_user_id=f"UN{n:03d}{locale}",
        )
        coach.locale = locale
        return coach


async def _posted(harness: SlackHarness, coach: Coach, count: int = 1) -> list[dict[str, Any]]:
    """What the coach's DM received, once ``count`` posts arrived."""
    channel = "D" + str(coach.slack_user_id).lstrip("U")
    for _ in range(200):
        await harness.deliver_outbox()
        posts = [p for p in harness.api.of("chat.postMessage") if p["channel"] == channel]
        if len(posts) >= count:
            return posts
        await asyncio.sleep(0.05)
    raise AssertionError(f"{coach.slack_user_id}: fewer than {count} posts")


async def _queue_every_kind(harness: SlackHarness, locale: str) -> dict[str, Coach]:
    """One notice of each kind, about client Bo, to a coach of its own in ``locale``."""
    coaches = {}
    for n, (kind, (values, data, text_en, _)) in enumerate(NOTICES.items()):
        coach = await _coach(harness.db, n, locale)
        client = await add_client(harness.db, coach, "Bo", user=f"{8000 + n}")
        async with harness.db.unit_of_work() as session:
            await notify_coach(
                session,
                coach_id=coach.id,
                kind=kind,
                text=text_en,
                client_id=None if kind in NO_CLIENT else client.id,
                data=data,
                values=values,
            )
        coaches[kind] = coach
    return coaches


async def test_a_german_coach_reads_every_notice_in_german(harness: SlackHarness) -> None:
    coaches = await _queue_every_kind(harness, "de")
    for kind, coach in coaches.items():
        [post] = await _posted(harness, coach)
        german = NOTICES[kind][3]
        assert post["text"] == escape(german), kind
        first = post["blocks"][0]["text"]["text"]
        title = GERMAN_TITLES[kind] + ("" if kind in NO_CLIENT else " — Bo")
        assert first == f"*{title}*\n{escape(german)}", kind
        details = [b["elements"][0]["text"] for b in post["blocks"] if b["type"] == "context"]
        if kind in ("payment_failed", "subscription_ended", "paused_unpaid"):
            assert details == ["Anmeldungs-ID: 7"], kind
        if kind == "missed_checkins":
            assert details == ["verpasst: 3  ·  seit: 2026-12-01"]
        if kind == "announcement_report":
            assert details[0].startswith("Ankündigung: 4  ·  gesendet: 2  ·  fehlgeschlagen: 0")
        if kind == "delivery_failed":  # the platform by its name, not its code
            assert details == ["Plattform: Telegram"]
        if kind == "support_ticket":
            assert details == ["Anfrage: 3  ·  Status: offen"]
        if kind in ("payment_failed", "paused_unpaid", "missed_checkins"):
            [row] = [
                [e["text"]["text"] for e in b["elements"]] for b in post["blocks"] if b["type"] == "actions"
            ]
            assert row == ["Klient anschreiben", "1 Tag stummschalten", "Klient öffnen"], kind


async def test_an_english_coach_reads_every_notice_as_before(harness: SlackHarness) -> None:
    coaches = await _queue_every_kind(harness, "en")
    for kind, coach in coaches.items():
        [post] = await _posted(harness, coach)
        english = NOTICES[kind][2]
        assert post["text"] == escape(english), kind
        named = kind.replace("_", " ").capitalize() if kind != "missed_checkins" else "Missed checkins"
        assert post["blocks"][0]["text"]["text"].split("\n", 1)[1] == escape(english), kind
        assert named in post["blocks"][0]["text"]["text"], kind
        details = [b["elements"][0]["text"] for b in post["blocks"] if b["type"] == "context"]
        if kind == "missed_checkins":
            assert details == ["missed: 3  ·  since: 2026-12-01"]
        if kind == "delivery_failed":
            assert details == ["platform: Telegram"]


async def test_a_client_name_in_a_notice_stays_as_written_and_escaped(harness: SlackHarness) -> None:
    coach = await _coach(harness.db, 99, "ru")
    client = await add_client(harness.db, coach, "Bo <!channel> & Co")
    async with harness.db.unit_of_work() as session:
        await notify_coach(
            session,
            coach_id=coach.id,
            kind="missed_checkins",
            text="Bo <!channel> & Co has missed 1 check-in in a row.",
            client_id=client.id,
            data={"missed": 1},
            values={"name": client.display_name, "missed": 1},
        )
    [post] = await _posted(harness, coach)
    assert post["text"] == "Bo &lt;!channel&gt; &amp; Co пропустил(а) 1 отметку подряд."
    assert "<!channel>" not in json.dumps(post["blocks"], ensure_ascii=False)


async def test_a_notice_queued_before_its_values_were_stored_keeps_its_text(harness: SlackHarness) -> None:
    coach = await _coach(harness.db, 98, "de")
    async with harness.db.unit_of_work() as session:
        await notify_coach(
            session, coach_id=coach.id, kind="missed_checkins", text="Bo has missed 3 check-ins in a row."
        )
    [post] = await _posted(harness, coach)
    assert post["text"] == "Bo has missed 3 check-ins in a row."
    assert post["blocks"][0]["text"]["text"].startswith("*⏰ Verpasste Check-ins*")


@pytest.mark.parametrize(
    ("counts", "russian"),
    [
        (
            {"sent": 1, "failed": 2, "opted_out": 5, "blocked": 21, "held": 3, "pending": 0},
            "1 сообщение отправлено, 2 не доставлено, 5 клиентов отписались, 21 клиент недоступен, "
            "3 ждут своего чата в консоли",
        ),
        (
            {"sent": 22, "failed": 0, "opted_out": 1, "blocked": 3, "held": 0, "pending": 11},
            "22 сообщения отправлено, 0 не доставлено, 1 клиент отписался, 3 клиента недоступны, 11 в пути",
        ),
    ],
)
async def test_a_russian_coachs_announcement_report_counts_in_russian(
    harness: SlackHarness, counts: dict[str, int], russian: str
) -> None:
    coach = await _coach(harness.db, 97, "ru")
    async with harness.db.unit_of_work() as session:
        await notify_coach(
            session,
            coach_id=coach.id,
            kind="announcement_report",
            text="(English)",
            data={"announcement": 1, **counts},
            values={"preview": "Зал закрыт", **counts},
        )
    [post] = await _posted(harness, coach)
    assert post["text"] == f"Ваше объявление «Зал закрыт» разослано: {russian}."
    assert post["blocks"][0]["text"]["text"].startswith("*📣 Отчёт об объявлении*\n")


async def test_a_russian_coachs_real_announcement_report(harness: SlackHarness, coach: Coach) -> None:
    """Written by the announcements service when the last message went out, posted in Russian."""
    async with harness.db.unit_of_work() as session:
        row = await session.get(Coach, coach.id)
        assert row is not None
        row.locale = "ru"
    await add_client(harness.db, coach, "Ann Lee")
    await add_client(harness.db, coach, "Bo Fine")
    preview = await run(harness, "announce Gym closed on Friday")
    await press(harness, ANNOUNCE_SEND, buttons(preview)[ANNOUNCE_SEND]["value"])
    await expand(harness)
    assert await queued_announcements(harness) == 2
    async with harness.db.unit_of_work() as session:
        await session.execute(
            OutboundMessage.__table__.update()
            .where(OutboundMessage.dedupe_key.startswith("announcement:"))
            .values(status="sent")
        )
        assert len(await ann.finish_delivered(session, now=utcnow())) == 1
    posts = await _posted(harness, coach, 1)
    report = next(p for p in posts if "📣" in json.dumps(p["blocks"], ensure_ascii=False))
    assert report["text"] == (
        "Ваше объявление «Gym closed on Friday» разослано: 2 сообщения отправлено, 0 не доставлено, "
        "0 клиентов отписались, 0 клиентов недоступны."
    )


async def test_a_german_coach_reads_stripes_dunning_notices_in_german(
    harness: SlackHarness,
    shop: Shop,
    payments: StripePayments,
    stripe_api: CheckoutApi,
    webhook: WebhookEndpoint,
    localstripe: LocalStripe,
) -> None:
    """A renewal fails (signed webhook), the reminders run out (the dunning sweep), the subscription
    ends: each notice written by the Stripe integration reaches the German coach in German."""
    async with harness.db.unit_of_work() as session:
        coach = await session.get(Coach, shop.coach_id)
        assert coach is not None
        coach.locale = "de"
    _, sub_id = await _subscribed(harness.db, shop, payments, stripe_api)
    customer = next(iter(stripe_api.sessions.values()))["customer"]
    invoice = await asyncio.to_thread(_failed_renewal, localstripe, customer, sub_id)
    await asyncio.to_thread(stripe_api.deliver, "invoice.payment_failed", invoice)
    assert await webhook.processor.pause_overdue(utcnow() + timedelta(days=7, minutes=1)) == 1
    client = stripe.StripeClient(API_KEY, base_addresses={"api": stripe_api.upstream})
    await asyncio.to_thread(client.v1.subscriptions.cancel, sub_id)
    deleted = await asyncio.to_thread(lambda: client.v1.subscriptions.retrieve(sub_id).to_dict())
    await asyncio.to_thread(stripe_api.deliver, "customer.subscription.deleted", deleted)

    posts = await _posted(harness, coach, 4)  # payment received, failed, paused, ended
    texts = [p["text"] for p in posts]
    assert texts == [
        "Zahlung erhalten: 29,00 EUR für Momentum.",
        "Die Monatszahlung eines Klienten ist fehlgeschlagen; Erinnerungen sind geplant.",
        "Das Programm Momentum eines Klienten ist pausiert: Die Monatszahlung ist noch offen.",
        "Das Abo eines Klienten für Momentum ist beendet.",
    ]
    assert posts[1]["blocks"][0]["text"]["text"].startswith("*💳 Zahlung fehlgeschlagen — Bo*\n")


async def test_a_german_coach_is_told_in_german_that_payments_are_not_set_up(
    harness: SlackHarness, shop: Shop
) -> None:
    """The client's /pay without a payment port: the client hears English, the coach reads German."""
    async with harness.db.unit_of_work() as session:
        coach = await session.get(Coach, shop.coach_id)
        assert coach is not None
        coach.locale = "de"
    await new_enrollment(harness.db, shop.client_id, shop.one_off_id)
    engine = ConversationEngine(harness.db, payments=None)
    try:
        await Chat(engine).send("/pay")
    finally:
        await engine.stop()
    [post] = await _posted(harness, coach)
    assert post["text"] == "Bo wollte Kickstart bezahlen, aber Zahlungen sind nicht eingerichtet."


async def test_a_spanish_coach_reads_the_failed_channel_by_its_spanish_name(harness: SlackHarness) -> None:
    coach = await _coach(harness.db, 96, "es")
    await add_client(harness.db, coach, "Bo", platform="email", user="bo-mail")
    async with harness.db.unit_of_work() as session:
        await tell_coach_of_failure(
            session, platform="email", chat_id="Dbo-mail", payload={"text": "Hi"}, reference="m1"
        )
    [post] = await _posted(harness, coach)
    assert post["text"] == "No se pudo entregar un mensaje a Bo por correo electrónico."
    details = [b["elements"][0]["text"] for b in post["blocks"] if b["type"] == "context"]
    assert details == ["plataforma: correo electrónico"]
