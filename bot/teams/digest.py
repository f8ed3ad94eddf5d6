"""The leadership digest as Teams Adaptive Cards: a summary card, the details as its replies.

The Slack digest's content, from the `digest_teams_*` templates and the digest's shared
environment (`bot.jobs.digest_text`), neutralised by `for_teams`; it needs no Teams SDK. Teams
limits a message's size rather than its parts, so a long list is split by size as well.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from jinja2 import Environment

from advisor import DigestData, DigestItem, RiskItem, Tier
from bot.jobs.digest_text import (
    CHART_ALT,
    ITEMS_PER_MESSAGE,
    TIER_SHORT,
    digest_context,
    digest_environment,
    digest_sections,
)
from bot.neutralise import clip, for_teams, typed_line

__all__ = ["TEAMS_CARD_BYTES", "TeamsDigest", "chart_card", "render_teams_digest"]

# Teams refuses a bot message over 40 KB (100 KB in newer tenants), counted as UTF-16 and
# base64 images aside. A section card is filled to at most this many bytes of its JSON as
# `_card_bytes` measures it, leaving room for the activity around it. Only an entry too big for
# a card of its own is alone over it: text of emoji only, which that measure counts at 24 bytes a
# character, to about 36,000 bytes at most (the tests check).
TEAMS_CARD_BYTES: Final = 30_000
# The notification's line is clipped as Slack's notification text is, so the two say the same.
_SUMMARY_MAX: Final = 3000
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class TeamsDigest:
    """The digest for a Teams channel: the summary card, then the section cards and the chart
    card posted as replies in its thread."""

    summary: str
    """One line of plain text for the notification, like Slack's `RenderedDigest.root_text`."""
    root_card: dict[str, Any]
    """An Adaptive Card (1.5) as a JSON dict."""
    replies: list[dict[str, Any]] = field(default_factory=list)
    """The section cards, in order (the chart card is `chart_card`'s)."""


def render_teams_digest(data: DigestData) -> TeamsDigest:
    """The digest as Teams Adaptive Cards: the Slack digest's content, without links.

    A long section is split over several cards, each with at most `ITEMS_PER_MESSAGE` entries
    and `TEAMS_CARD_BYTES` of JSON. An empty period is one line and no reply.
    """
    environment = digest_environment(_teams_typed)
    counts = data.counts_by_tier
    context = {
        **digest_context(data),
        "tier_facts": [(TIER_SHORT[tier], f"{counts.get(tier, 0):,}") for tier in Tier],
    }
    root_card = _card(environment, "digest_teams_root.json.j2", context)
    # A notification shows one line: the plain-text summary's heading, then its lines joined.
    text = environment.get_template("digest.txt.j2").render(**context, detail=False)
    first, _, rest = text.partition("\n")
    line = f"{first}: {' '.join(rest.split())}" if rest else first
    summary = clip(for_teams(line), _SUMMARY_MAX)
    if data.is_empty:
        return TeamsDigest(summary=summary, root_card=root_card)
    replies: list[dict[str, Any]] = []
    for heading, kind, entries, total in digest_sections(data):
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
    environment = digest_environment(_teams_typed)
    return _card(
        environment, "digest_teams_chart.json.j2", {"title": title, "url": url, "alt": CHART_ALT}
    )


def _teams_typed(text: str, limit: int) -> str:
    return typed_line(text, limit, for_teams)


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
