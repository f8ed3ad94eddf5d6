"""Buttons: a choice answering the interview's question, a follow-up's pilot status."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from advisor import PilotStatus
from bot.commands.model import Command, FollowUpStatus, Press
from bot.slack.blocks import ANSWER_ACTION_PREFIX, answer_position
from bot.slack.inbox import INBOX_EVENT
from bot.slack.places import action_thread, where_in_thread, who
from bot.slack.posting import FOLLOW_UP_ACTION_PREFIX
from bot.slack.replies import Outbox, send

if TYPE_CHECKING:
    from bot.slack.listeners import Deps

__all__ = ["register"]

_ANSWER_ACTION: Final = re.compile(rf"^{ANSWER_ACTION_PREFIX}")
_FOLLOW_UP_ACTION: Final = re.compile(rf"^{FOLLOW_UP_ACTION_PREFIX}:")


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(_ANSWER_ACTION)(deps.acknowledger.after_ack(partial(on_answer, deps)))
    app.action(_FOLLOW_UP_ACTION)(deps.acknowledger.after_ack(partial(on_follow_up, deps)))


async def on_answer(  # noqa: PLR0917 - Bolt injects what the listener names
    deps: Deps,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    context: AsyncBoltContext,
) -> None:
    at = answer_position(str(action.get("action_id") or ""))
    press = Press(str(action.get("value") or ""), at, context.get(INBOX_EVENT))
    await _pressed(deps, press, body, client, respond)


async def on_follow_up(
    deps: Deps,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
) -> None:
    try:
        status = PilotStatus(str(action.get("value") or ""))
    except ValueError:
        return
    await _pressed(deps, FollowUpStatus(status), body, client, respond)


async def _pressed(
    deps: Deps,
    command: Command,
    body: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
) -> None:
    """A button of a thread: executed as the presser's, answered to them or in the thread."""
    thread = action_thread(body)
    if thread is None:
        return
    where = where_in_thread(thread, workspace_scoped=deps.workspace_scoped)
    replies = await deps.commands.execute(command, who(thread.proposer, client), where)
    out = Outbox(client, thread.proposer, thread.team, thread.channel, respond=respond)
    await send(replies, replace(out, keep_original=True).in_thread(thread), deps.forms.open)
