"""``/coach`` answers and App Home in the coach's language (``coaches.locale``), over the real Bolt app:
signed requests in, the local Web API fixture out. Command words stay as typed; client-written text
stays as written, escaped for mrkdwn."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import stripe

from bot.slack import blocks
from conversations.i18n import use_locale
from domain.clock import utcnow
from domain.models import Coach, Payment
from domain.services.checkins import record_check_in
from domain.services.goals import set_goal
from integrations.stripe import StripePayments
from tests.slack.conftest import COACH_DM, COACH_USER, SlackHarness, add_client
from tests.slack.test_commands import all_text, run


async def speaks(harness: SlackHarness, coach: Coach, locale: str) -> None:
    async with harness.db.unit_of_work() as session:
        row = await session.get(Coach, coach.id)
        assert row is not None
        row.locale = locale


async def home(harness: SlackHarness) -> dict[str, Any]:
    before = len(harness.api.of("views.publish"))
    await harness.event({"type": "app_home_opened", "user": COACH_USER, "channel": COACH_DM, "tab": "home"})
    published = (await harness.api.wait_for("views.publish", before + 1))[-1]
    view: dict[str, Any] = published["view"]
    return view


async def checked_in_client(harness: SlackHarness, coach: Coach, name: str) -> int:
    client = await add_client(harness.db, coach, name)
    now = utcnow()
    async with harness.db.unit_of_work() as session:
        await set_goal(session, client_id=client.id, text="Run <5> km & smile", metric="distance", target=5)
        for days_ago, mood in ((1, 6), (0, 7)):
            await record_check_in(
                session,
                client_id=client.id,
                mood=mood,
                energy=6,
                sleep_hours=7.5,
                adherence="partly",
                source_channel="telegram",
                at=now - timedelta(days=days_ago),  # today even a minute after midnight
            )
    return client.id


async def test_a_german_coach_gets_help_client_card_digest_and_home_in_german(
    harness: SlackHarness, coach: Coach
) -> None:
    await speaks(harness, coach, "de")

    helped = await run(harness, "help")
    assert helped["text"] == "Coach-Befehle"
    text = all_text(helped)
    # The command words are the interface: as typed, with German sentences after them.
    assert (
        "`/coach client <name>` — Profil, Ziele, die letzten 7 Check-ins und die neueste Zusammenfassung"
        in text
    )
    assert "Antworte im Thread eines Klienten" in text and "your clients" not in text
    unknown = all_text(await run(harness, "tanzen <b>"))
    assert "`tanzen` kenne ich nicht. Das kann ich:" in unknown
    assert (await run(harness, "client"))["text"] == "Welcher Klient? Zum Beispiel `/coach client Ann`."
    missing = await run(harness, "client Zora")
    assert missing["text"] == "Keiner deiner Klienten heißt „Zora“. `/coach clients` listet sie auf."

    # No clients yet: the computed digest (no insights source here) says so, and where it came from.
    empty = await run(harness, "digest")
    assert empty["blocks"][0]["text"]["text"] == "Deine Übersicht"
    assert empty["text"] == "0 Klienten · 0 heute eingecheckt · 0 brauchen Aufmerksamkeit"
    assert empty["blocks"][-1]["elements"][0]["text"] == "Quelle: berechnet"

    await checked_in_client(harness, coach, "Ann & <Lee>")
    card = await run(harness, "client Ann")
    text = all_text(card)
    assert card["blocks"][0]["text"]["text"] == "Ann & <Lee>"  # a header is plain text: as written
    assert "*Ann &amp; &lt;Lee&gt;* — letzter Check-in heute · Serie 2 · Stimmung 7/10" in text
    assert "*Ziele*\\n• Run &lt;5&gt; km &amp; smile — 0%" in text
    assert "*Letzte 2 Check-ins*" in text
    assert ": Stimmung 7, Energie 6, Schlaf 7,5 Std., Plan teilweise" in text
    assert "`Stimmung ·" in text  # the chart row, named in German
    assert "*Verlauf* (letzte 7 Tage, · = kein Check-in; Woche zu Vorwoche)" in text
    assert "*Neueste Zusammenfassung*" in text
    buttons = [e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Klient anschreiben"]

    digest = await run(harness, "digest")
    assert digest["text"] == "1 Klient · 1 heute eingecheckt · 0 brauchen Aufmerksamkeit"
    assert "*Ann &amp; &lt;Lee&gt;* — letzter Check-in heute, Serie 2" in all_text(digest)

    view = await home(harness)
    assert view["blocks"][0]["text"]["text"] == "Klienten von Casey Coach"
    counts = view["blocks"][1]["elements"][0]["text"]
    assert counts.startswith("1 Klient · 0 mit offenen Hinweisen · Stand ") and counts.endswith(" UTC")
    line = view["blocks"][3]
    assert line["text"]["text"].startswith("*Ann &amp; &lt;Lee&gt;* — letzter Check-in heute · Serie 2")
    assert line["accessory"]["text"]["text"] == "Öffnen"


async def test_a_russian_coach_gets_russian_answers_and_plural_forms(
    harness: SlackHarness, coach: Coach
) -> None:
    await speaks(harness, coach, "ru")
    helped = await run(harness, "help")
    assert helped["text"] == "Команды коуча"
    assert "`/coach remind <client> <text>` — отправить клиенту напоминание" in all_text(helped)

    view = await home(harness)
    assert view["blocks"][1]["elements"][0]["text"].startswith("0 клиентов · с открытыми предупреждениями: 0")
    assert view["blocks"][3]["text"]["text"] == "Клиентов пока нет."

    await checked_in_client(harness, coach, "Вера Петрова")
    oleg = await add_client(harness.db, coach, "Олег Сидоров")
    async with harness.db.unit_of_work() as session:
        session.add(Payment(client_id=oleg.id, amount_minor=1000, currency="usd", status="failed"))
    view = await home(harness)
    # CLDR's "few" form for 2, and the client who never checked in.
    assert view["blocks"][1]["elements"][0]["text"].startswith("2 клиента · ")
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "*Олег Сидоров* — последняя отметка никогда · серия 0 · платёж: не прошёл" in text
    assert "⚠️ платёж не прошёл" in text and "payment" not in text
    assert "*Вера Петрова* — последняя отметка сегодня · серия 2 · настроение 7/10" in text

    card = all_text(await run(harness, "client Вера"))
    assert "*Последние 2 отметки*" in card and "*Цели*" in card and "сон 7,5 ч, план частично" in card

    digest = await run(harness, "digest")
    assert digest["text"] == "2 клиента · сегодня отметились: 1 · требуют внимания: 1"
    assert digest["blocks"][0]["text"]["text"] == "Ваша сводка"
    assert digest["blocks"][-1]["elements"][0]["text"] == "источник: расчёт"
    assert (await run(harness, "client Зоя"))["text"].startswith("Среди ваших клиентов нет «Зоя».")


async def test_an_english_coach_reads_as_before(harness: SlackHarness, coach: Coach) -> None:
    view = await home(harness)
    assert view["blocks"][0]["text"]["text"] == "Casey Coach's clients"
    assert view["blocks"][1]["elements"][0]["text"].startswith("0 clients · 0 with open flags · updated ")
    digest = await run(harness, "digest")
    assert digest["text"] == "0 clients · 0 checked in today · 0 need attention"
    assert digest["blocks"][-1]["elements"][0]["text"] == "source: computed"
    assert (await run(harness, "help"))["text"] == "Coach commands"


def test_a_digest_with_only_a_title_has_nothing_to_report_in_the_current_language() -> None:
    """A scheduled digest's plain text with nothing under its title (bot.slack.transport sends these)."""
    payload = {"type": "coach_digest", "text": "Digest for 2026-12-06", "source": "computed"}
    for locale, nothing, source in (
        ("en", "Nothing to report.", "source: computed"),
        ("de", "Nichts zu berichten.", "Quelle: berechnet"),
        ("es", "Nada que informar.", "fuente: calculado"),
        ("ru", "Сообщить нечего.", "источник: расчёт"),
    ):
        with use_locale(locale):
            rendered = blocks.digest_blocks(payload)
        assert rendered[0]["text"]["text"] == "Digest for 2026-12-06"
        assert rendered[1]["text"]["text"] == nothing
        assert rendered[2]["elements"][0]["text"] == source


async def test_settings_availability_guides_support_and_announce_answer_in_german(
    harness: SlackHarness, coach: Coach
) -> None:
    await speaks(harness, coach, "de")
    await add_client(harness.db, coach, "Ann <Lee>")

    settings = await run(harness, "settings")
    assert settings["blocks"][0]["text"]["text"] == "Deine Übersichts-Einstellungen"
    assert "*Rhythmus:* täglich" in all_text(settings)
    wrong = await run(harness, "settings digest 08:00")
    assert wrong["text"].startswith("Zum Beispiel `/coach settings digest 08:00 weekly Europe/Berlin`")
    saved = await run(harness, "settings digest 07:30 weekly Berlin")
    assert saved["text"] == "Gespeichert. Übersicht um 07:30, wöchentlich, Europe/Berlin."

    hours = await run(harness, "availability")
    assert hours["text"].startswith("Du hast noch keine buchbaren Zeiten, daher können Klienten nicht /book")
    assert "`/coach availability set {weekly:" in hours["text"]

    guides = await run(harness, "guides")
    assert [b["text"]["text"] for b in guides["blocks"]] == [
        "Anleitungen",
        "Es wurden noch keine Anleitungen veröffentlicht.",
    ]
    assert (await run(harness, "guides nope"))["text"].startswith("Eine Anleitung „nope“ gibt es nicht.")

    opened = await run(harness, "support The <export> fails")
    assert opened["text"].startswith("Support-Anfrage #") and "Die Admins haben sie" in opened["text"]
    mine = all_text(await run(harness, "support"))
    assert "Deine Support-Anfragen" in mine and "offen · " in mine and "1 Nachricht" in mine
    assert "\\n>The &lt;export&gt; fails" in mine  # the coach's words as written, escaped

    preview = await run(harness, "announce Bis <Montag>!")
    assert preview["blocks"][0]["text"]["text"] == "Vorschau der Ankündigung"
    assert preview["blocks"][1]["text"]["text"] == "Bis &lt;Montag&gt;!"
    assert "1 Klient, sobald du auf Senden drückst." in preview["blocks"][2]["elements"][0]["text"]
    buttons = [e["text"]["text"] for e in preview["blocks"][3]["elements"]]
    assert buttons == ["Senden", "Abbrechen"]
    bad = await run(harness, "announce --when later Hallo")
    assert bad["text"].startswith("`--when` kenne ich nicht. Zum Beispiel `/coach announce")


async def test_a_russian_coachs_support_list_counts_messages_in_russian(
    harness: SlackHarness, coach: Coach
) -> None:
    await speaks(harness, coach, "ru")
    opened = await run(harness, "support Не приходит сводка")
    number = opened["text"].split("#")[1].split(" ")[0]
    await run(harness, f"support reply {number} Уже неделю")
    mine = all_text(await run(harness, "support"))
    assert "Ваши обращения" in mine and "2 сообщения" in mine
    assert (await run(harness, f"support close {number}"))["text"] == f"Обращение #{number} закрыто."


async def refusable_payments(harness: SlackHarness, coach: Coach) -> tuple[int, int]:
    """A failed payment and a paid one of the coach's client; refunds go through the real Stripe
    integration, whose refusals come before any call to Stripe (the key is never used)."""
    client = await add_client(harness.db, coach, "Bo Fine")
    async with harness.db.unit_of_work() as session:
        failed = Payment(client_id=client.id, amount_minor=4900, currency="usd", status="failed")
        paid = Payment(
            client_id=client.id,
            amount_minor=4900,
            currency="usd",
            status="succeeded",
            provider_payment_id="pi_never_called",
        )
        session.add_all([failed, paid])
        await session.flush()
        ids = (failed.id, paid.id)
    harness.bot.commands.payments = StripePayments(harness.db, stripe.StripeClient("sk_test_never_called"))
    return ids


async def test_a_german_coachs_refund_refusals_say_why_in_german(harness: SlackHarness, coach: Coach) -> None:
    await speaks(harness, coach, "de")
    failed, paid = await refusable_payments(harness, coach)
    nothing = await run(harness, f"refund {failed}")
    assert nothing["text"] == f"Keine Erstattung: Zahlung {failed} ist fehlgeschlagen: nichts zu erstatten."
    too_much = await run(harness, f"refund {paid} 60")
    assert too_much["text"] == (
        "Keine Erstattung: eine Erstattung muss zwischen 1 und 4900 liegen (was von der Zahlung übrig ist)."
    )


async def test_a_spanish_coachs_refund_refusal_is_in_spanish_and_an_english_one_unchanged(
    harness: SlackHarness, coach: Coach
) -> None:
    failed, _ = await refusable_payments(harness, coach)
    english = await run(harness, f"refund {failed}")
    assert english["text"] == f"No refund: payment {failed} is failed: nothing to refund."
    await speaks(harness, coach, "es")
    spanish = await run(harness, f"refund {failed}")
    assert spanish["text"] == (
        f"Sin reembolso: el pago {failed} figura como fallido: no hay nada que reembolsar."
    )
