"""`/mlops-check …`: every subcommand goes to the command layer; a new check gets a thread."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Surface, parse
from bot.commands.model import Start
from bot.commands.replies import CannotPostHere
from bot.neutralise import from_slack_event
from bot.slack.blocks import COMMAND, root_blocks
from bot.slack.form_flow import CANNOT_POST
from bot.slack.places import SlackThread, where_in_channel, where_in_thread, who
from bot.slack.replies import Outbox, send

if TYPE_CHECKING:
    from bot.slack.listeners import Deps

__all__ = ["register"]


def register(app: AsyncApp, deps: Deps) -> None:
    app.command(COMMAND)(deps.acknowledger.after_ack(partial(on_command, deps)))


async def on_command(
    deps: Deps, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
) -> None:
    # Command text comes escaped like message text (&, <, >): decoded once, escaped on echo.
    order = parse(from_slack_event(command.get("text") or ""), Surface.SLASH)
    user, team, channel = command["user_id"], command.get("team_id", ""), command["channel_id"]
    out = Outbox(client, user, team, channel, respond=respond, trigger_id=command.get("trigger_id"))
    where = where_in_channel(team, channel, workspace_scoped=deps.workspace_scoped)
    if isinstance(order, Start):
        thread = await _open_thread(out, order.title)
        if thread is None:
            await send([CannotPostHere()], out, deps.forms.open)
            return
        out, where = out.in_thread(thread), where_in_thread(thread, **_scope(deps))
    await send(await deps.commands.execute(order, who(user, client), where), out, deps.forms.open)


async def _open_thread(out: Outbox, title: str) -> SlackThread | None:
    """The check's root message, posted in the channel; None where the bot may not post."""
    try:
        root = await out.client.chat_postMessage(
            channel=out.channel or "",
            text="An MLOps check has started.",
            blocks=[b.to_dict() for b in root_blocks(out.user, title or None)],
        )
    except SlackApiError as error:
        if error.response.get("error") in CANNOT_POST:
            return None
        raise
    return SlackThread(
        team=out.team, channel=root["channel"], root_ts=root["ts"], proposer=out.user
    )


def _scope(deps: Deps) -> dict[str, bool]:
    return {"workspace_scoped": deps.workspace_scoped}
