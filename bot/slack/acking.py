"""Acknowledge first, work after: Slack wants its answer within 3 seconds; failures reported once.

The service is synchronous (SQLAlchemy): its calls run in worker threads (bot.blocking), never
on the event loop.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from slack_bolt.kwargs_injection.async_args import AsyncArgs
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.inbox import INBOX_EVENT
from bot.tasks import Tasks

__all__ = ["Acknowledger", "apologise_unstored", "on_error"]

logger = logging.getLogger(__name__)

_APOLOGY: Final = (
    "Sorry, something went wrong on my side. Your answers so far are saved: reply in the "
    "thread to carry on, or try again in a minute."
)
_NOT_STORED: Final = (
    "Sorry, I could not take that just now: my database is not answering. Nothing of it was "
    "kept: please send it again in a minute."
)


class Acknowledger:
    """Wraps listeners so that they ack at once and work in a task after Slack has its answer."""

    def __init__(self, tasks: Tasks) -> None:
        self._tasks = tasks

    def after_ack(
        self, listener: Callable[..., Awaitable[None]]
    ) -> Callable[[AsyncArgs], Awaitable[None]]:
        """A listener that acks at once and does `listener`'s work in a task, after Slack has
        its answer. Failures of the work are reported like any listener's (`on_error`)."""
        wanted = list(inspect.signature(listener).parameters)

        async def acknowledge_then_work(args: AsyncArgs) -> None:
            await args.ack()
            work = _reported(
                listener(**{name: getattr(args, name) for name in wanted}), args.body, args.client
            )
            if args.context.get(INBOX_EVENT) is None:
                self._tasks.spawn(work)
            else:
                # From the inbox, acknowledged long ago: the inbox waits for the work to be done
                # before it takes the thread's next request.
                await work

        return acknowledge_then_work


async def _reported(work: Awaitable[None], body: dict[str, Any], client: AsyncWebClient) -> None:
    try:
        await work
    except Exception as error:
        await on_error(error, body, client)


async def on_error(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
    """Logged once, here, with the traceback; the person gets a short apology. The interview
    state was saved before anything was posted, so the next reply carries on."""
    logger.error("a Slack listener failed", exc_info=error)
    try:
        await _apologise(body, client)
    except Exception:  # the apology is a courtesy: its own failure must not hide the first
        logger.exception("could not tell the user about the failure")


async def apologise_unstored(body: dict[str, Any], client: AsyncWebClient) -> None:
    """Tell the person their request could not be stored (the database is down or silent)."""
    try:
        await _apologise(body, client, text=_NOT_STORED)
    except Exception:
        logger.exception("could not tell the user that their request was not stored")


async def _apologise(body: dict[str, Any], client: AsyncWebClient, *, text: str = _APOLOGY) -> None:
    # Only ever for a request whose signature was checked (bot.slack.routes): the
    # response_url and the channel are Slack's, not an attacker's.
    response_url = body.get("response_url")
    if response_url:
        from slack_sdk.webhook.async_client import AsyncWebhookClient  # noqa: PLC0415

        await AsyncWebhookClient(response_url).send(text=text, response_type="ephemeral")
        return
    event = body.get("event") or {}
    channel = event.get("channel") or (body.get("channel") or {}).get("id")
    user = event.get("user") or (body.get("user") or {}).get("id")
    if channel and user:
        await client.chat_postEphemeral(
            channel=channel,
            user=user,
            text=text,
            thread_ts=event.get("thread_ts") or (body.get("message") or {}).get("thread_ts"),
        )
