"""``/coach guides`` over signed HTTP: the list with New marks, reading one (escaped mrkdwn), long
guides split within Slack's limits, an unknown guide, and the Markdown conversion itself."""

from __future__ import annotations

import json

from bot.slack.blocks import SECTION_TEXT_MAX
from bot.slack.guides import chunks, markdown_to_mrkdwn
from domain.models import Coach
from domain.services import guides
from tests.slack.conftest import SlackHarness

HOSTILE = """# Welcome <!channel> **new** coaches
Say hi to <@U123> and read [the docs](https://example.com/a?b=1&c=2) but not [this](javascript:alert(1)).
- **Bold**, *italic*, ~~gone~~ and `<b>code</b>`
> quoted <script>
```
<raw> **not bold**
```
"""


async def run(harness: SlackHarness, text: str) -> list[dict[str, object]]:
    before = len(harness.api.of("response_url"))
    assert (await harness.command(text)).status == 200
    answers = await harness.api.wait_for("response_url", before + 1)
    blocks = answers[-1]["blocks"]
    assert isinstance(blocks, list)
    return blocks


async def publish(harness: SlackHarness, text: str, name: str) -> None:
    async with harness.db.unit_of_work() as s:
        await guides.publish_guide(s, guides.parse_guide_file(text, file_name=name), actor="cli")


def test_markdown_becomes_safe_mrkdwn() -> None:
    out = markdown_to_mrkdwn(HOSTILE)
    assert out.splitlines()[0] == "*Welcome &lt;!channel&gt; new coaches*"
    assert "&lt;@U123&gt;" in out and "<@U123>" not in out and "<!channel>" not in out
    assert "<https://example.com/a?b=1&amp;c=2|the docs>" in out and "<javascript" not in out
    assert "• *Bold*, _italic_, ~gone~ and `&lt;b&gt;code&lt;/b&gt;`" in out
    assert ">quoted &lt;script&gt;" in out and "&lt;raw&gt; **not bold**" in out


def test_long_text_is_cut_within_the_section_limit() -> None:
    pieces = chunks("\n".join(["word " * 100] * 40) + "\n" + "x" * 7000)
    assert all(len(p) <= SECTION_TEXT_MAX for p in pieces) and len(pieces) > 3


async def test_list_read_and_new_marks(harness: SlackHarness, coach: Coach) -> None:
    assert "No guides have been published yet" in json.dumps(await run(harness, "guides"))
    await publish(harness, HOSTILE, "welcome.md")
    await publish(harness, "# Refunds\n\nAsk first.", "refunds.md")
    listing = json.dumps(await run(harness, "guides"), ensure_ascii=False)
    assert "Guides (2 new)" in listing and listing.count("🆕") == 2 and "`/coach guides welcome`" in listing

    shown = await run(harness, "guides welcome")
    assert shown[0]["type"] == "header" and shown[0]["text"] == {  # plain_text: mentions never fire there
        "type": "plain_text",
        "text": "Welcome <!channel> new coaches",
        "emoji": True,
    }
    text = json.dumps(shown[1:], ensure_ascii=False)
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text and "<@U123>" not in text
    listing = json.dumps(await run(harness, "guides"), ensure_ascii=False)
    assert "Guides (1 new)" in listing and listing.count("🆕") == 1

    assert "There is no guide “nope”" in json.dumps(await run(harness, "guides nope"), ensure_ascii=False)
    assert "/coach guides" in json.dumps(await run(harness, "help"))


async def test_a_long_guide_fits_slack(harness: SlackHarness, coach: Coach) -> None:
    await publish(
        harness, "# Big\n\n" + "\n\n".join(f"Paragraph {n} " + "lorem " * 400 for n in range(80)), "big.md"
    )
    shown = await run(harness, "guides big")
    assert len(shown) <= 50
    assert "longer than Slack shows" in json.dumps(shown)
    assert all(len(b["text"]["text"]) <= SECTION_TEXT_MAX for b in shown if b["type"] == "section")  # type: ignore[index]
