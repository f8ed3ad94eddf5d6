"""Posting the leadership digest to Slack: the summary, its details in the thread, the chart.

The messages are rendered by `bot.slack.digest`; the chart is `bot.jobs.chart`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from advisor import ChartPoint, DigestData
from bot.jobs.digest_text import CHART_ALT, chart_title, listed_points
from bot.slack.digest import render_digest

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session, sessionmaker

    from advisor import Period, Subscription

__all__ = ["post_digest", "post_scheduled_digest", "scheduled_digest_data"]

logger = logging.getLogger(__name__)


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
