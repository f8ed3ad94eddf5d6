"""The leadership digest as Slack messages, or Teams cards: a summary, the details in its thread.

Rendered from Jinja2 templates (`bot/templates/`) into Block Kit JSON. Autoescaping is off (it
would HTML-escape JSON); instead every person-typed string goes through a filter that
neutralises it (`for_slack`: no pings, no links), puts it on one line and clips it, and every
string reaches the JSON through one `json` filter. Each message stays within Block Kit's limits
(50 blocks, 3,000 characters a section) for any portfolio: lists are capped by the query, and
a long list is split over several thread messages.

The Teams digest (`render_teams_digest`) is the same content as Adaptive Cards from the
`digest_teams_*` templates, neutralised by `for_teams` instead; it needs no Teams SDK. Teams
limits a message's size rather than its parts, so a long list is split by size as well.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined

from advisor import ChartPoint, DigestData, DigestItem, RiskItem, Tier
from bot.neutralise import clip, for_slack, for_teams, for_terminal, typed_line
from bot.slack.blocks import (
    FIELD_TEXT_MAX,
    HEADER_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    PERMALINK,
    SECTION_TEXT_MAX,
    TEXT_FALLBACK_MAX,
)

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session, sessionmaker

    from advisor import Period, Subscription

__all__ = [
    "ITEMS_PER_MESSAGE",
    "TEAMS_CARD_BYTES",
    "RenderedDigest",
    "TeamsDigest",
    "chart_card",
    "chart_title",
    "empty_line",
    "post_digest",
    "post_scheduled_digest",
    "render_digest",
    "render_teams_digest",
    "render_text",
    "scheduled_digest_data",
]

logger = logging.getLogger(__name__)

# A thread message: its heading, the items, and a line for those left out.
ITEMS_PER_MESSAGE: Final = MESSAGE_BLOCKS_MAX - 5
# Teams refuses a bot message over 40 KB (100 KB in newer tenants), counted as UTF-16 and
# base64 images aside. A section card is filled to at most this many bytes of its JSON as
# `_card_bytes` measures it, leaving room for the activity around it. Only an entry too big for
# a card of its own is alone over it: text of emoji only, which that measure counts at 24 bytes a
# character, to about 36,000 bytes at most (the tests check).
TEAMS_CARD_BYTES: Final = 30_000
_CHART_ALT: Final = "Use cases by stated yearly value against MLOps need; bubble size is cost."
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_UNTITLED: Final = "(untitled)"
_TIER_SHORT: Final = {
    Tier.NO_BUSINESS_CASE: "No business case",
    Tier.FIX_FOUNDATIONS_FIRST: "Fix foundations first",
    Tier.LIGHTWEIGHT: "Lightweight",
    Tier.MINIMUM_VIABLE_PROCESS: "Minimum viable process",
    Tier.FULL_MLOPS: "Full MLOps",
}


@dataclass(frozen=True)
class RenderedDigest:
    """The root message (notification text and blocks) and the thread's messages, in order."""

    root_text: str
    root_blocks: list[dict[str, Any]]
    thread: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)


@dataclass(frozen=True)
class TeamsDigest:
    """The digest for a Teams channel: the summary card, then the section cards and the chart
    card posted as replies in its thread."""

    summary: str
    """One line of plain text for the notification, like `RenderedDigest.root_text`."""
    root_card: dict[str, Any]
    """An Adaptive Card (1.5) as a JSON dict."""
    replies: list[dict[str, Any]] = field(default_factory=list)
    """The section cards, in order (the chart card is `chart_card`'s)."""


def empty_line(data: DigestData) -> str:
    """The one line an empty period gets, phrased by its length."""
    return f"No new MLOps proposals {_phrase(data)}."


def render_digest(data: DigestData, *, links: Mapping[int, str] | None = None) -> RenderedDigest:
    """The digest as Slack messages; `links` maps use case ids to their threads' permalinks.

    A link is used only if it is one of Slack's permalinks; anything else leaves the title
    unlinked. An empty period is one line and no thread.
    """
    environment = _environment(_slack_typed, links or {})
    context = _context(data)
    root_blocks = _blocks(environment, "digest_root.json.j2", context)
    root_text = clip(
        environment.get_template("digest.txt.j2").render(**context, detail=False),
        TEXT_FALLBACK_MAX,
    )
    if data.is_empty:
        return RenderedDigest(root_text=root_text, root_blocks=root_blocks)
    thread: list[tuple[str, list[dict[str, Any]]]] = []
    for heading, kind, entries, total in _sections(data):
        if not entries:
            continue
        chunks = [
            entries[start : start + ITEMS_PER_MESSAGE]
            for start in range(0, len(entries), ITEMS_PER_MESSAGE)
        ]
        for number, chunk in enumerate(chunks, start=1):
            title = heading if number == 1 else f"{heading}, continued ({number}/{len(chunks)})"
            last = number == len(chunks)
            blocks = _blocks(
                environment,
                "digest_section.json.j2",
                {
                    "heading": title,
                    "kind": kind,
                    "entries": chunk,
                    "more": total - len(entries) if last and total > len(entries) else 0,
                },
            )
            thread.append((title, blocks))
    return RenderedDigest(root_text=root_text, root_blocks=root_blocks, thread=thread)


def render_teams_digest(data: DigestData) -> TeamsDigest:
    """The digest as Teams Adaptive Cards: the Slack digest's content, without links.

    A long section is split over several cards, each with at most `ITEMS_PER_MESSAGE` entries
    and `TEAMS_CARD_BYTES` of JSON. An empty period is one line and no reply.
    """
    environment = _environment(_teams_typed, {})
    counts = data.counts_by_tier
    context = {
        **_context(data),
        "tier_facts": [(_TIER_SHORT[tier], f"{counts.get(tier, 0):,}") for tier in Tier],
    }
    root_card = _card(environment, "digest_teams_root.json.j2", context)
    # A notification shows one line: the plain-text summary's heading, then its lines joined.
    text = environment.get_template("digest.txt.j2").render(**context, detail=False)
    first, _, rest = text.partition("\n")
    line = f"{first}: {' '.join(rest.split())}" if rest else first
    summary = clip(for_teams(line), TEXT_FALLBACK_MAX)
    if data.is_empty:
        return TeamsDigest(summary=summary, root_card=root_card)
    replies: list[dict[str, Any]] = []
    for heading, kind, entries, total in _sections(data):
        if entries:
            replies.extend(_section_cards(environment, heading, kind, entries, total))
    return TeamsDigest(summary=summary, root_card=root_card, replies=replies)


def chart_card(png: bytes, *, title: str) -> dict[str, Any]:
    """An Adaptive Card showing the portfolio chart inline (a base64 data-URI Image; Teams
    accepts these and does not count them in its message size limit), under a heading.

    Teams shows images up to 1024×1024 pixels and 1 MB: `portfolio_chart` at its default
    resolution stays within both.
    """
    if not png.startswith(_PNG_SIGNATURE):
        raise ValueError("the chart is not a PNG")
    url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    environment = _environment(_teams_typed, {})
    return _card(
        environment, "digest_teams_chart.json.j2", {"title": title, "url": url, "alt": _CHART_ALT}
    )


def render_text(data: DigestData) -> str:
    """The whole digest as plain text for a terminal (`digest preview`)."""
    environment = _environment(_terminal_typed, {})
    return environment.get_template("digest.txt.j2").render(**_context(data), detail=True)


def post_digest(
    client: WebClient,
    data: DigestData,
    *,
    channel: str,
    chart: bool = True,
    points: Sequence[ChartPoint] | None = None,
) -> str:
    """Post the digest to `channel`: the summary, its details in the thread, then the chart.

    Permalinks of the listed use cases' threads come from `chat.getPermalink`; a lookup that
    fails leaves that title unlinked. The chart plots `points` (from
    `storage.digest_queries.chart_points`), or, without them, the use cases the digest lists;
    an empty period gets neither thread nor chart. Returns the root message's `ts`.
    """
    from slack_sdk.errors import SlackApiError  # noqa: PLC0415

    links: dict[int, str] = {}
    for item in data.listed_items():
        if not (item.channel_id and item.thread_id):
            continue
        try:
            response = client.chat_getPermalink(channel=item.channel_id, message_ts=item.thread_id)
        except SlackApiError as error:
            logger.info(
                "no permalink for use case %s: %s", item.use_case_id, error.response.get("error")
            )
            continue
        permalink = response.get("permalink")
        if isinstance(permalink, str):
            links[item.use_case_id] = permalink
    rendered = render_digest(data, links=links)
    root = client.chat_postMessage(
        channel=channel,
        text=rendered.root_text,
        blocks=rendered.root_blocks,
        unfurl_links=False,
        unfurl_media=False,
    )
    ts = str(root["ts"])
    # Once the root is posted the digest exists: a failure in its details or chart is logged,
    # never raised, as raising would leave the period unposted and a retry would post it twice.
    # (429s are not failures: the client's retry handler waits them out.)
    try:
        for text, blocks in rendered.thread:
            client.chat_postMessage(
                channel=channel,
                thread_ts=ts,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        if chart and not data.is_empty:
            from bot.jobs.chart import portfolio_chart  # noqa: PLC0415  (matplotlib is heavy)

            shown = list(points) if points is not None else _points(data.listed_items())
            title = chart_title(data)
            client.files_upload_v2(
                channel=channel,
                thread_ts=ts,
                content=portfolio_chart(shown, title=title),
                filename="portfolio.png",
                title=title,
                alt_txt=_CHART_ALT,
            )
    except Exception:
        logger.exception("the digest %s in %s was posted without all of its details", ts, channel)
    return ts


def post_scheduled_digest(
    client: WebClient,
    sessions: sessionmaker[Session],
    subscription: Subscription,
    period: Period,
) -> str:
    """Post a subscription's digest for one period (the `Poster` that `digest run-due` uses).

    Reads the digest's data and the chart's points from the database, then `post_digest`.
    """
    data, points = scheduled_digest_data(sessions, subscription, period)
    return post_digest(client, data, channel=subscription.channel_id, points=points)


def scheduled_digest_data(
    sessions: sessionmaker[Session], subscription: Subscription, period: Period
) -> tuple[DigestData, list[ChartPoint]]:
    """A subscription's digest for one period, and the chart's points (none when it is empty)."""
    from storage.digest_queries import chart_points, digest_data  # noqa: PLC0415

    with sessions() as session:
        data = digest_data(
            session,
            period_start=period.start,
            period_end=period.end,
            workspace_id=subscription.workspace_id,
        )
        points = (
            [] if data.is_empty else chart_points(session, workspace_id=subscription.workspace_id)
        )
    return data, points


def chart_title(data: DigestData) -> str:
    """The portfolio chart's title for a digest."""
    return f"ML portfolio · {_period(data)}"


# The templates ---------------------------------------------------------------------------


def _environment(typed: Callable[[str, int], str], links: Mapping[int, str]) -> Environment:
    environment = Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=False,  # JSON, not HTML: strings are encoded by the `json` filter
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )

    def linked(item: DigestItem, limit: int) -> str:
        title = typed(item.title, limit)
        link = links.get(item.use_case_id)
        if link and PERMALINK.fullmatch(link):
            # A link Slack gave us; the label is the neutralised title (`|`, `>` are harmless).
            return f"<{link}|{title}>"
        return title

    environment.globals.update(
        HEADER_TEXT_MAX=HEADER_TEXT_MAX,
        SECTION_TEXT_MAX=SECTION_TEXT_MAX,
        FIELD_TEXT_MAX=FIELD_TEXT_MAX,
    )
    environment.filters.update(
        json=lambda text: json.dumps(str(text), ensure_ascii=False),
        typed=lambda text, limit: typed(str(text), limit) or _UNTITLED,
        quoted=lambda text, limit: typed(str(text), limit),
        linked=linked,
        fit=lambda text, limit: clip(str(text), limit),
        plain=lambda text, limit: clip(" ".join(str(text).split()), limit) or "-",
        eur=_eur,
        count_of=_count_of,
        num=lambda number: f"{number:,}",
        day=lambda moment: _day(moment, year=True),
    )
    return environment


def _slack_typed(text: str, limit: int) -> str:
    return typed_line(text, limit, for_slack)


def _terminal_typed(text: str, limit: int) -> str:
    return typed_line(text, limit, for_terminal)


def _teams_typed(text: str, limit: int) -> str:
    return typed_line(text, limit, for_teams)


def _blocks(
    environment: Environment, name: str, context: Mapping[str, Any]
) -> list[dict[str, Any]]:
    blocks = json.loads(environment.get_template(name).render(**context))
    if not isinstance(blocks, list) or len(blocks) > MESSAGE_BLOCKS_MAX:
        raise ValueError(f"{name} rendered {type(blocks).__name__} of the wrong size")
    return blocks


def _card(environment: Environment, name: str, context: Mapping[str, Any]) -> dict[str, Any]:
    card = json.loads(environment.get_template(name).render(**context))
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        raise ValueError(f"{name} rendered {type(card).__name__}, not an Adaptive Card")
    return card


def _card_bytes(card: Mapping[str, Any]) -> int:
    # Teams counts UTF-16; escaping non-ASCII (json's default) makes the count an upper bound
    # whichever way the client serialises the activity.
    return len(json.dumps(card).encode("utf-16-le"))


def _section_cards(
    environment: Environment,
    heading: str,
    kind: str,
    entries: Sequence[DigestItem | RiskItem],
    total: int,
) -> list[dict[str, Any]]:
    def render(title: str, chunk: Sequence[DigestItem | RiskItem], more: int) -> dict[str, Any]:
        return _card(
            environment,
            "digest_teams_section.json.j2",
            {"title": title, "kind": kind, "entries": chunk, "more": more},
        )

    # An entry adds its element and a separator to a card's JSON, whatever else is in it; the
    # heading and the "…and N more" line are reserved at their longest.
    bare = _card_bytes(render(heading, [], 0))
    sizes = [_card_bytes(render(heading, [entry], 0)) - bare for entry in entries]
    longest = f"{heading}, continued ({len(entries)}/{len(entries)})"
    budget = TEAMS_CARD_BYTES - _card_bytes(render(longest, [], max(total, 1)))
    chunks: list[list[DigestItem | RiskItem]] = [[]]
    used = 0
    for entry, size in zip(entries, sizes, strict=True):
        if chunks[-1] and (used + size > budget or len(chunks[-1]) == ITEMS_PER_MESSAGE):
            chunks.append([])
            used = 0
        chunks[-1].append(entry)
        used += size
    cards = []
    for number, chunk in enumerate(chunks, start=1):
        title = heading if number == 1 else f"{heading}, continued ({number}/{len(chunks)})"
        last = number == len(chunks)
        more = total - len(entries) if last and total > len(entries) else 0
        cards.append(render(title, chunk, more))
    return cards


def _context(data: DigestData) -> dict[str, Any]:
    counts = data.counts_by_tier
    return {
        "data": data,
        "period": _period(data),
        "phrase": _phrase(data),
        "empty_line": empty_line(data),
        "tier_fields": [f"*{_TIER_SHORT[tier]}*\n{counts.get(tier, 0):,}" for tier in Tier],
        "tier_line": " · ".join(f"{_TIER_SHORT[tier]}: {counts.get(tier, 0):,}" for tier in Tier),
        "sections": _sections(data),
    }


def _sections(
    data: DigestData,
) -> list[tuple[str, str, Sequence[DigestItem | RiskItem], int]]:
    return [
        ("New use cases", "new", data.new_items, data.new_count),
        ("Top opportunities by stated value", "top", data.top_opportunities, 0),
        ("Risk watch: FOMO, vendor push, technology first", "risk", data.risk_watch, 0),
        ("Pilots in purgatory", "purgatory", data.purgatory, data.purgatory_count),
        ("Decisions waiting", "decision", data.decisions_waiting, data.decisions_waiting_count),
    ]


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


def _points(items: Sequence[DigestItem]) -> list[ChartPoint]:
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
