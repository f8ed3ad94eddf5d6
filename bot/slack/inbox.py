"""Slack's answers, button presses and commands are stored before Slack gets its ack.

An HTTP 200 tells Slack a request is delivered: it never sends it again. So each request that
changes something is written to the inbox (storage.inbox) first, in one short transaction whose
unique delivery key (the event id, the trigger id) also turns retries and replays into no-ops;
then it is acknowledged, then processed by dispatching the stored payload through the Bolt app
again. A process that dies after the ack leaves the request in the inbox: any replica's sweep,
at start-up and every few seconds, processes it. Requests of one thread are processed one at a
time, oldest first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Final

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.blocking import ack_writes, call_service
from bot.service import Advisor
from bot.tasks import Tasks

__all__ = [
    "ANSWER_SUBTYPES",
    "INBOX_EVENT",
    "InboxMiddleware",
    "InboxProcessor",
    "InboxSweeper",
    "inbox_keys",
    "is_answer",
]

logger = logging.getLogger(__name__)

# The Bolt context key that marks a request dispatched from the inbox, with its inbox id.
INBOX_EVENT: Final = "mlops_advisor_inbox_event"
# Longer than any request's processing takes, shorter than a person's patience.
_CLAIM_STALE: Final = timedelta(seconds=60)
# Left alone this long, an unclaimed request has lost its process (the ack's own drain starts
# within milliseconds).
_ORPHANED_AFTER: Final = timedelta(seconds=10)
_SWEEP_INTERVAL_SECONDS: Final = 10.0
_KEY_MAX: Final = 255
_TS_MAX: Final = 32
# Two answers typed a moment apart may reach the server the other way round: the thread's work
# starts this much after the ack, so the earlier one is in the inbox to be taken first.
_ORDERING_GRACE_SECONDS: Final = 0.1
# Message subtypes that carry a person's answer: a reply also sent to the channel, a reply with
# a file (whose text is the answer). Other subtypes are edits, deletions, joins and bots.
ANSWER_SUBTYPES: Final = frozenset({"thread_broadcast", "file_share"})

Apology = Callable[[dict[str, Any], Any], Awaitable[None]]


def inbox_keys(body: dict[str, Any]) -> tuple[str, str, str] | None:
    """The delivery key, thread key and Slack's time of a request that goes through the inbox;
    None for one that changes nothing (and for a payload without the ids Slack always sends)."""
    team = str(body.get("team_id") or (body.get("team") or {}).get("id") or "")
    keys: tuple[str, str, str] | None = None
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        if event.get("type") == "message" and is_answer(event) and body.get("event_id"):
            thread = f"{team}:{event.get('channel')}:{event['thread_ts']}"
            keys = (f"event:{body['event_id']}", thread, str(event.get("ts") or ""))
    elif body.get("type") == "block_actions" and body.get("trigger_id"):
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        root = message.get("thread_ts") or container.get("thread_ts") or message.get("ts")
        pressed = str(((body.get("actions") or [{}])[0]).get("action_ts") or "")
        keys = (f"action:{body['trigger_id']}", f"{team}:{channel}:{root}", pressed)
    elif body.get("command") and body.get("trigger_id"):
        # A command is a thread of its own: the interview it starts has no thread yet.
        keys = (f"command:{body['trigger_id']}", f"command:{body['trigger_id']}", "")
    if keys is None or max(len(key) for key in keys) > _KEY_MAX or len(keys[2]) > _TS_MAX:
        return None
    return keys


def is_answer(event: dict[str, Any]) -> bool:
    """A person's reply in a thread (not its root, not a bot's, not an edit or a deletion)."""
    thread_ts = event.get("thread_ts")
    return bool(
        thread_ts
        and thread_ts != event.get("ts")
        and event.get("user")
        and not event.get("bot_id")
        and (not event.get("subtype") or event.get("subtype") in ANSWER_SUBTYPES)
    )


class InboxProcessor:
    """Processes a thread's stored requests, oldest first, by dispatching them through Bolt."""

    def __init__(self, app: AsyncApp, advisor: Advisor) -> None:
        self._app = app
        self._advisor = advisor
        self.tasks = Tasks()

    async def drain(self, thread_key: str) -> None:
        """Process the thread's waiting requests in order, while no other worker holds it."""
        try:
            while True:
                event = await call_service(
                    self._advisor.take_next, thread_key, stale_after=_CLAIM_STALE
                )
                if event is None:
                    return
                request = AsyncBoltRequest(
                    body=event.payload, mode="socket_mode", context={INBOX_EVENT: event.id}
                )
                # Verified when it arrived ("socket_mode" skips Bolt's signature check, as the
                # stored payload has no headers); listeners report their own failures.
                await self._app.async_dispatch(request)
                await call_service(self._advisor.finish, event.id)
        except Exception:
            # The database went away mid-way: the request stays in the inbox for the sweep.
            logger.exception("the inbox of a Slack thread could not be processed")

    async def sweep(self, *, orphaned_after: timedelta = _ORPHANED_AFTER) -> None:
        """Process what dead processes left in the inbox, oldest thread first."""
        try:
            threads = await call_service(
                self._advisor.waiting_threads,
                unclaimed_for=orphaned_after,
                stale_after=_CLAIM_STALE,
            )
        except Exception:
            logger.exception("the Slack inbox could not be swept")
            return
        for thread_key in threads:
            await self.drain(thread_key)

    async def receive(
        self, delivery_key: str, thread_key: str, sent_ts: str, payload: dict[str, Any]
    ) -> int | None:
        """Store a request (Advisor.receive) within the ack deadline, on threads of its own."""
        return await ack_writes.run(
            self._advisor.receive, delivery_key, thread_key, sent_ts, payload
        )

    def drain_soon(self, thread_key: str) -> None:
        """`drain` in a task of its own, after a moment's grace for a request still on its way."""

        async def drain_after_grace() -> None:
            await asyncio.sleep(_ORDERING_GRACE_SECONDS)
            await self.drain(thread_key)

        self.tasks.spawn(drain_after_grace())


class InboxMiddleware:
    """The Bolt global middleware (`app.use(middleware.store_first)`) that stores a request
    before it is acknowledged."""

    def __init__(self, processor: InboxProcessor, apologise: Apology) -> None:
        self._processor = processor
        self._apologise = apologise

    async def store_first(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        keys = None if req.context.get(INBOX_EVENT) else inbox_keys(req.body)
        if keys is None:
            await next()
            return None
        try:
            # Past the deadline the write is abandoned: it commits nothing later, so the person
            # told to send it again does not find it applied twice.
            stored = await self._processor.receive(*keys, req.body)
        except Exception as error:  # a database down or too slow: nothing is half-stored
            logger.warning("a Slack request could not be stored (%s)", type(error).__name__)
            self._processor.tasks.spawn(self._apologise(req.body, req.context.client))
            return BoltResponse(status=200, body="")
        if stored is not None:  # None: a retry or a replay of a stored request
            self._processor.drain_soon(keys[1])
        return BoltResponse(status=200, body="")


class InboxSweeper:
    """Sweeps the inbox at start-up and then every few seconds, on the server's event loop
    (the same start/shutdown as the digest scheduler)."""

    def __init__(
        self, processor: InboxProcessor, *, interval: float = _SWEEP_INTERVAL_SECONDS
    ) -> None:
        self._processor = processor
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def shutdown(self, wait: bool = True) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        # At start-up, every unclaimed request at once: one that another replica has just
        # stored is processed once all the same, by whichever of the two claims it first.
        await self._processor.sweep(orphaned_after=timedelta(0))
        while True:
            await asyncio.sleep(self._interval)
            await self._processor.sweep()
