"""Scheduled posts to Teams: digests for `teams:` subscriptions and follow-ups in 1:1 chats.

The runners (`bot.jobs`) run in a worker thread (they talk to the database synchronously); the
Teams SDK's HTTP client lives on the serving event loop. The posters render in the worker thread
and hand the sending to that loop, waiting for the message id, which the runner records as
posted: the same claim → post → mark-posted order, and so the same exactly-once guarantee, as
Slack's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Final

from advisor.schedule import TEAMS_PREFIX
from bot.teams.cards import follow_up_card

if TYPE_CHECKING:
    from bot.service import FollowUpToPost, ScheduledDigest
    from bot.teams.app import TeamsSender
    from bot.teams.digest import TeamsDigest

__all__ = ["TeamsDigestPoster", "TeamsFollowUpPoster", "render_scheduled"]

# Longer than a few 429 waits (the sender waits out Retry-After up to a minute, a few times) but
# well inside run_due's stale_after (ten minutes), so a slow post is never taken over and repeated.
_POST_TIMEOUT_SECONDS: Final = 300.0
# Teams shows an inline image up to 1 MB, and the request carrying it is limited too (reported:
# 256 KB). At this resolution (800 × 520), as a palette PNG, the chart of 10,000 use cases is
# about 62 KB (measured: tests/bot/test_teams_app.py keeps it under 150 KB).
_CHART_DPI: Final = 80


def render_scheduled(digest: ScheduledDigest) -> tuple[TeamsDigest, dict[str, Any] | None]:
    """A subscription's digest for one period as Teams cards, and the chart's card (None for an
    empty period)."""
    from bot.jobs.chart import compact_png, portfolio_chart  # noqa: PLC0415 (matplotlib)
    from bot.jobs.digest_text import chart_title  # noqa: PLC0415 (jinja2)
    from bot.teams.digest import chart_card, render_teams_digest  # noqa: PLC0415 (jinja2)

    cards = render_teams_digest(digest.data)
    if digest.data.is_empty:
        return cards, None
    title = chart_title(digest.data)
    png = compact_png(portfolio_chart(list(digest.points), title=title, dpi=_CHART_DPI))
    return cards, chart_card(png, title=title)


class TeamsDigestPoster:
    """Posts a Teams subscription's digest (call it from a worker thread, never from `loop`)."""

    def __init__(
        self,
        sender: TeamsSender,
        loop: asyncio.AbstractEventLoop,
        *,
        timeout: float = _POST_TIMEOUT_SECONDS,
    ) -> None:
        self._sender = sender
        self._loop = loop
        self._timeout = timeout

    def __call__(self, digest: ScheduledDigest) -> str:
        cards, chart = render_scheduled(digest)
        conversation = digest.subscription.channel_id.removeprefix(TEAMS_PREFIX)
        posting = self._sender.post_digest(conversation, cards, chart)
        return _on_loop(posting, self._loop, self._timeout)


class TeamsFollowUpPoster:
    """Posts a follow-up card in a Teams use case's 1:1 chat (from a worker thread)."""

    def __init__(
        self,
        sender: TeamsSender,
        loop: asyncio.AbstractEventLoop,
        *,
        timeout: float = _POST_TIMEOUT_SECONDS,
    ) -> None:
        self._sender = sender
        self._loop = loop
        self._timeout = timeout

    def __call__(self, follow_up: FollowUpToPost) -> str:
        use_case = follow_up.use_case
        card = follow_up_card(use_case.title, follow_up.due_key, follow_up.questions)
        posting = self._sender.send(use_case.channel_id or "", card=card)
        return _on_loop(posting, self._loop, self._timeout)


def _on_loop(
    posting: Coroutine[Any, Any, str], loop: asyncio.AbstractEventLoop, timeout: float
) -> str:
    future = asyncio.run_coroutine_threadsafe(posting, loop)
    try:
        return future.result(timeout)
    except TimeoutError:
        # Stop it rather than let it post after the runner has given this one up.
        future.cancel()
        raise
