"""Events: App Home opened shows the person's checks (and the totals to admins)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.model import HomeTab
from bot.slack.places import where_in_channel, who
from bot.slack.replies import Outbox, send

if TYPE_CHECKING:
    from bot.slack.listeners import Deps

__all__ = ["register"]


def register(app: AsyncApp, deps: Deps) -> None:
    app.event("app_home_opened")(deps.acknowledger.after_ack(partial(on_home_opened, deps)))


async def on_home_opened(deps: Deps, event: dict[str, Any], client: AsyncWebClient) -> None:
    if event.get("tab", "home") != "home":
        return
    user, team = event["user"], event.get("team") or ""
    where = where_in_channel(team, "", workspace_scoped=deps.workspace_scoped)
    replies = await deps.commands.execute(HomeTab(), who(user, client), where)
    await send(replies, Outbox(client, user, team, channel=None), deps.forms.open)
