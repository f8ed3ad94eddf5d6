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
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web import SlackResponse
from typer.testing import CliRunner

from advisor import DigestData, DigestItem, Flag, PilotStatus, RiskItem, Tier
from bot.digest_render import (
    ITEMS_PER_MESSAGE,
    RenderedDigest,
    empty_line,
    post_digest,
    render_digest,
    render_text,
)

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


class FakeClient:
    """Records the Web API calls post_digest makes; one permalink lookup fails."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.posted = 0

    def _response(self, data: dict[str, Any]) -> SlackResponse:
        return SlackResponse(
            client=None,
            http_verb="POST",
            api_url="https://slack.com/api/x",
            req_args={},
            data=data,
            headers={},
            status_code=200,
        )

    def chat_getPermalink(self, **kwargs: Any) -> SlackResponse:
        self.calls.append(("chat.getPermalink", kwargs))
        if kwargs["message_ts"].endswith("200"):
            raise SlackApiError("no", self._response({"ok": False, "error": "message_not_found"}))
        return self._response({"ok": True, "permalink": PERMALINK})

    def chat_postMessage(self, **kwargs: Any) -> SlackResponse:
        self.calls.append(("chat.postMessage", kwargs))
        self.posted += 1
        return self._response({"ok": True, "ts": f"1763300000.00{self.posted:04d}"})

    def files_upload_v2(self, **kwargs: Any) -> SlackResponse:
        self.calls.append(("files.upload_v2", kwargs))
        return self._response({"ok": True})


def test_post_digest_posts_root_thread_and_chart() -> None:
    client = FakeClient()
    ts = post_digest(client, _data(), channel="C0DIGEST")  # type: ignore[arg-type]
    assert ts == "1763300000.000001"
    methods = [method for method, _ in client.calls]
    assert methods == [
        "chat.getPermalink",
        "chat.getPermalink",
        *["chat.postMessage"] * 6,
        "files.upload_v2",
    ]
    root = client.calls[2][1]
    assert root["channel"] == "C0DIGEST"
    assert "thread_ts" not in root
    for _, kwargs in client.calls[3:8]:
        assert kwargs["thread_ts"] == ts
        assert kwargs["unfurl_links"] is False
    # The first use case's link is in; the failed lookup left the second unlinked.
    thread = json.dumps([kwargs["blocks"] for _, kwargs in client.calls[3:8]])
    assert f"<{PERMALINK}|Invoice matching>" in thread
    upload = client.calls[-1][1]
    assert upload["channel"] == "C0DIGEST"
    assert upload["thread_ts"] == ts
    assert upload["filename"] == "portfolio.png"
    assert upload["content"][:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", upload["content"][16:24])
    assert width > 100
    assert height > 100


def test_post_digest_of_an_empty_period_is_one_message() -> None:
    client = FakeClient()
    post_digest(client, _empty(), channel="C0DIGEST")  # type: ignore[arg-type]
    assert [method for method, _ in client.calls] == ["chat.postMessage"]
    assert client.calls[0][1]["text"] == "No new MLOps proposals this week."


def test_post_digest_without_chart() -> None:
    client = FakeClient()
    post_digest(client, _data(), channel="C0DIGEST", chart=False)  # type: ignore[arg-type]
    assert "files.upload_v2" not in [method for method, _ in client.calls]


def test_preview_command(tmp_path: Path) -> None:
    from bot.cli import app
    from bot.command_support import EXIT_OK

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
