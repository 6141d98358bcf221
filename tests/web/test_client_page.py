"""A client's page over real HTTP: who may open each route, replies through the outbox, private notes,
goal ideas, files, the chart and live updates."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.clock import utcnow
from domain.db import Database
from domain.insights.approval import propose_goals
from domain.models import AuditEvent, CoachFeedback, CoachNote, Goal, Message, OutboundMessage
from domain.models.enums import GoalStatus
from domain.services.checkins import record_check_in
from domain.services.clients import set_client_locale
from domain.services.files import record_stored_file, write_stored_file
from domain.services.goals import add_goal_ideas
from domain.services.messages import record_client_message
from tests.support.openai_api import FakeOpenAI
from tests.support.web import Browser, add_client, add_coach, browser, served_workspace

pytestmark = pytest.mark.usefixtures("storage")


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "files"
    monkeypatch.setenv("COACH_STORAGE_DIR", str(root))
    return root


class Idea:
    def __init__(self, text: str) -> None:
        self.text, self.metric, self.target, self.unit = text, "runs", 3.0, "runs"
        self.due_date = date.today() + timedelta(days=30)
        self.ai = True


async def _people(db: Database) -> tuple[int, int, int, int]:
    """Ana (coach) with client Sam on the console, Bo (coach) and Ada (admin): their ids."""
    ana = await add_coach(db, "Ana", "ana@example.com")
    bo = await add_coach(db, "Bo", "bo@example.com")
    ada = await add_coach(db, "Ada", "ada@example.com", role="admin")
    sam = await add_client(db, ana.id, "Sam", console_user="sam")
    return ana.id, bo.id, ada.id, sam.id


async def _client_routes(db: Database, client_id: int, storage: Path) -> tuple[list[str], list[str]]:
    """(GET paths, POST paths) of every route of a client's page."""
    async with db.unit_of_work() as session:
        check_ins = []
        for day in range(3):
            check_in = await record_check_in(
                session,
                client_id=client_id,
                mood=6,
                energy=5,
                sleep_hours=7.5,
                adherence="yes",
                source_channel="console",
                at=utcnow() - timedelta(days=day),
            )
            check_ins.append(check_in)
        [goal] = await add_goal_ideas(
            session, client_id, [Idea("Run three times a week")], status=GoalStatus.PROPOSED
        )
        path = storage / "sam.txt"
        write_stored_file(path, b"hello")
        stored = await record_stored_file(
            session,
            platform="console",
            external_user_id="sam",
            file_id="f1",
            kind="document",
            mime_type="text/plain",
            size_bytes=5,
            file_name="plan.txt",
            path=str(path),
        )
    base = f"/app/clients/{client_id}"
    gets = [base, f"{base}/chart.svg", f"{base}/updates", f"{base}/files/{stored.id}"]
    posts = [
        f"{base}/reply",
        f"{base}/notes",
        f"{base}/goals/{goal.id}",
        f"{base}/check-ins/{check_ins[0].id}/feedback",
    ]
    return gets, posts


async def test_every_client_route_is_for_the_clients_coach_and_admins(db: Database, storage: Path) -> None:
    ana, bo, ada, sam = await _people(db)
    gets, posts = await _client_routes(db, sam, storage)
    async with served_workspace(db) as root:
        async with browser(root) as anonymous:
            await anonymous.get("/app/signin")
            for path in gets:
                status, _, response = await anonymous.get(path)
                assert (status, response.headers.get("Location")) == (303, "/app/signin"), path
            for path in posts:
                status, _, response = await anonymous.post(
                    path, {"text": "hi", "note": "x", "action": "dismiss"}
                )
                assert (status, response.headers.get("Location")) == (303, "/app/signin"), path
        async with browser(root) as other:
            await other.sign_in(db, bo)
            for path in gets:
                status, body, _ = await other.get(path)
                assert status == 404 and "Sam" not in body, path
            for path in posts:
                status, _, _ = await other.post(path, {"text": "hi", "note": "x", "action": "dismiss"})
                assert status == 404, path
            status, _, _ = await other.get(f"/app/clients/{sam + 1000}")  # nobody's: the same answer
            assert status == 404
        for coach in (ana, ada):
            async with browser(root) as allowed:
                await allowed.sign_in(db, coach)
                for path in gets:
                    status, _, _ = await allowed.get(path)
                    assert status == 200, (coach, path)
    async with db.unit_of_work() as session:
        refused = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "web.access_refused"))
        ).all()
        # Nothing was written by the other coach's posts.
        assert (await session.scalar(select(Message.id))) is None
        assert (await session.scalar(select(CoachNote.id))) is None
        assert (await session.scalar(select(CoachFeedback.id))) is None
        goal_status = await session.scalar(select(Goal.status))
    assert goal_status == GoalStatus.PROPOSED
    assert len(refused) == len(gets) + len(posts) + 1
    assert {e.actor for e in refused} == {f"coach:{bo}"}
    assert f"client:{sam}" in {e.subject for e in refused}


async def _reply_form(visitor: Browser, client_id: int) -> dict[str, str]:
    _, body, _ = await visitor.get(f"/app/clients/{client_id}")
    key = re.search(r'name="form_key" value="([^"]+)"', body)
    assert key is not None
    return {"form_key": key.group(1)}


async def test_a_reply_reaches_the_client_through_the_outbox_once(db: Database) -> None:
    ana, _, _, sam = await _people(db)
    async with db.unit_of_work() as session:
        await record_client_message(session, client_id=sam, channel="console", text="Can we <b>talk</b>?")
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana)
        status, body, _ = await coach.get(f"/app/clients/{sam}")
        assert status == 200 and "Can we &lt;b&gt;talk&lt;/b&gt;?" in body
        form = await _reply_form(coach, sam) | {"text": "Sure, Thursday at 9?"}
        for _ in range(2):  # a double click
            status, _, response = await coach.post(f"/app/clients/{sam}/reply", form)
            assert (status, response.headers["Location"]) == (303, f"/app/clients/{sam}#conversation")
        status, body, _ = await coach.post(f"/app/clients/{sam}/reply", await _reply_form(coach, sam))
        assert status == 400 and "Write a message" in body
        status, body, _ = await coach.get(f"/app/clients/{sam}")
        assert "Sure, Thursday at 9?" in body
    async with db.unit_of_work() as session:
        [queued] = (await session.scalars(select(OutboundMessage))).all()
        [reply] = (await session.scalars(select(Message).where(Message.direction == "to_client"))).all()
    assert (queued.platform, queued.chat_id) == ("console", "sam")
    assert queued.payload["text"] == "💬 Ana: Sure, Thursday at 9?"
    assert (reply.text, reply.coach_id, reply.channel) == ("Sure, Thursday at 9?", ana, "console")
    assert reply.response_seconds is not None  # answered a waiting client message


async def test_a_voice_note_shows_its_transcript_beside_the_audio(db: Database, storage: Path) -> None:
    ana, _, _, sam = await _people(db)
    path = storage / "telegram" / "v.oga"
    write_stored_file(path, b"OggS...")
    async with db.unit_of_work() as session:
        stored = await record_stored_file(
            session,
            platform="console",
            external_user_id="sam",
            file_id="v1",
            kind="voice",
            mime_type="audio/ogg",
            size_bytes=7,
            file_name=None,
            path=str(path),
        )
        voice = {
            "kind": "voice",
            "file_id": "v1",
            "stored_file_id": stored.id,
            "transcript": "Ran <b>5 km</b>",
        }
        await record_client_message(session, client_id=sam, channel="telegram", text="", attachments=[voice])
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana)
        status, body, _ = await coach.get(f"/app/clients/{sam}")
        assert status == 200
        assert "Voice note, transcribed:</span> Ran &lt;b&gt;5 km&lt;/b&gt;" in body
        assert f"/app/clients/{sam}/files/{stored.id}" in body  # the audio, to listen to


async def test_a_reply_can_carry_a_file(db: Database) -> None:
    import aiohttp

    ana, _, _, sam = await _people(db)
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana)
        form = aiohttp.FormData()
        form.add_field("csrf_token", coach.csrf)
        form.add_field("form_key", "k1")
        form.add_field("text", "")
        form.add_field("file", b"week 1: walk", filename="plan.txt", content_type="text/plain")
        async with coach.http.post(
            f"{root}/app/clients/{sam}/reply", data=form, allow_redirects=False
        ) as response:
            assert response.status == 303
    async with db.unit_of_work() as session:
        [queued] = (await session.scalars(select(OutboundMessage))).all()
    [attached] = queued.payload["files"]
    assert attached["file_name"] == "plan.txt" and queued.payload["text"] == "📎 Ana sent you a file."


async def test_private_notes_stay_with_the_coaches(db: Database) -> None:
    ana, _, ada, sam = await _people(db)
    async with served_workspace(db) as root, browser(root) as coach, browser(root) as admin:
        await coach.sign_in(db, ana)
        status, _, _ = await coach.post(f"/app/clients/{sam}/notes", {"note": "Knee <surgery> in May"})
        assert status == 303
        status, body, _ = await coach.post(f"/app/clients/{sam}/notes", {"note": "   "})
        assert status == 400 and "write something" in body.lower()
        await admin.sign_in(db, ada)
        _, body, _ = await admin.get(f"/app/clients/{sam}")
        assert "Knee &lt;surgery&gt; in May" in body
    async with db.unit_of_work() as session:
        assert (await session.scalar(select(OutboundMessage.id))) is None  # nothing goes to the client
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "note.added" in actions


async def test_goal_ideas_are_approved_edited_or_dismissed(db: Database) -> None:
    ana, _, _, sam = await _people(db)
    async with db.unit_of_work() as session:
        first, second, third = await propose_goals(
            session, sam, [Idea("Run three times a week"), Idea("Sleep 8 hours"), Idea("Walk daily")], ai=True
        )
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana)
        _, body, _ = await coach.get(f"/app/clients/{sam}")
        assert "Goal ideas waiting for you" in body and "AI-suggested" in body
        status, _, _ = await coach.post(f"/app/clients/{sam}/goals/{first.id}", {"action": "approve"})
        assert status == 303
        status, body, _ = await coach.post(
            f"/app/clients/{sam}/goals/{second.id}",
            {"action": "edit", "text": "Sleep 7.5 hours", "target": "abc", "unit": "hours", "due_date": ""},
        )
        assert status == 400 and "number above zero" in body
        due = (date.today() + timedelta(days=20)).isoformat()
        edit = {
            "action": "edit",
            "text": "Sleep 7.5 hours",
            "target": "7,5",
            "unit": "hours",
            "due_date": due,
        }
        status, _, _ = await coach.post(f"/app/clients/{sam}/goals/{second.id}", edit)
        assert status == 303
        status, _, _ = await coach.post(f"/app/clients/{sam}/goals/{third.id}", {"action": "dismiss"})
        assert status == 303
        status, body, _ = await coach.post(f"/app/clients/{sam}/goals/{third.id}", {"action": "approve"})
        assert status == 400 and "already handled" in body
    async with db.unit_of_work() as session:
        goals = {g.id: g for g in (await session.scalars(select(Goal))).all()}
        offers = [
            m.payload["text"]
            for m in (await session.scalars(select(OutboundMessage))).all()
            if m.platform == "console"  # the coach has no Slack: the ideas waited on the web page only
        ]
        actors = set(
            (await session.scalars(select(AuditEvent.actor).where(AuditEvent.action.like("goal.%")))).all()
        )
    assert goals[first.id].status == goals[second.id].status == GoalStatus.SUGGESTED
    assert (goals[second.id].text, goals[second.id].target) == ("Sleep 7.5 hours", 7.5)
    assert goals[third.id].status == GoalStatus.ARCHIVED
    assert sorted(offers) == sorted(
        f"Your coach suggests a goal for you: '{text}'. Want to take it on?"
        for text in ("Run three times a week", "Sleep 7.5 hours")
    )
    assert actors == {f"coach:{ana}"}


async def test_a_goal_approved_on_the_page_reaches_a_spanish_client_in_spanish(db: Database) -> None:
    ana, _, _, sam = await _people(db)
    async with db.unit_of_work() as session:
        await set_client_locale(session, sam, "es")
        [idea] = await propose_goals(session, sam, [Idea("Caminar 30 minutos")], ai=True)
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana)
        status, _, _ = await coach.post(f"/app/clients/{sam}/goals/{idea.id}", {"action": "approve"})
        assert status == 303
    async with db.unit_of_work() as session:
        [offer] = [m.payload for m in (await session.scalars(select(OutboundMessage))).all()]
    assert offer["text"] == "Tu coach te propone un objetivo: «Caminar 30 minutos». ¿Quieres intentarlo?"
    assert offer["buttons"] == [[{"label": "Añadir este objetivo", "payload": f"/goals accept:{idea.id}"}]]


async def test_the_weekly_summary_says_whether_a_model_wrote_it(db: Database) -> None:
    from bot.config import load_settings
    from integrations.llm.insights import InsightsService

    ana, _, _, sam = await _people(db)
    async with db.unit_of_work() as session:
        for mood in (5, 6, 7):
            await record_check_in(
                session,
                client_id=sam,
                mood=mood,
                energy=6,
                sleep_hours=7.0,
                adherence="yes",
                note=None,
                source_channel="console",
            )
    async with served_workspace(db) as root, browser(root) as coach:  # no model configured
        await coach.sign_in(db, ana)
        _, body, _ = await coach.get(f"/app/clients/{sam}")
        assert "Computed (not AI)" in body and "AI-generated" not in body
    model = await FakeOpenAI().start()
    try:
        llm = {
            "COACH_LLM_MODEL": "fake-model",
            "OPENAI_BASE_URL": model.base_url,
            "OPENAI_API_KEY": "sk-test",
        }
        insights = InsightsService.from_settings(load_settings(COACH_DATABASE_URL=db.url, **llm), db)
        try:
            assert (await insights.weekly_summary(sam)).source == "ai"  # as the weekly digest would
        finally:
            await insights.close()
        async with served_workspace(db, **llm) as root, browser(root) as coach:
            await coach.sign_in(db, ana)
            _, body, _ = await coach.get(f"/app/clients/{sam}")
            assert "AI-generated" in body and "fake-model" in body and "Computed (not AI)" not in body
    finally:
        await model.stop()


async def test_files_the_client_sent_download_and_the_chart_is_svg(db: Database, storage: Path) -> None:
    ana, _, _, sam = await _people(db)
    gets, _ = await _client_routes(db, sam, storage)
    async with db.unit_of_work() as session:
        file_id = int(gets[3].rsplit("/", 1)[1])
        await record_client_message(
            session,
            client_id=sam,
            channel="console",
            text="my plan",
            attachments=[
                {"kind": "document", "file_id": "f1", "file_name": "plan.txt", "stored_file_id": file_id}
            ],
        )
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana)
        _, body, _ = await coach.get(f"/app/clients/{sam}")
        assert f'href="/app/clients/{sam}/files/{file_id}"' in body
        status, content, response = await coach.get(gets[3])
        assert status == 200 and content == "hello"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["Content-Type"] == "application/octet-stream"
        status, svg, response = await coach.get(gets[1])
        assert status == 200 and response.headers["Content-Type"] == "image/svg+xml" and "<svg" in svg


async def test_new_messages_and_check_ins_come_as_live_updates(db: Database) -> None:
    ana, _, _, sam = await _people(db)
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana)
        _, body, _ = await coach.get(f"/app/clients/{sam}")
        assert 'data-after-message="0"' in body
        status, text, _ = await coach.get(f"/app/clients/{sam}/updates?after_message=0&after_check_in=0")
        assert status == 200 and json.loads(text) == {"messages": [], "check_ins": []}
        async with db.unit_of_work() as session:
            said = await record_client_message(session, client_id=sam, channel="console", text="I <3 running")
            checked = await record_check_in(
                session,
                client_id=sam,
                mood=8,
                energy=7,
                sleep_hours=8,
                adherence="yes",
                source_channel="console",
            )
        _, text, _ = await coach.get(f"/app/clients/{sam}/updates?after_message=0&after_check_in=0")
        data = json.loads(text)
        assert [m["id"] for m in data["messages"]] == [said.id]
        assert "I &lt;3 running" in data["messages"][0]["html"]
        assert [c["id"] for c in data["check_ins"]] == [checked.id] and "8/10" in data["check_ins"][0]["html"]
        _, text, _ = await coach.get(
            f"/app/clients/{sam}/updates?after_message={said.id}&after_check_in={checked.id}"
        )
        assert json.loads(text) == {"messages": [], "check_ins": []}
