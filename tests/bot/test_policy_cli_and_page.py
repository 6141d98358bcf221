"""``coach policy publish|list`` and the public ``/policy/<version>`` page on a real local server:
bad files and versions refused with one line, Markdown rendered with its HTML escaped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.cli.main import main
from bot.policy_pages import PolicyPages
from domain.db import Database
from domain.services import policies
from tests.support.databases import wipe

HOSTILE = "---\nsummary: Retention <b>shorter</b>\n---\n# Privacy <script>alert(1)</script>\n\n[click](javascript:alert(1)) **kept 2 years**\n"


async def versions(url: str) -> list[tuple[int, str, str]]:
    db = Database(url)
    try:
        async with db.sessions() as s:
            return [(p.version, p.summary, p.body) for p in await policies.list_policies(s)]
    finally:
        await db.dispose()


async def clean(url: str) -> None:
    db = Database(url)
    try:
        await wipe(db)
    finally:
        await db.dispose()


def test_publish_and_list(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(clean(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    monkeypatch.setenv("COACH_PUBLIC_URL", "https://coach.example.com")
    file = tmp_path / "policy.md"
    file.write_text("# Privacy\n\nWe keep little.\n")

    assert main(["policy", "publish", "--version", "1", "--file", str(file)]) == 1
    assert "summary of the changes is required" in capsys.readouterr().err
    assert (
        main(["policy", "publish", "--version", "1", "--file", str(file), "--summary", "First version."]) == 0
    )
    assert "https://coach.example.com/policy/1" in capsys.readouterr().out
    assert main(["policy", "publish", "--version", "1", "--file", str(file), "--summary", "Again."]) == 1
    assert "not newer than the published version 1" in capsys.readouterr().err
    assert (
        main(
            ["policy", "publish", "--version", "2", "--file", str(tmp_path / "missing.md"), "--summary", "x"]
        )
        == 1
    )
    assert "cannot read" in capsys.readouterr().err
    assert main(["policy", "publish", "--version", "two", "--file", str(file), "--summary", "x"]) == 2
    capsys.readouterr()
    assert main(["policy", "list"]) == 0
    assert "First version." in capsys.readouterr().out
    assert asyncio.run(versions(database_url)) == [(1, "First version.", "# Privacy\n\nWe keep little.\n")]


async def test_the_page_shows_the_text_escaped(db: Database) -> None:
    summary, body = policies.parse_policy_file(HOSTILE)
    async with db.unit_of_work() as session:
        await policies.publish_policy(session, version=4, body=body, summary=summary, actor="cli")
    app = web.Application()
    PolicyPages(db).install_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/policy") as latest:
                assert latest.status == 200 and str(latest.url).endswith("/policy/4")
                page = await latest.text()
            russian = {"Accept-Language": "ru-RU,ru;q=0.9"}
            async with http.get(f"http://127.0.0.1:{port}/policy/4", headers=russian) as response:
                in_russian = await response.text()
            async with http.get(f"http://127.0.0.1:{port}/policy/5", headers=russian) as response:
                assert response.status == 404 and await response.text() == "Такой версии политики нет."
            for missing in ("5", "x", "-1", "9" * 20):
                async with http.get(f"http://127.0.0.1:{port}/policy/{missing}") as response:
                    assert response.status == 404
    finally:
        await runner.cleanup()
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>" not in page
    assert 'href="javascript' not in page and "<strong>kept 2 years</strong>" in page
    assert "Version 4" in page and "Retention &lt;b&gt;shorter&lt;/b&gt;" in page
    assert '<html lang="en">' in page and "<title>Privacy policy and terms, version 4</title>" in page
    # A client whose browser speaks Russian: the page's own words in Russian, the policy as written.
    assert '<html lang="ru">' in in_russian
    assert "<title>Политика конфиденциальности и условия, версия 4</title>" in in_russian
    assert "Версия 4, опубликована " in in_russian and "Retention &lt;b&gt;shorter&lt;/b&gt;" in in_russian
    assert "<strong>kept 2 years</strong>" in in_russian


async def test_no_policy_yet_is_a_404(db: Database) -> None:
    app = web.Application()
    PolicyPages(db).install_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/policy") as response:
            assert response.status == 404
            assert await response.text() == "No privacy policy has been published yet."
        german = {"Accept-Language": "de"}
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/policy", headers=german) as response,
        ):
            assert response.status == 404
            assert await response.text() == "Es wurde noch keine Datenschutzerklärung veröffentlicht."
    finally:
        await runner.cleanup()
