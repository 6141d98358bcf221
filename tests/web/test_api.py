"""``/api/v1`` over real HTTP: bearer tokens and the session, who sees what, and every answer checked
against openapi.yaml."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import yaml
from openapi_spec_validator import validate
from sqlalchemy import select

from domain.db import Database
from domain.insights.approval import propose_goals
from domain.insights.goals import GoalProposal
from domain.models import AuditEvent, Goal, OutboundMessage
from domain.models.enums import GoalStatus
from domain.services.api_tokens import create_api_token, revoke_coach_tokens
from domain.services.audit import record_audit_event
from domain.services.checkins import record_check_in
from domain.services.clients import register_client
from domain.services.goals import set_goal
from domain.services.messages import record_client_message
from domain.services.web_auth import revoke_sessions
from tests.programs.conftest import enroll_client
from tests.support.openapi import check_response
from tests.support.web import add_client, add_coach, browser, served_workspace


async def _token(db: Database, coach_id: int) -> str:
    async with db.unit_of_work() as session:
        return (await create_api_token(session, coach_id=coach_id)).secret


class Api:
    """Calls the API with a token (or a cookie-keeping session) and checks each answer against the file."""

    def __init__(self, http: aiohttp.ClientSession, root: str, token: str | None = None) -> None:
        self.http, self.root, self.token = http, root, token

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        async with self.http.request(
            method, self.root + "/api/v1" + path, headers=headers, **kwargs
        ) as response:
            assert response.content_type == "application/json", path
            body = await response.json()
        check_response(method, "/api/v1" + path, response.status, body)
        return response.status, body


async def test_the_openapi_file_is_valid_and_served_without_signing_in(db: Database) -> None:
    async with (
        served_workspace(db) as root,
        aiohttp.ClientSession() as http,
        http.get(root + "/api/v1/openapi.yaml") as response,
    ):
        assert response.status == 200 and response.content_type == "application/yaml"
        document = yaml.safe_load(await response.text())
    validate(document)
    assert document["servers"] == [{"url": "/api/v1"}]


async def test_without_a_valid_token_or_session_every_path_is_401(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    revoked = await _token(db, ana.id)
    async with db.unit_of_work() as session:
        await revoke_coach_tokens(session, ana.id)
    async with served_workspace(db) as root, aiohttp.ClientSession() as http:
        for token in (None, "sc_made-up", revoked):
            api = Api(http, root, token)
            for path in (
                "/me",
                "/clients",
                "/clients/1",
                "/clients/1/checkins",
                "/clients/1/goals",
                "/clients/1/messages",
                "/programs",
                "/programs/1",
                "/audit",
            ):
                status, body = await api.call("GET", path)
                assert status == 401 and body["error"]["status"] == 401
        async with http.get(root + "/api/v1/me", headers={"Authorization": "Basic abc"}) as response:
            assert response.status == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    async with db.unit_of_work() as session:
        rows = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "request.rejected"))
        ).all()
        assert sum(r.count for r in rows) == 28 and {r.actor for r in rows} == {"api.v1"}


async def test_a_coach_reads_their_own_clients_and_programs_and_nobody_elses(db: Database) -> None:
    enrolled = await enroll_client(db, started=datetime(2026, 12, 1, 8, tzinfo=UTC))
    ben = await add_coach(db, "Ben", "ben@example.com")
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    bens_client = await add_client(db, ben.id, "Bea")
    async with db.unit_of_work() as session:
        await record_check_in(
            session,
            client_id=enrolled.client_id,
            mood=7,
            energy=6,
            sleep_hours=7.5,
            adherence="yes",
            note="<script>alert(1)</script>",
            source_channel="console",
        )
        await set_goal(session, client_id=enrolled.client_id, text="run 5 km")
    ana_token, boss_token = await _token(db, enrolled.coach_id), await _token(db, boss.id)
    async with served_workspace(db) as root, aiohttp.ClientSession() as http:
        ana = Api(http, root, ana_token)
        status, me = await ana.call("GET", "/me")
        assert status == 200 and me["id"] == enrolled.coach_id and me["role"] == "coach"
        status, body = await ana.call("GET", "/clients")
        assert [c["id"] for c in body["clients"]] == [enrolled.client_id]
        status, client = await ana.call("GET", f"/clients/{enrolled.client_id}")
        assert status == 200 and client["name"] == "Sam" and client["check_ins"] == 1
        status, body = await ana.call("GET", f"/clients/{enrolled.client_id}/checkins?limit=5")
        assert status == 200 and body["checkins"][0]["note"] == "<script>alert(1)</script>"
        status, body = await ana.call("GET", f"/clients/{enrolled.client_id}/checkins?limit=0")
        assert status == 422
        status, body = await ana.call("GET", f"/clients/{enrolled.client_id}/goals")
        assert status == 200 and [g["text"] for g in body["goals"]] == ["run 5 km"]
        status, body = await ana.call("GET", "/programs")
        assert [p["id"] for p in body["programs"]] == [enrolled.program_id]
        status, program = await ana.call("GET", f"/programs/{enrolled.program_id}")
        assert status == 200 and program["versions"][0]["status"] == "published"
        for path in (
            f"/clients/{bens_client.id}",
            f"/clients/{bens_client.id}/goals",
            "/clients/999999",
            "/audit",
        ):
            status, body = await ana.call("GET", path)
            assert status == 404, path

        boss_api = Api(http, root, boss_token)
        status, body = await boss_api.call("GET", "/clients")
        assert {c["id"] for c in body["clients"]} == {enrolled.client_id, bens_client.id}
        assert body["next_after_id"] is None
        status, first = await boss_api.call("GET", "/clients?limit=1")
        status, second = await boss_api.call("GET", f"/clients?limit=1&after_id={first['next_after_id']}")
        assert [c["id"] for c in first["clients"] + second["clients"]] == sorted(
            [enrolled.client_id, bens_client.id]
        )
        assert second["next_after_id"] is None
        status, body = await boss_api.call("GET", f"/clients/{bens_client.id}")
        assert status == 200
    async with db.unit_of_work() as session:
        refused = (
            await session.scalars(select(AuditEvent.subject).where(AuditEvent.action == "api.access_refused"))
        ).all()
        assert sorted(refused) == sorted(
            ["audit", f"client:{bens_client.id}", f"client:{bens_client.id}", "client:999999"]
        )


async def test_admins_page_through_the_audit_log_with_filters(db: Database) -> None:
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    async with db.unit_of_work() as session:
        for n in range(5):
            await record_audit_event(session, actor="cli", action="test.event", subject=f"n:{n}")
    token = await _token(db, boss.id)
    async with served_workspace(db) as root, aiohttp.ClientSession() as http:
        api = Api(http, root, token)
        subjects: list[str] = []
        cursor = ""
        while True:
            status, body = await api.call("GET", f"/audit?action=test.*&limit=2{cursor}")
            assert status == 200
            subjects += [e["subject"] for e in body["events"]]
            if body["next_cursor"] is None:
                break
            cursor = f"&cursor={body['next_cursor']}"
        assert subjects == [f"n:{n}" for n in reversed(range(5))]
        status, body = await api.call("GET", "/audit?since=2999-01-01")
        assert status == 200 and body == {"events": [], "next_cursor": None}
        for bad in ("since=someday", "cursor=forged", "limit=501"):
            status, body = await api.call("GET", f"/audit?{bad}")
            assert status == 422, bad


async def _console_client(db: Database, coach_id: int, user: str, name: str) -> int:
    async with db.unit_of_work() as session:
        client = await register_client(
            session,
            platform="console",
            external_user_id=user,
            chat_id=user,
            display_name=name,
            coach_id=coach_id,
        )
        await record_client_message(
            session, client_id=client.id, channel="console", text="Is <b>Friday</b> ok?"
        )
        return client.id


async def test_a_reply_sent_through_the_api_is_queued_to_the_client_once(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    ben = await add_coach(db, "Ben", "ben@example.com")
    sam = await _console_client(db, ana.id, "sam", "Sam")
    bea = await _console_client(db, ben.id, "bea", "Bea")
    token = await _token(db, ana.id)
    async with served_workspace(db) as root, aiohttp.ClientSession() as http:
        api = Api(http, root, token)
        status, body = await api.call("GET", f"/clients/{sam}/messages")
        assert status == 200 and [(m["direction"], m["text"]) for m in body["messages"]] == [
            ("to_coach", "Is <b>Friday</b> ok?")
        ]
        once = {"Idempotency-Key": "reply-1"}
        status, body = await api.call(
            "POST", f"/clients/{sam}/messages", json={"text": "Friday works."}, headers=once
        )
        assert status == 201 and body["message"]["direction"] == "to_client" and body["duplicate"] is False
        status, body = await api.call(
            "POST", f"/clients/{sam}/messages", json={"text": "Friday works."}, headers=once
        )
        assert status == 200 and body == {"message": None, "duplicate": True}
        status, body = await api.call("GET", f"/clients/{sam}/messages?after_id=1")
        assert [m["text"] for m in body["messages"]] == ["Friday works."]
        for bad in ({"text": ""}, {"text": "x" * 4001}, {"note": "hi"}, ["text"]):
            status, _ = await api.call("POST", f"/clients/{sam}/messages", json=bad)
            assert status == 422, bad
        status, _ = await api.call("POST", f"/clients/{bea}/messages", json={"text": "hello"})
        assert status == 404
    async with db.unit_of_work() as session:
        queued = (await session.scalars(select(OutboundMessage))).all()
    assert [(m.platform, m.chat_id) for m in queued] == [("console", "sam")]
    assert "Friday works." in str(queued[0].payload)


async def test_the_workspace_session_works_and_needs_the_csrf_header_to_send(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    sam = await _console_client(db, ana.id, "sam", "Sam")
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana.id)
        api = Api(coach.http, root)
        status, me = await api.call("GET", "/me")
        assert status == 200 and me["name"] == "Ana"
        status, body = await api.call("POST", f"/clients/{sam}/messages", json={"text": "hi"})
        assert status == 403 and "X-CSRF-Token" in body["error"]["message"]
        status, body = await api.call(
            "POST", f"/clients/{sam}/messages", json={"text": "hi"}, headers={"X-CSRF-Token": coach.csrf}
        )
        assert status == 201
        async with db.unit_of_work() as session:
            await revoke_sessions(session, ana.id, actor="operator")
        status, body = await api.call("GET", "/me")
        assert status == 401  # a revoked session opens nothing, in the API as in the pages


async def test_goal_ideas_are_approved_edited_or_dismissed_through_the_api(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    ben = await add_coach(db, "Ben", "ben@example.com")
    sam = await _console_client(db, ana.id, "sam", "Sam")
    due = date.today() + timedelta(days=30)
    async with db.unit_of_work() as session:
        first, second, third = await propose_goals(
            session,
            sam,
            [
                GoalProposal(text, "runs", 3.0, "runs", due)
                for text in ("Run 3x", "Sleep 8 hours", "Walk daily")
            ],
            ai=True,
        )
    ana_token, ben_token = await _token(db, ana.id), await _token(db, ben.id)
    async with served_workspace(db) as root, aiohttp.ClientSession() as http:
        api, other = Api(http, root, ana_token), Api(http, root, ben_token)
        status, _ = await other.call("POST", f"/clients/{sam}/goals/{first.id}/approve")
        assert status == 404  # another coach's client, as if there were none
        status, body = await api.call("POST", f"/clients/{sam}/goals/{first.id}/approve")
        assert status == 200 and body["goal"]["status"] == "suggested" and body["goal"]["text"] == "Run 3x"
        status, body = await api.call("POST", f"/clients/{sam}/goals/{first.id}/approve")
        assert status == 422 and "already handled" in body["error"]["message"]
        edit = {"text": "Sleep 7.5 hours", "target": 7.5, "unit": "hours", "due_date": due.isoformat()}
        for bad in (
            {**edit, "target": "lots"},
            {**edit, "target": 0},
            {**edit, "due_date": "soon"},
            {**edit, "text": ""},
            ["edit"],
        ):
            status, _ = await api.call("POST", f"/clients/{sam}/goals/{second.id}/approve", json=bad)
            assert status == 422, bad
        status, body = await api.call("POST", f"/clients/{sam}/goals/{second.id}/approve", json=edit)
        assert status == 200 and (body["goal"]["text"], body["goal"]["target"]) == ("Sleep 7.5 hours", 7.5)
        status, body = await api.call("POST", f"/clients/{sam}/goals/{third.id}/dismiss")
        assert status == 200 and body["goal"]["status"] == "archived"
        status, _ = await api.call("POST", f"/clients/{sam}/goals/999999/dismiss")
        assert status == 404
    async with db.unit_of_work() as session:
        goals = {g.id: g for g in (await session.scalars(select(Goal))).all()}
        offers = [str(m.payload) for m in (await session.scalars(select(OutboundMessage))).all()]
        reviews = (
            await session.execute(
                select(AuditEvent.actor, AuditEvent.action).where(AuditEvent.action.like("goal.%"))
            )
        ).all()
        refused = (
            await session.scalars(select(AuditEvent.subject).where(AuditEvent.action == "api.access_refused"))
        ).all()
    assert goals[second.id].status == GoalStatus.SUGGESTED and goals[third.id].status == GoalStatus.ARCHIVED
    assert len(offers) == 2 and any("Sleep 7.5 hours" in o for o in offers)
    assert not any("Walk daily" in o for o in offers)
    assert sorted(reviews) == sorted(
        [(f"coach:{ana.id}", "goal.approved")] * 2 + [(f"coach:{ana.id}", "goal.dismissed")]
    )
    assert refused == [f"client:{sam}"]


def test_every_api_route_is_in_the_openapi_file_and_nothing_more() -> None:
    from bot.web.api.app import build_api
    from tests.support.openapi import spec

    served = {
        (route.method.lower(), route.resource.canonical)
        for route in build_api().router.routes()
        if route.resource is not None
        and route.method != "HEAD"
        and route.resource.canonical != "/openapi.yaml"
    }
    described = {
        (method, path)
        for path, item in spec()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert served == described


async def test_every_api_route_wants_a_token_or_session(db: Database) -> None:
    """Walks the served routes (present and future), so a new one cannot forget authentication."""
    import re

    from bot.web.api.app import build_api

    routes = sorted(
        {
            (route.method, re.sub(r"\{[^}]+\}", "1", route.resource.canonical))
            for route in build_api().router.routes()
            if route.resource is not None
            and route.method != "HEAD"
            and route.resource.canonical != "/openapi.yaml"
        }
    )
    assert ("POST", "/clients/1/goals/1/approve") in routes
    async with served_workspace(db) as root, aiohttp.ClientSession() as http:
        api = Api(http, root, "sc_made-up")
        for method, path in routes:
            status, body = await api.call(method, path, json={})
            assert status == 401 and body["error"]["status"] == 401, (method, path)
