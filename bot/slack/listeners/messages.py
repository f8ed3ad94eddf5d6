"""Replies in a thread: answers to the interview, commands typed any time, follow-up answers."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Surface
from bot.neutralise import from_slack_event
from bot.slack.inbox import INBOX_EVENT, is_answer
from bot.slack.places import SlackThread, where_in_thread, who
from bot.slack.replies import Outbox, send

if TYPE_CHECKING:
    from bot.slack.listeners import Deps

__all__ = ["register"]


def register(app: AsyncApp, deps: Deps) -> None:
    app.event("message")(deps.acknowledger.after_ack(partial(on_message, deps)))


async def on_message(
    deps: Deps,
    event: dict[str, Any],
    body: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    # Bots (the advisor included), edits and deletions are not answers. Retries of an
    # answer never get here: the inbox took the first delivery and drops the others.
    if not is_answer(event):
        return
    team = body.get("team_id") or event.get("team", "")
    thread = SlackThread(team, event["channel"], event["thread_ts"], proposer=event["user"])
    replies = await deps.commands.on_text(
        from_slack_event(event.get("text") or ""),
        Surface.SLACK_THREAD,
        who(thread.proposer, client),
        where_in_thread(thread, workspace_scoped=deps.workspace_scoped),
        files=bool(event.get("files")),
        inbox_event=context.get(INBOX_EVENT),
    )
    out = Outbox(client, thread.proposer, thread.team, thread.channel, thread=thread)
    await send(replies, out, deps.forms.open)
