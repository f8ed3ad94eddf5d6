"""The digest in words, for every platform: the templates' environment and context, and plain text.

The digest is rendered from Jinja2 templates (`bot/templates/`): Slack's Block Kit messages
(`bot.slack.digest`), Teams' Adaptive Cards (`bot.teams.digest`) and the plain text of a
terminal (`render_text`, for `digest preview`) all start from the environment and context made
here. Autoescaping is off (it would HTML-escape JSON); instead every person-typed string goes
through a `typed` filter that neutralises it for the medium, puts it on one line and clips it,
and every string reaches JSON through one `json` filter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined

from advisor import ChartPoint, DigestData, DigestItem, RiskItem, Tier
from bot.neutralise import clip, for_terminal, typed_line

__all__ = [
    "CHART_ALT",
    "ITEMS_PER_MESSAGE",
    "TIER_SHORT",
    "chart_title",
    "digest_context",
    "digest_environment",
    "digest_sections",
    "empty_line",
    "listed_points",
    "render_text",
]

# A thread message's (or reply card's) items: Slack's 50 blocks a message less the heading, the
# "…and N more" line and room to spare. Teams splits its cards at the same count, so both list
# the same entries together.
ITEMS_PER_MESSAGE: Final = 45
CHART_ALT: Final = "Use cases by stated yearly value against MLOps need; bubble size is cost."
TIER_SHORT: Final = {
    Tier.NO_BUSINESS_CASE: "No business case",
    Tier.FIX_FOUNDATIONS_FIRST: "Fix foundations first",
    Tier.LIGHTWEIGHT: "Lightweight",
    Tier.MINIMUM_VIABLE_PROCESS: "Minimum viable process",
    Tier.FULL_MLOPS: "Full MLOps",
}
_UNTITLED: Final = "(untitled)"

Section = tuple[str, str, Sequence[DigestItem | RiskItem], int]
"""A list of the digest: its heading, its kind, its entries and how many there were in all."""


def empty_line(data: DigestData) -> str:
    """The one line an empty period gets, phrased by its length."""
    return f"No new MLOps proposals {_phrase(data)}."


def chart_title(data: DigestData) -> str:
    """The portfolio chart's title for a digest."""
    return f"ML portfolio · {_period(data)}"


def render_text(data: DigestData) -> str:
    """The whole digest as plain text for a terminal (`digest preview`)."""
    environment = digest_environment(_terminal_typed)
    return environment.get_template("digest.txt.j2").render(**digest_context(data), detail=True)


def digest_environment(
    typed: Callable[[str, int], str],
    *,
    filters: Mapping[str, Callable[..., Any]] | None = None,
    constants: Mapping[str, Any] | None = None,
) -> Environment:
    """The templates' environment, person-typed text neutralised by `typed(text, limit)`;
    `filters` and `constants` add a platform's own (Slack's links and Block Kit limits)."""
    environment = Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=False,  # JSON, not HTML: strings are encoded by the `json` filter
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )
    environment.globals.update(constants or {})
    environment.filters.update(
        json=lambda text: json.dumps(str(text), ensure_ascii=False),
        typed=lambda text, limit: typed(str(text), limit) or _UNTITLED,
        quoted=lambda text, limit: typed(str(text), limit),
        fit=lambda text, limit: clip(str(text), limit),
        plain=lambda text, limit: clip(" ".join(str(text).split()), limit) or "-",
        eur=_eur,
        count_of=_count_of,
        num=lambda number: f"{number:,}",
        day=lambda moment: _day(moment, year=True),
        **(filters or {}),
    )
    return environment


def digest_context(data: DigestData) -> dict[str, Any]:
    """What every digest template is rendered with."""
    counts = data.counts_by_tier
    return {
        "data": data,
        "period": _period(data),
        "phrase": _phrase(data),
        "empty_line": empty_line(data),
        "tier_fields": [f"*{TIER_SHORT[tier]}*\n{counts.get(tier, 0):,}" for tier in Tier],
        "tier_line": " · ".join(f"{TIER_SHORT[tier]}: {counts.get(tier, 0):,}" for tier in Tier),
        "sections": digest_sections(data),
    }


def digest_sections(data: DigestData) -> list[Section]:
    """The digest's lists, in the order they are shown."""
    return [
        ("New use cases", "new", data.new_items, data.new_count),
        ("Top opportunities by stated value", "top", data.top_opportunities, 0),
        ("Risk watch: FOMO, vendor push, technology first", "risk", data.risk_watch, 0),
        ("Pilots in purgatory", "purgatory", data.purgatory, data.purgatory_count),
        ("Decisions waiting", "decision", data.decisions_waiting, data.decisions_waiting_count),
    ]


def listed_points(items: Sequence[DigestItem]) -> list[ChartPoint]:
    """Chart points for the listed use cases that have a verdict (when the portfolio's own
    points were not read)."""
    return [
        ChartPoint(
            use_case_id=item.use_case_id,
            title=item.title,
            tier=item.tier,
            annual_value_eur=item.annual_value_eur or 0.0,
            annual_cost_eur=item.annual_cost_eur or 0.0,
            mlops_need=item.mlops_need,
        )
        for item in items
        if item.tier is not None and item.mlops_need is not None
    ]


def _terminal_typed(text: str, limit: int) -> str:
    return typed_line(text, limit, for_terminal)


def _period(data: DigestData) -> str:
    # The period ends before `period_end`: a week from Monday 00:00 to Monday 00:00 ends Sunday.
    first = data.period_start
    last = max(data.period_end - timedelta(microseconds=1), first)
    if first.date() == last.date():
        return _day(first, year=True)
    return f"{_day(first, year=first.year != last.year)} – {_day(last, year=True)}"


def _phrase(data: DigestData) -> str:
    days = round(data.days)
    if days <= 1:
        return "today"
    if days == 7:
        return "this week"
    if 28 <= days <= 31:
        return "this month"
    return f"in the last {days} days"


def _day(moment: datetime, *, year: bool) -> str:
    text = f"{moment.day} {moment:%b}"
    return f"{text} {moment.year}" if year else text


def _eur(value: float | None) -> str:
    return "-" if value is None else f"EUR {value:,.0f}"


def _count_of(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
