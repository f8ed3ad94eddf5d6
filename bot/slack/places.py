"""Who asked and where, read from Slack's payloads, for the command layer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from advisor import Platform
from bot.commands import Profile, Where, Who
from bot.service import Place

__all__ = ["SlackThread", "action_thread", "where_in_channel", "where_in_thread", "who"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SlackThread:
    """A use case's thread: where it lives, and whose interview it is."""

    team: str
    channel: str
    root_ts: str
    proposer: str

    @property
    def key(self) -> str:
        return f"slack:{self.team}:{self.channel}:{self.root_ts}:{self.proposer}"

    @property
    def place(self) -> Place:
        return Place(
            platform=Platform.SLACK,
            workspace_id=self.team,
            channel_id=self.channel,
            thread_id=self.root_ts,
        )


def who(user: str, client: AsyncWebClient) -> Who:
    """The person, with their profile asked of Slack only if a command needs it."""

    async def profile() -> Profile:
        try:
            found = await client.users_info(user=user)
        except SlackApiError as error:
            logger.warning("users.info failed for a command: %s", error.response.get("error"))
            return Profile()
        details = found.get("user")
        if not isinstance(details, dict):
            return Profile()
        admin = any(
            details.get(flag) is True for flag in ("is_admin", "is_owner", "is_primary_owner")
        )
        return Profile(is_workspace_admin=admin, time_zone=str(details.get("tz") or "") or None)

    return Who(platform=Platform.SLACK, user_id=user, profile=profile)


def where_in_channel(team: str, channel: str, *, workspace_scoped: bool) -> Where:
    """A command typed in a channel, outside any thread."""
    return Where(
        place=Place(platform=Platform.SLACK, workspace_id=team, channel_id=channel),
        digest_workspace=_digest_workspace(team, workspace_scoped=workspace_scoped),
        preview_workspace=team or None,
    )


def where_in_thread(thread: SlackThread, *, workspace_scoped: bool) -> Where:
    """Words or buttons in a use case's thread, where the person's interview may wait."""
    return Where(
        place=thread.place,
        interview_key=thread.key,
        digest_workspace=_digest_workspace(thread.team, workspace_scoped=workspace_scoped),
        preview_workspace=thread.team or None,
    )


def action_thread(body: dict[str, Any]) -> SlackThread | None:
    """The thread a button was pressed in, as the presser's; None without one."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    root_ts = message.get("thread_ts") or container.get("thread_ts")
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    user = (body.get("user") or {}).get("id")
    if not root_ts or not channel or not user:
        return None
    team = (body.get("team") or {}).get("id", "")
    return SlackThread(team=team, channel=channel, root_ts=root_ts, proposer=user)


def _digest_workspace(team: str, *, workspace_scoped: bool) -> str | None:
    # One workspace's bot keeps its subscriptions workspace-less, as the CLI does; with OAuth
    # each subscription belongs to the workspace it was made in.
    return (team or None) if workspace_scoped else None
