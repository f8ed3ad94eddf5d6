"""The leadership digest as Slack messages: a summary, the details in its thread.

Rendered from the digest's Jinja2 templates (`bot.jobs.digest_text`) into Block Kit JSON; every
person-typed string is neutralised by `for_slack` (no pings, no links). Each message stays
within Block Kit's limits (50 blocks, 3,000 characters a section) for any portfolio: lists are
capped by the query, and a long list is split over several thread messages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment

from advisor import DigestData, DigestItem
from bot.jobs.digest_text import (
    ITEMS_PER_MESSAGE,
    digest_context,
    digest_environment,
    digest_sections,
)
from bot.neutralise import clip, for_slack, typed_line
from bot.slack.blocks import (
    FIELD_TEXT_MAX,
    HEADER_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    PERMALINK,
    SECTION_TEXT_MAX,
    TEXT_FALLBACK_MAX,
)

__all__ = ["RenderedDigest", "render_digest"]


@dataclass(frozen=True)
class RenderedDigest:
    """The root message (notification text and blocks) and the thread's messages, in order."""

    root_text: str
    root_blocks: list[dict[str, Any]]
    thread: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)


def render_digest(data: DigestData, *, links: Mapping[int, str] | None = None) -> RenderedDigest:
    """The digest as Slack messages; `links` maps use case ids to their threads' permalinks.

    A link is used only if it is one of Slack's permalinks; anything else leaves the title
    unlinked. An empty period is one line and no thread.
    """
    environment = _environment(links or {})
    context = digest_context(data)
    root_blocks = _blocks(environment, "digest_root.json.j2", context)
    root_text = clip(
        environment.get_template("digest.txt.j2").render(**context, detail=False),
        TEXT_FALLBACK_MAX,
    )
    if data.is_empty:
        return RenderedDigest(root_text=root_text, root_blocks=root_blocks)
    thread: list[tuple[str, list[dict[str, Any]]]] = []
    for heading, kind, entries, total in digest_sections(data):
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


def _environment(links: Mapping[int, str]) -> Environment:
    def linked(item: DigestItem, limit: int) -> str:
        title = _slack_typed(item.title, limit)
        link = links.get(item.use_case_id)
        if link and PERMALINK.fullmatch(link):
            # A link Slack gave us; the label is the neutralised title (`|`, `>` are harmless).
            return f"<{link}|{title}>"
        return title

    return digest_environment(
        _slack_typed,
        filters={"linked": linked},
        constants={
            "HEADER_TEXT_MAX": HEADER_TEXT_MAX,
            "SECTION_TEXT_MAX": SECTION_TEXT_MAX,
            "FIELD_TEXT_MAX": FIELD_TEXT_MAX,
        },
    )


def _slack_typed(text: str, limit: int) -> str:
    return typed_line(text, limit, for_slack)


def _blocks(
    environment: Environment, name: str, context: Mapping[str, Any]
) -> list[dict[str, Any]]:
    blocks = json.loads(environment.get_template(name).render(**context))
    if not isinstance(blocks, list) or len(blocks) > MESSAGE_BLOCKS_MAX:
        raise ValueError(f"{name} rendered {type(blocks).__name__} of the wrong size")
    return blocks
