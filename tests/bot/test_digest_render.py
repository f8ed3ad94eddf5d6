"""The digest's Slack messages: golden output, hostile text made inert, Block Kit's limits kept.

Golden files live in tests/bot/golden/. Regenerate them only deliberately, after reading the
diff: `UPDATE_GOLDEN=1 pytest tests/bot/test_digest_render.py`.
"""

from __future__ import annotations

import json
import os
import re
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_double import BOT_TOKEN, SlackApiDouble
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from typer.testing import CliRunner

from advisor import DigestData, DigestItem, Flag, PilotStatus, RiskItem, Tier
from bot.jobs.digest_text import ITEMS_PER_MESSAGE, empty_line, render_text
from bot.slack.digest import RenderedDigest, render_digest
from bot.slack.posting import post_digest

GOLDEN = Path(__file__).parent / "golden"
START = datetime(2026, 11, 16, tzinfo=UTC)
END = START + timedelta(days=7)
HOSTILE = (
    'Ping <!channel> and <@U0BAD> <!subteam^S1|@team> "quoted" back\\slash\n'
    "second line\ttab & <https://evil.example|trusted> \u202eevil\x1b[31m"
)
LONG = HOSTILE + " " + "x" * 10_000
PERMALINK = "https://acme.slack.com/archives/C0123/p1763300000000100"


def _item(use_case_id: int, title: str, **fields: Any) -> DigestItem:
    values: dict[str, Any] = {
        "tier": Tier.MINIMUM_VIABLE_PROCESS,
        "annual_value_eur": 250_000.0,
        "annual_cost_eur": 40_000.0,
        "mlops_need": 55,
        "created_at": START + timedelta(days=1),
    }
    values.update(fields)
    return DigestItem(use_case_id=use_case_id, title=title, **values)


def _data() -> DigestData:
    plain = _item(1, "Invoice matching", channel_id="C0123", thread_id="1763300000.000100")
    hostile = _item(
        2,
        HOSTILE,
        tier=Tier.NO_BUSINESS_CASE,
        annual_value_eur=None,
        pilot_status=PilotStatus.LIVE,
        channel_id="C0123",
        thread_id="1763300000.000200",
    )
    long = _item(3, LONG, tier=None, mlops_need=None, annual_cost_eur=None)
    return DigestData(
        period_start=START,
        period_end=END,
        workspace_id="T0123",
        portfolio_size=1234,
        counts_by_tier={
            Tier.NO_BUSINESS_CASE: 400,
            Tier.FIX_FOUNDATIONS_FIRST: 300,
            Tier.LIGHTWEIGHT: 200,
            Tier.MINIMUM_VIABLE_PROCESS: 150,
            Tier.FULL_MLOPS: 84,
        },
        total_value_eur=98_765_432.0,
        total_cost_eur=12_345_678.0,
        new_count=3,
        new_items=(plain, hostile, long),
        top_opportunities=(plain,),
        risk_count=1,
        risk_watch=(
            RiskItem(item=hostile, flag=Flag.FOMO, field="problem", evidence=HOSTILE),
            RiskItem(item=hostile, flag=Flag.VENDOR_PUSH, field="notes <!here>", evidence=LONG),
        ),
        purgatory_count=25,
        purgatory=(hostile,),
        decisions_waiting_count=1,
        decisions_waiting=(plain,),
    )


def _empty() -> DigestData:
    return DigestData(
        period_start=START,
        period_end=END,
        portfolio_size=10,
        counts_by_tier=dict.fromkeys(Tier, 2),
        total_value_eur=1.0,
        total_cost_eur=1.0,
    )


def _messages(rendered: RenderedDigest) -> list[dict[str, Any]]:
    return [
        {"text": rendered.root_text, "blocks": rendered.root_blocks},
        *({"text": text, "blocks": blocks} for text, blocks in rendered.thread),
    ]


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; create it with UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TOKEN = re.compile(r"<[^>]*>")


def assert_inert(messages: list[dict[str, Any]]) -> None:
    for string in _strings(messages):
        assert not UNSAFE.search(string), string[:80]
        # The only Slack tokens are the permalinks we were given.
        for token in TOKEN.findall(string):
            assert token.startswith(f"<{PERMALINK}|"), token[:80]
        assert "<!" not in string
        assert "<@" not in string


def assert_fits(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= 50
    for data in blocks:
        block = Block.parse(data)
        assert block is not None
        block.validate_json()  # slack_sdk's own limits
        assert block.to_dict() == data
        if data["type"] == "header":
            assert 0 < len(data["text"]["text"]) <= 150
        for field in data.get("fields", []):
            assert 0 < len(field["text"]) <= 2000
        if "text" in data:
            assert 0 < len(data["text"]["text"]) <= 3000
        for element in data.get("elements", []):
            assert 0 < len(element["text"]) <= 3000
        for text in _strings(data):
            assert "\n" not in text or data["type"] != "header"


def test_golden_blocks() -> None:
    rendered = render_digest(_data(), links={1: PERMALINK, 2: "https://evil.example/x"})
    _golden(
        "digest_blocks.json", json.dumps(_messages(rendered), indent=2, ensure_ascii=False) + "\n"
    )


def test_golden_text() -> None:
    _golden("digest_preview.txt", render_text(_data()) + "\n")


def test_hostile_text_is_inert_and_valid_json() -> None:
    rendered = render_digest(
        _data(), links={1: PERMALINK, 2: "javascript:alert(1)", 3: "<!channel>"}
    )
    messages = _messages(rendered)
    assert_inert(messages)
    text = json.dumps(messages)
    assert "&lt;!channel&gt;" in text
    assert "&lt;@U0BAD&gt;" in text
    assert '\\"quoted\\" back\\\\slash' in text  # quotes and backslashes survive as text
    assert f"<{PERMALINK}|Invoice matching>" in text
    assert "evil.example/x" not in text.replace("evil.example|trusted", "")
    for message in messages:
        assert_fits(message["blocks"])
        assert 0 < len(message["text"]) <= 3000


def test_summary_and_thread_structure() -> None:
    rendered = render_digest(_data())
    assert rendered.root_blocks[0]["text"]["text"] == "MLOps digest · 16 Nov – 22 Nov 2026"
    summary = rendered.root_blocks[1]["text"]["text"]
    assert "*3 new use cases* this week" in summary
    assert "EUR 98,765,432" in summary
    assert "EUR 12,345,678" in summary
    assert [text for text, _ in rendered.thread] == [
        "New use cases",
        "Top opportunities by stated value",
        "Risk watch: FOMO, vendor push, technology first",
        "Pilots in purgatory",
        "Decisions waiting",
    ]
    purgatory = rendered.thread[3][1]
    assert purgatory[-1]["elements"][0]["text"] == "…and 24 more: see `mlops-advisor list`."
    assert "Risk watch: 1" in rendered.root_text


@pytest.mark.parametrize(
    ("days", "line"),
    [
        (1, "No new MLOps proposals today."),
        (7, "No new MLOps proposals this week."),
        (30, "No new MLOps proposals this month."),
        (14, "No new MLOps proposals in the last 14 days."),
    ],
)
def test_an_empty_period_is_one_line(days: int, line: str) -> None:
    data = _empty().model_copy(update={"period_end": START + timedelta(days=days)})
    rendered = render_digest(data)
    assert empty_line(data) == line
    assert rendered.root_text == line
    assert rendered.root_blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "verbatim": True, "text": line}}
    ]
    assert rendered.thread == []
    assert render_text(data) == line


def test_long_lists_split_over_messages_within_limits() -> None:
    items = tuple(_item(n, f"{LONG} {n}") for n in range(1, 201))
    data = _data().model_copy(
        update={
            "new_items": items,
            "new_count": 100_000,
            "purgatory": items,
            "top_opportunities": items,
            "risk_watch": tuple(
                RiskItem(item=item, flag=Flag.TECHNO_PUSH, field="problem", evidence=LONG)
                for item in items
            ),
        }
    )
    rendered = render_digest(data, links=dict.fromkeys(range(1, 201), PERMALINK))
    new = [blocks for text, blocks in rendered.thread if text.startswith("New use cases")]
    assert len(new) == -(-200 // ITEMS_PER_MESSAGE)
    assert [text for text, _ in rendered.thread][1] == "New use cases, continued (2/5)"
    assert new[-1][-1]["elements"][0]["text"] == "…and 99,800 more: see `mlops-advisor list`."
    shown = sum(len(blocks) - 1 for blocks in new) - 1
    assert shown == 200
    for _, blocks in rendered.thread:
        assert_fits(blocks)
    assert_inert(_messages(rendered))


@pytest.fixture
def client(slack_api: SlackApiDouble) -> WebClient:
    """A real Web API client on the Slack double; the second item's permalink lookup fails."""
    slack_api.reply_next("chat.getPermalink", {"ok": True, "permalink": PERMALINK})
    slack_api.fail_next("chat.getPermalink", "message_not_found")
    return WebClient(token=BOT_TOKEN, base_url=slack_api.url)


def test_post_digest_posts_root_thread_and_chart(
    client: WebClient, slack_api: SlackApiDouble
) -> None:
    ts = post_digest(client, _data(), channel="C0DIGEST")
    posts = slack_api.calls("chat.postMessage")
    root, thread = posts[0].args, [call.args for call in posts[1:]]
    assert root["channel"] == "C0DIGEST" and "thread_ts" not in root
    assert ts == posts[0].response["ts"]
    assert thread and all(message["thread_ts"] == ts for message in thread)
    assert all(message["unfurl_links"] in (False, "false", "0") for message in thread)
    # The first use case's link is in; the failed lookup left the second unlinked.
    assert f"<{PERMALINK}|Invoice matching>" in json.dumps([m["blocks"] for m in thread])
    [upload_url] = slack_api.calls("files.getUploadURLExternal")
    assert upload_url.args["filename"] == "portfolio.png"
    [uploaded] = [call for call in slack_api.calls() if call.method.startswith("upload.")]
    png = uploaded.args["_raw"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 100 and height > 100
    [complete] = slack_api.calls("files.completeUploadExternal")
    assert complete.args["channel_id"] == "C0DIGEST"
    assert complete.args["thread_ts"] == ts


def test_post_digest_of_an_empty_period_is_one_message(
    client: WebClient, slack_api: SlackApiDouble
) -> None:
    post_digest(client, _empty(), channel="C0DIGEST")
    assert [call.method for call in slack_api.calls()] == ["chat.postMessage"]
    assert slack_api.calls()[0].args["text"] == "No new MLOps proposals this week."


def test_post_digest_without_chart(client: WebClient, slack_api: SlackApiDouble) -> None:
    post_digest(client, _data(), channel="C0DIGEST", chart=False)
    assert not slack_api.calls("files.getUploadURLExternal")


def test_a_failed_chart_upload_does_not_fail_the_posted_digest(
    client: WebClient, slack_api: SlackApiDouble
) -> None:
    # The root is out: raising now would leave the period unposted and post it twice later.
    slack_api.fail_next("files.getUploadURLExternal", "not_allowed_token_type")
    ts = post_digest(client, _data(), channel="C0DIGEST")
    assert ts == slack_api.calls("chat.postMessage")[0].response["ts"]


def test_preview_command(tmp_path: Path) -> None:
    from bot.cli.main import app
    from bot.cli.support import EXIT_OK

    url = f"sqlite:///{tmp_path / 'digest.db'}"
    runner = CliRunner()
    result = runner.invoke(app, ["digest", "preview", "--format", "json", "--database-url", url])
    assert result.exit_code == EXIT_OK, result.output
    data = DigestData.model_validate_json(result.stdout)
    assert data.portfolio_size == 0
    assert data.period_end - data.period_start == timedelta(days=7)
    result = runner.invoke(app, ["digest", "preview", "--days", "1", "--database-url", url])
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == "No new MLOps proposals today.\n"
