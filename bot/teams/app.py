"""The Teams app: `mlops-check` runs the interview in a 1:1 chat. Listeners only translate.

Each activity is read into a command with who sent it and where (`bot.commands`), executed by
the command layer, and its replies rendered as Teams messages (`bot.teams.render`). The SDK's
app, its route and proactive sends are `bot.teams.sender`.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any, Final

import httpx
from microsoft_teams.api.activities.install_update.add import InstalledActivity
from microsoft_teams.api.activities.message import MessageActivity
from microsoft_teams.api.clients.conversation import CreateConversationParams
from microsoft_teams.api.models.account import Account, ConversationAccount
from microsoft_teams.api.models.conversation import ConversationReference

with warnings.catch_warnings():
    # The SDK announces a preview feature (HTML widgets) at import; the advisor uses none.
    warnings.simplefilter("ignore", FutureWarning)
    from microsoft_teams.apps import ActivityContext
from starlette.routing import Route

from advisor import PilotStatus, Platform
from advisor.schedule import TEAMS_PREFIX
from bot.blocking import call_service
from bot.commands import Commands, Profile, Surface, Where, Who
from bot.commands.model import Command, FollowUpStatus, Press, Start
from bot.commands.replies import HelpReply, Reply
from bot.service import Advisor, Place
from bot.teams.cards import (
    ACTION_ANSWER,
    ACTION_FOLLOW_UP,
    ACTION_KEY,
    ACTION_START,
    answer_position,
)
from bot.teams.render import teams_messages
from bot.teams.sender import MESSAGING_PATH, TeamsSender, message

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["MESSAGING_PATH", "TeamsBot", "TeamsSender"]

logger = logging.getLogger(__name__)

_APOLOGY: Final = (
    "Sorry, something went wrong on my side. Your answers so far are saved: answer again to "
    "carry on, or try again in a minute."
)
_PRIVATE_CHAT_FAILED: Final = (
    "I couldn't open a private chat with you. Open a chat with MLOps Advisor (Apps, MLOps "
    "Advisor, Chat) and type **mlops-check** there."
)
_WRITTEN_IN_PRIVATE: Final = "I've written to you in a private chat: the check goes on there."
_CHANNEL_SCOPES: Final = frozenset({"channel", "groupChat"})


class TeamsBot:
    """The advisor in Teams: the interview in 1:1 chats, the start card and digests in channels."""

    def __init__(
        self, settings: Settings, advisor: Advisor, commands: Commands | None = None
    ) -> None:
        self._advisor = advisor
        self._commands = commands or Commands.for_settings(advisor, settings)
        self.sender = TeamsSender(settings)
        self.sender.app.on_message(self._on_message)
        self.sender.app.on_install_add(self._on_install)

    @property
    def insecure_local(self) -> bool:
        return self.sender.insecure_local

    def routes(self) -> list[Route]:
        """POST /api/messages for the web app."""
        return self.sender.routes()

    async def _on_message(self, ctx: ActivityContext[MessageActivity]) -> None:
        activity = ctx.activity
        try:
            # Teams resends an activity it thinks was lost; a resend may reach another replica.
            if activity.id and not await call_service(
                self._advisor.first_delivery, f"teams:{activity.conversation.id}:{activity.id}"
            ):
                return
            await self._handle(ctx)
        except Exception:
            # Logged once, here, with the traceback; the person gets a short apology. Interview
            # state is saved before anything is sent, so the next answer carries on.
            logger.exception("a Teams message could not be handled")
            try:
                await ctx.send(message(_APOLOGY))
            except Exception:
                logger.exception("could not tell the user about the failure")

    async def _on_install(self, ctx: ActivityContext[InstalledActivity]) -> None:
        """Added to a chat or a team: say what the advisor does there."""
        kind = ctx.activity.conversation.conversation_type
        greeting = HelpReply(in_channel=kind in _CHANNEL_SCOPES, in_group_chat=kind == "groupChat")
        try:
            await _send(ctx, [greeting])
        except Exception:
            logger.exception("could not greet a new installation")

    async def _handle(self, ctx: ActivityContext[MessageActivity]) -> None:
        activity = ctx.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        if value.get(ACTION_KEY) == ACTION_START:
            await self._start_private(ctx)
            return
        who, where = _who(activity), _where(activity, activity.conversation.id)
        pressed = None if where.in_channel else _pressed(value)
        if pressed is not None:
            replies = await self._commands.execute(pressed, who, where)
        elif value.get(ACTION_KEY) in {ACTION_ANSWER, ACTION_FOLLOW_UP} and not where.in_channel:
            return  # a button with a value no card of ours carries
        else:
            surface = Surface.CHANNEL if where.in_channel else Surface.PRIVATE_CHAT
            replies = await self._commands.on_text(_words(activity), surface, who, where)
        await _send(ctx, replies)

    async def _start_private(self, ctx: ActivityContext[MessageActivity]) -> None:
        """The channel card's button: open (or reuse) the 1:1 chat and ask the first question."""
        activity = ctx.activity
        if activity.conversation.conversation_type not in _CHANNEL_SCOPES:
            where = _where(activity, activity.conversation.id)
            await _send(ctx, await self._commands.execute(Start(), _who(activity), where))
            return
        to = await _private_chat(ctx, self.sender.service_url)
        if to is None:
            await ctx.send(message(_PRIVATE_CHAT_FAILED))
            return
        where = _where(activity, to.conversation.id, private=True)
        await _send(ctx, await self._commands.execute(Start(), _who(activity), where), to)
        await ctx.send(message(_WRITTEN_IN_PRIVATE))


async def _send(
    ctx: ActivityContext[Any], replies: list[Reply], to: ConversationReference | None = None
) -> None:
    for reply in replies:
        for sent in teams_messages(reply):
            await ctx.send(sent, to)


async def _private_chat(
    ctx: ActivityContext[MessageActivity], service_url: str
) -> ConversationReference | None:
    """A 1:1 chat with the person who pressed, created (or found) by the Bot Connector."""
    activity = ctx.activity
    tenant = _tenant_of(activity)
    try:
        created = await ctx.api.conversations.create(
            CreateConversationParams(
                members=[Account(id=activity.from_.id)],
                tenant_id=tenant or None,
                channel_data={"tenant": {"id": tenant}} if tenant else None,
            )
        )
    except httpx.HTTPError as error:
        logger.warning("could not open a 1:1 chat with a user: %s", error)
        return None
    return ConversationReference(
        service_url=activity.service_url or service_url,
        channel_id=activity.channel_id,
        bot=activity.recipient,
        user=activity.from_,
        conversation=ConversationAccount(
            id=created.id, conversation_type="personal", tenant_id=tenant or None
        ),
    )


def _pressed(value: dict[str, Any]) -> Command | None:
    """The command a card button of a private chat carries, if any."""
    if value.get(ACTION_KEY) == ACTION_ANSWER:
        return Press(str(value.get("value") or ""), answer_position(value))
    if value.get(ACTION_KEY) == ACTION_FOLLOW_UP:
        try:
            return FollowUpStatus(PilotStatus(str(value.get("status") or "")))
        except ValueError:
            return None
    return None


def _who(activity: MessageActivity) -> Who:
    user = activity.from_
    zone = _time_zone_of(activity)

    async def profile() -> Profile:
        return Profile(time_zone=zone)

    return Who(
        platform=Platform.TEAMS,
        user_id=_user_id(activity),
        name=user.name,
        profile=profile,
    )


def _where(activity: MessageActivity, conversation_id: str, *, private: bool = False) -> Where:
    kind = "personal" if private else activity.conversation.conversation_type
    tenant = _tenant_of(activity)
    place = Place(platform=Platform.TEAMS, workspace_id=tenant or None, channel_id=conversation_id)
    if kind in _CHANNEL_SCOPES:
        return Where(
            place=place,
            digest_channel=_channel_of(activity),
            in_channel=True,
            in_group_chat=kind == "groupChat",
        )
    key = f"teams:{tenant}:{conversation_id}:{_user_id(activity)}"
    return Where(place=place, interview_key=key)


def _user_id(activity: MessageActivity) -> str:
    """The sender as the advisor knows them: their Entra object id, else their Teams id."""
    user = activity.from_
    sender_id: str = user.aad_object_id or user.id
    return sender_id.lower()


def _words(activity: MessageActivity) -> str:
    """The message's text without the mention of the bot (channel messages start with it)."""
    activity.strip_mentions_text()
    return " ".join((activity.text or "").split())


def _time_zone_of(activity: MessageActivity) -> str:
    # Teams sends the sender's IANA zone as `localTimezone`, which the SDK keeps as an extra.
    zone = (activity.model_extra or {}).get("localTimezone")
    return zone if isinstance(zone, str) and zone else "UTC"


def _tenant_of(activity: MessageActivity) -> str:
    data = activity.channel_data
    tenant = getattr(getattr(data, "tenant", None), "id", None) if data else None
    return tenant or activity.conversation.tenant_id or ""


def _channel_of(activity: MessageActivity) -> str | None:
    """The subscription id (`teams:<channel id>`) of the channel the activity came from."""
    if activity.conversation.conversation_type not in _CHANNEL_SCOPES:
        return None
    data = activity.channel_data
    channel = getattr(getattr(data, "channel", None), "id", None) if data else None
    # In a channel the conversation id names the thread (`…;messageid=…`); the channel is before.
    conversation: str = activity.conversation.id
    return TEAMS_PREFIX + str(channel or conversation.partition(";")[0])
