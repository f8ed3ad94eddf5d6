"""Scheduled posts to Slack: digests to subscribed channels, follow-ups in use cases' threads.

The posters (`SlackDigestPoster`, `SlackFollowUpPoster`) are what `bot.jobs` runs between the
claim and marking it posted; they post with a client that waits out rate limits
(`make_slack_client`), well within the runners' `stale_after`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from advisor import ChartPoint, DigestData, PilotStatus
from bot.neutralise import clip, for_slack
from bot.slack.blocks import SECTION_TEXT_MAX, mention

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.service import FollowUpToPost, ScheduledDigest

__all__ = [
    "FOLLOW_UP_ACTION_PREFIX",
    "SlackDigestPoster",
    "SlackFollowUpPoster",
    "follow_up_blocks",
    "make_slack_client",
    "post_digest",
]

logger = logging.getLogger(__name__)

FOLLOW_UP_ACTION_PREFIX: Final = "mlops_followup"
# Slack answers 429 with Retry-After (seconds, usually under a minute); a few waits stay well
# inside the runners' stale_after (ten minutes), so a rate-limited post is delayed, never taken
# over and repeated.
_RATE_LIMIT_RETRIES: Final = 5
_SERVER_ERROR_RETRIES: Final = 2
_HTTP_TIMEOUT_SECONDS: Final = 30


def make_slack_client(token: str, base_url: str) -> WebClient:
    """A Slack Web API client that waits out rate limits (429 + Retry-After) and retries server
    errors and dropped connections a bounded number of times."""
    from slack_sdk import WebClient  # noqa: PLC0415
    from slack_sdk.http_retry.builtin_handlers import (  # noqa: PLC0415
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
    )

    return WebClient(
        token=token,
        base_url=base_url,
        timeout=_HTTP_TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=_RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(max_retry_count=_SERVER_ERROR_RETRIES),
        ],
    )


class SlackDigestPoster:
    """Posts a subscription's digest to its Slack channel (a `bot.jobs.runner.DigestPoster`)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def __call__(self, digest: ScheduledDigest) -> str:
        return post_digest(
            self._client, digest.data, channel=digest.subscription.channel_id, points=digest.points
        )


class SlackFollowUpPoster:
    """Posts a follow-up in its use case's thread (a `bot.jobs.runner.FollowUpPoster`)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def __call__(self, follow_up: FollowUpToPost) -> str | None:
        use_case = follow_up.use_case
        blocks = follow_up_blocks(
            use_case.proposer_id, use_case.title, follow_up.due_key, follow_up.questions
        )
        answer: Any = self._client.chat_postMessage(
            channel=use_case.channel_id or "",  # never empty: only use cases with one are due
            thread_ts=use_case.thread_id,
            text=f"A {follow_up.due_key} follow-up on this MLOps check.",
            blocks=[block.to_dict() for block in blocks],
        )
        ts = answer.get("ts")
        return ts if isinstance(ts, str) else None


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
    from bot.slack.digest import render_digest  # noqa: PLC0415 (jinja2)

    rendered = render_digest(data, links=_permalinks(client, data))
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
            _upload_chart(client, data, channel, ts, points)
    except Exception:
        logger.exception("the digest %s in %s was posted without all of its details", ts, channel)
    return ts


def follow_up_blocks(
    proposer_id: str | None, title: str, due_key: str, questions: Sequence[str]
) -> list[Block]:
    """The follow-up message: the proposer mentioned (only a well-formed user id becomes a
    mention), the three questions, and a button per pilot status."""
    who = mention(proposer_id) or "Hello"
    shown = clip(" ".join(for_slack(title).split()), 200) or "(untitled)"
    asked = "\n".join(f"• {clip(question, 300)}" for question in questions)
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(f"{who}, a {due_key} follow-up on *{shown}*:\n{asked}", SECTION_TEXT_MAX),
                verbatim=True,
            )
        ),
        ActionsBlock(
            block_id="follow_up",
            elements=[
                ButtonElement(
                    text=PlainTextObject(text=status.value.capitalize()),
                    action_id=f"{FOLLOW_UP_ACTION_PREFIX}:{status.value}",
                    value=status.value,
                )
                for status in PilotStatus
            ],
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Pick the pilot's status, or reply in this thread in your own words.",
                    verbatim=True,
                )
            ]
        ),
    ]


def _permalinks(client: WebClient, data: DigestData) -> dict[int, str]:
    """The listed use cases' thread permalinks; a lookup that fails leaves that one out."""
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
    return links


def _upload_chart(
    client: WebClient,
    data: DigestData,
    channel: str,
    ts: str,
    points: Sequence[ChartPoint] | None,
) -> None:
    from bot.jobs.chart import portfolio_chart  # noqa: PLC0415  (matplotlib is heavy)
    from bot.jobs.digest_text import CHART_ALT, chart_title, listed_points  # noqa: PLC0415

    shown = list(points) if points is not None else listed_points(data.listed_items())
    title = chart_title(data)
    client.files_upload_v2(
        channel=channel,
        thread_ts=ts,
        content=portfolio_chart(shown, title=title),
        filename="portfolio.png",
        title=title,
        alt_txt=CHART_ALT,
    )
