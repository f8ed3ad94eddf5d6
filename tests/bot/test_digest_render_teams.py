"""The digest's Teams cards: the Slack digest's content, hostile text made inert, sizes kept.

Golden files live in tests/bot/golden/, as for Slack. Regenerate them only deliberately, after
reading the diff: `UPDATE_GOLDEN=1 pytest tests/bot/test_digest_render_teams.py`.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from test_digest_render import LONG, START, _data, _empty, _golden, _item, _strings

from advisor import ChartPoint, DigestData, Flag, RiskItem, Tier
from advisor.proposal import MAX_TEXT_LENGTH
from bot.jobs.chart import portfolio_chart
from bot.jobs.digest_text import ITEMS_PER_MESSAGE
from bot.slack.digest import render_digest
from bot.teams.digest import TEAMS_CARD_BYTES, TeamsDigest, chart_card, render_teams_digest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Teams refuses a message over 40 KB counted in UTF-16; this is the brief's measure of a card.
TEAMS_MESSAGE_BYTES = 40_000
HOSTILE_TEXTS = (
    "<at>Alice</at> please look",
    "[click](https://evil.example) here",
    "<!channel> now",
    "<https://evil.example|trusted> site",
    "[x][1]\n[1]: https://evil.example",
    "<b>bold</b> <img src=x onerror=alert(1)>",
    "bell\x07 escape\x1b[31m red\x9b zero\x00",
    "\u202eevil\u202c \u2066isolated\u2069 \u200fmarks\u200e",
)
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What the person typed, as they would read it back: controls and bidi marks go, lines join.
TYPED_WORDS = (
    "<at>Alice</at> please look",
    "[click](https://evil.example) here",
    "<!channel> now",
    "<https://evil.example|trusted> site",
    "[x][1] [1]: https://evil.example",
    "<b>bold</b> <img src=x onerror=alert(1)>",
    "bell escape[31m red zero",
    "evil isolated marks",
)


def _cards(digest: TeamsDigest) -> list[dict[str, Any]]:
    return [digest.root_card, *digest.replies]


def _card_bytes(card: dict[str, Any]) -> int:
    return len(json.dumps(card).encode("utf-16-le"))


def _body_texts(card: dict[str, Any]) -> list[str]:
    """The TextBlocks' texts of a card, containers opened, in order."""
    texts: list[str] = []
    for element in card["body"]:
        items = element["items"] if element["type"] == "Container" else [element]
        texts.extend(item["text"] for item in items if item["type"] == "TextBlock")
    return texts


def _entries(card: dict[str, Any]) -> list[list[str]]:
    return [
        [item["text"] for item in element["items"]]
        for element in card["body"]
        if element["type"] == "Container"
    ]


def assert_card(card: dict[str, Any]) -> None:
    assert json.loads(json.dumps(card, ensure_ascii=False)) == card
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert isinstance(card["body"], list) and card["body"]
    for element in card["body"]:
        for item in element.get("items", [element]):
            if item["type"] == "TextBlock":
                assert item["wrap"] is True
                assert item["text"] and "\n" not in item["text"]


def assert_inert(digest: TeamsDigest) -> None:
    for string in [digest.summary, *_strings(_cards(digest))]:
        assert not BIDI.search(string), string[:80]
        assert not CONTROL.search(string), string[:80]
        for construct in ("<at>", "](", "][", "]:", "<http", "<!", "<b>", "<img"):
            assert construct not in string, (construct, string[:80])


def _hostile_data() -> DigestData:
    items = tuple(
        _item(number, text, pilot_status="stalled")
        for number, text in enumerate(HOSTILE_TEXTS, start=1)
    )
    risks = tuple(
        RiskItem(item=item, flag=Flag.FOMO, field=text, evidence=text)
        for item, text in zip(items, HOSTILE_TEXTS, strict=True)
    )
    return _data().model_copy(
        update={
            "new_items": items,
            "new_count": len(items),
            "top_opportunities": items,
            "risk_watch": risks,
            "risk_count": len(risks),
            "purgatory": items,
            "purgatory_count": len(items),
            "decisions_waiting": items,
            "decisions_waiting_count": len(items),
        }
    )


def _largest(text: str, count: int = 200) -> DigestData:
    """Every list at `count` entries, every title as long as a proposal's can be, `text` over."""
    title = (text * MAX_TEXT_LENGTH)[:MAX_TEXT_LENGTH]
    items = tuple(_item(number, title) for number in range(1, count + 1))
    return _data().model_copy(
        update={
            "new_items": items,
            "new_count": 100_000,
            "top_opportunities": items,
            "risk_watch": tuple(
                RiskItem(item=item, flag=Flag.VENDOR_PUSH, field=title, evidence=title)
                for item in items
            ),
            "risk_count": 100_000,
            "purgatory": items,
            "purgatory_count": 100_000,
            "decisions_waiting": items,
            "decisions_waiting_count": 100_000,
        }
    )


def test_golden_cards() -> None:
    digest = render_teams_digest(_data())
    document = {"summary": digest.summary, "root_card": digest.root_card, "replies": digest.replies}
    _golden("digest_teams_cards.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def test_summary_card() -> None:
    digest = render_teams_digest(_data())
    assert digest.summary == (
        "MLOps digest · 16 Nov – 22 Nov 2026: 3 new use cases this week · 1,234 use cases in the "
        "portfolio. Stated yearly value EUR 98,765,432 against yearly cost EUR 12,345,678. "
        "Verdicts: No business case: 400 · Fix foundations first: 300 · Lightweight: 200 · "
        "Minimum viable process: 150 · Full MLOps: 84. Risk watch: 1 · pilots in purgatory: 25 "
        "· decisions waiting: 1."
    )
    heading, *body = digest.root_card["body"]
    assert heading == {
        "type": "TextBlock",
        "text": "MLOps digest · 16 Nov – 22 Nov 2026",
        "size": "Large",
        "weight": "Bolder",
        "style": "heading",
        "wrap": True,
    }
    texts = _body_texts(digest.root_card)
    assert "**3 new use cases** this week" in texts[1]
    assert "**1,234 use cases** in the portfolio" in texts[1]
    assert "**EUR 98,765,432**" in texts[2] and "**EUR 12,345,678**" in texts[2]
    [facts] = [element for element in body if element["type"] == "FactSet"]
    assert facts["facts"] == [
        {"title": "No business case", "value": "400"},
        {"title": "Fix foundations first", "value": "300"},
        {"title": "Lightweight", "value": "200"},
        {"title": "Minimum viable process", "value": "150"},
        {"title": "Full MLOps", "value": "84"},
    ]
    assert any(
        "Risk watch: **1**" in text
        and "Pilots in purgatory: **25**" in text
        and "Decisions waiting: **1**" in text
        for text in texts
    )


def test_same_sections_and_facts_as_slack() -> None:
    data = _data()
    slack, teams = render_digest(data), render_teams_digest(data)
    assert [card["body"][0]["text"] for card in teams.replies] == [
        title for title, _ in slack.thread
    ]
    for (_, blocks), card in zip(slack.thread, teams.replies, strict=True):
        slack_entries = [
            block["text"]["text"] for block in blocks[1:] if block["type"] == "section"
        ]
        teams_entries = _entries(card)
        assert len(teams_entries) == len(slack_entries)
        for slack_text, (first, second) in zip(slack_entries, teams_entries, strict=True):
            number = re.search(r"\(#\d+\)", slack_text)
            assert number and number.group(0) in first
            if first.startswith("🚩"):
                flag = re.search(r":triangular_flag_on_post: (\w+)\*", slack_text)
                assert flag and f"**{flag.group(1)}**" in first
            else:
                # The details line is ours, character for character.
                assert second == slack_text.split("\n", 1)[1]
    purgatory = teams.replies[3]
    assert purgatory["body"][-1]["text"] == "…and 24 more: see **mlops-advisor list**."


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
    digest = render_teams_digest(data)
    assert digest.summary == line
    assert digest.root_card["body"] == [{"type": "TextBlock", "text": line, "wrap": True}]
    assert digest.replies == []
    assert_card(digest.root_card)


def test_hostile_text_is_inert_and_still_readable() -> None:
    digest = render_teams_digest(_hostile_data())
    assert_inert(digest)
    for card in _cards(digest):
        assert_card(card)
    visible = [
        string.replace("\u200b", "").replace("\u2060", "") for string in _strings(digest.replies)
    ]
    for words in TYPED_WORDS:
        # Each hostile text is a title (in four sections), a field and a piece of evidence.
        assert sum(words in string for string in visible) >= 6, words
    # The zero-width spaces and word joiners sit where they break a construct, and nowhere else.
    assert any("<\u200bat>Alice<\u200b/at>" in string for string in _strings(digest.replies))
    assert any("[click]\u200b(https:\u2060//" in string for string in _strings(digest.replies))


def test_the_fixtures_hostile_text_is_inert_too() -> None:
    digest = render_teams_digest(_data())
    assert_inert(digest)
    text = json.dumps(_cards(digest), ensure_ascii=False)
    assert '\\"quoted\\" back\\\\slash' in text  # quotes and backslashes survive as text
    assert "&lt;" not in text  # Slack's escaping is not Teams'


def test_long_lists_split_over_cards_in_order() -> None:
    items = tuple(_item(number, f"Use case {number}") for number in range(1, 201))
    data = _data().model_copy(update={"new_items": items, "new_count": 100_000})
    digest = render_teams_digest(data)
    new = [card for card in digest.replies if card["body"][0]["text"].startswith("New use cases")]
    chunks = -(-200 // ITEMS_PER_MESSAGE)
    assert [card["body"][0]["text"] for card in new] == [
        "New use cases",
        *(f"New use cases, continued ({n}/{chunks})" for n in range(2, chunks + 1)),
    ]
    shown = [entry[0] for card in new for entry in _entries(card)]
    assert shown == [f"**Use case {number}** (#{number})" for number in range(1, 201)]
    assert new[-1]["body"][-1]["text"] == "…and 99,800 more: see **mlops-advisor list**."
    # Only the last card says how many were left out.
    assert all(card["body"][-1]["type"] == "Container" for card in new[:-1])
    assert digest.replies[len(new)]["body"][0]["text"] == "Top opportunities by stated value"


def test_long_texts_split_by_size_in_order() -> None:
    digest = render_teams_digest(_largest("x"))
    risk = [card for card in digest.replies if card["body"][0]["text"].startswith("Risk watch")]
    assert len(risk) > -(-200 // ITEMS_PER_MESSAGE)  # the size, not the count, split them
    assert risk[1]["body"][0]["text"].endswith(f", continued (2/{len(risk)})")
    numbers = [
        int(match.group(1))
        for card in risk
        for first, _ in _entries(card)
        if (match := re.search(r"\(#(\d+)\)$", first))
    ]
    assert numbers == list(range(1, 201))
    new = [card for card in digest.replies if card["body"][0]["text"].startswith("New use cases")]
    assert new[-1]["body"][-1]["text"] == "…and 99,800 more: see **mlops-advisor list**."


@pytest.mark.parametrize(
    "text",
    ["x", '"', "<", "é", "😀", "<😀]"],
    ids=["ascii", "quote", "angle", "accented", "emoji", "mixed"],
)
def test_the_largest_digest_fits_teams(text: str) -> None:
    digest = render_teams_digest(_largest(text))
    sizes = [_card_bytes(card) for card in _cards(digest)]
    for card, size in zip(_cards(digest), sizes, strict=True):
        assert_card(card)
        assert size < TEAMS_MESSAGE_BYTES, size
        # Only an entry too big to share a card may take one alone over the budget.
        if size > TEAMS_CARD_BYTES:
            assert len(_entries(card)) == 1, size
    assert_inert(digest)


def test_chart_card_holds_the_png() -> None:
    points = [
        ChartPoint(
            use_case_id=number,
            title=f"Use case {number}",
            tier=tier,
            annual_value_eur=100_000.0 * number,
            annual_cost_eur=10_000.0 * number,
            mlops_need=15 * number,
        )
        for number, tier in enumerate(Tier, start=1)
    ]
    png = portfolio_chart(points, title="ML portfolio")
    card = chart_card(png, title="ML portfolio · 16 Nov – 22 Nov 2026 <at>Alice</at>\u202e")
    assert_card(card)
    heading, image = card["body"]
    assert heading["type"] == "TextBlock"
    assert (
        heading["text"].replace("\u200b", "")
        == "ML portfolio · 16 Nov – 22 Nov 2026 <at>Alice</at>"
    )
    assert "<at>" not in heading["text"]
    assert image["type"] == "Image"
    assert image["size"] == "stretch"
    assert image["altText"] == (
        "Use cases by stated yearly value against MLOps need; bubble size is cost."
    )
    prefix = "data:image/png;base64,"
    assert image["url"].startswith(prefix)
    decoded = base64.b64decode(image["url"].removeprefix(prefix), validate=True)
    assert decoded == png
    assert decoded[:8] == PNG_SIGNATURE


def test_chart_card_refuses_what_is_not_a_png() -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        chart_card(b"GIF89a", title="ML portfolio")


def test_cards_are_built_without_the_teams_sdk() -> None:
    # In a fresh interpreter: other tests in this process may have imported the SDK already.
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from advisor import DigestData\n"
        "from bot.teams.digest import render_teams_digest\n"
        "from datetime import UTC, datetime, timedelta\n"
        "start = datetime(2026, 11, 23, tzinfo=UTC)\n"
        "render_teams_digest(DigestData(period_start=start, period_end=start + timedelta(7),\n"
        "    portfolio_size=0, counts_by_tier={}, total_value_eur=0, total_cost_eur=0))\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'microsoft_teams'], 'SDK'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_titles_at_the_limit_keep_their_note() -> None:
    digest = render_teams_digest(_data())
    [_, _, long] = _entries(digest.replies[0])
    assert long[0].endswith("… (truncated)** (#3)")
    assert len(LONG) > 200
