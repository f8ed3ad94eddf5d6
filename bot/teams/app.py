"""The Teams app: `mlops-check` runs the interview in a 1:1 chat. Listeners only translate.

Built on Microsoft's Teams SDK (`microsoft-teams-apps`, the `teams` extra). The SDK validates
each activity's Bot Framework token (unless MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL, for local
development on loopback) and calls `on_message`; replies go to the activity's serviceUrl.
Activities arrive at POST /api/messages on the same Starlette app and port as Slack's requests
(`routes`). The service is synchronous (SQLAlchemy): its calls run in worker threads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import httpx
from microsoft_teams.api.activities import ActivityTypeAdapter
from microsoft_teams.api.activities.install_update.add import InstalledActivity
from microsoft_teams.api.activities.message import MessageActivity, MessageActivityInput
from microsoft_teams.api.clients.conversation import CreateConversationParams
from microsoft_teams.api.models.account import Account, ConversationAccount
from microsoft_teams.api.models.attachment import Attachment
from microsoft_teams.api.models.conversation import ConversationReference

# The SDK loads a .env file into the environment when imported; the advisor's settings come from
# the environment alone (bot.settings), so a stray .env must not change them behind its back.
os.environ.setdefault("PYTHON_DOTENV_DISABLED", "1")

with warnings.catch_warnings():
    # The SDK announces a preview feature (HTML widgets) at import; the advisor uses none.
    warnings.simplefilter("ignore", FutureWarning)
    from microsoft_teams.apps import ActivityContext, App
    from microsoft_teams.apps.activity_send import send_or_update_activity
    from microsoft_teams.apps.events import CoreActivity
from microsoft_teams.apps.http.adapter import HttpMethod, HttpRequest, HttpRouteHandler
from microsoft_teams.apps.utils import to_threaded_conversation_id
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from advisor import (
    Ask,
    Cancelled,
    Done,
    PilotStatus,
    Platform,
    Position,
    Reprompt,
    Step,
    UseCase,
)
from advisor.portfolio import parse_use_case_number
from advisor.schedule import TEAMS_PREFIX, ScheduleError, schedule_from_words
from bot.blocking import call_service
from bot.jobs.follow_ups import changed_line
from bot.neutralise import for_teams
from bot.request_body import BodyTooLarge, read_limited
from bot.service import Advisor, Place, Proposer, Turn
from bot.teams.cards import (
    ACTION_ANSWER,
    ACTION_FOLLOW_UP,
    ACTION_KEY,
    ACTION_START,
    CARD_CONTENT_TYPE,
    COMMAND,
    answer_position,
    help_text,
    question_card,
    question_text,
    start_card,
    use_case_list_text,
    verdict_card,
)

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.teams.digest import TeamsDigest

__all__ = ["MESSAGING_PATH", "TeamsBot", "TeamsSender"]

logger = logging.getLogger(__name__)

MESSAGING_PATH: Final = "/api/messages"
_APOLOGY: Final = (
    "Sorry, something went wrong on my side. Your answers so far are saved: answer again to "
    "carry on, or try again in a minute."
)
_CANCELLED: Final = f"Cancelled. Nothing was stored. Type **{COMMAND}** to start again."
_UNDER_WAY: Final = (
    "A check is under way; here is where we were. Answer it, or type **cancel** to drop it."
)
_NOT_STARTED: Final = f"Type **{COMMAND}** to start an MLOps check, or **help**."
_PRIVATE_CHAT_FAILED: Final = (
    "I couldn't open a private chat with you. Open a chat with MLOps Advisor (Apps, MLOps "
    f"Advisor, Chat) and type **{COMMAND}** there."
)
_DIGEST_USAGE: Final = (
    "**digest subscribe [weekly|biweekly|monthly] [mon..sun] [HH:MM] [Area/City]**, "
    "**digest unsubscribe**, **digest list** or **digest preview**. Defaults: weekly, on "
    "Monday, at 09:00 in your time zone."
)
_DIGEST_REFUSED: Final = (
    "Only the advisor's Teams admins (MLOPS_ADVISOR_TEAMS_ADMINS) may subscribe or unsubscribe "
    "a channel. **digest list** and **digest preview** are open to all."
)
# A press of a button whose question has moved on: a double click, a replay, an older card.
_ALREADY_ANSWERED: Final = "That question is already answered."
_FOLLOW_UP_CLOSED: Final = "That follow-up is answered already: thank you."
_DIGEST_WHERE: Final = "Digests go to a channel: mention me in the channel that should get them."
_CHANNEL_SCOPES: Final = frozenset({"channel", "groupChat"})
# Channel conversations have threads (a reply goes to `<id>;messageid=<root>`); group chats don't.
_THREADED: Final = ("@thread.tacv2", "@thread.skype")
# The Bot Connector throttles (429) and has bad moments (5xx): a few waits, then give up.
_SEND_ATTEMPTS: Final = 4
_SEND_BACKOFF_SECONDS: Final = 1.0
_RETRY_AFTER_MAX_SECONDS: Final = 60.0


def _message(text: str | None = None, card: dict[str, Any] | None = None) -> MessageActivityInput:
    activity = MessageActivityInput(text=text or "", text_format="markdown")
    if card is not None:
        activity.attachments = [Attachment(content_type=CARD_CONTENT_TYPE, content=card)]
    return activity


@dataclass(frozen=True, slots=True)
class _Chat:
    """A 1:1 chat with the bot: where the interview lives, and whose it is."""

    tenant: str
    conversation: str
    user: str
    user_name: str | None

    @property
    def key(self) -> str:
        return f"teams:{self.tenant}:{self.conversation}:{self.user}"

    @property
    def place(self) -> Place:
        return Place(
            platform=Platform.TEAMS, workspace_id=self.tenant or None, channel_id=self.conversation
        )


class _Routes:
    """The SDK's HttpServerAdapter, for routes on our own Starlette app (not the SDK's FastAPI
    server): Slack and Teams share one process and one port."""

    def __init__(self) -> None:
        self.handlers: dict[str, HttpRouteHandler] = {}

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        if method != "POST":
            raise ValueError(f"unsupported method {method} for {path}")
        self.handlers[path] = handler

    def serve_static(self, path: str, directory: str) -> None:
        raise NotImplementedError("the advisor serves no static pages")

    async def start(self, port: int) -> None:
        raise NotImplementedError("served by bot.web.create_web_app, not by the SDK")

    async def stop(self) -> None:
        return None


async def _activity(request: Request, max_bytes: int) -> dict[str, Any] | Response:
    """The request's activity (as JSON), or the 400/413 response that refuses it.

    A refusal is logged in one line that never quotes the body. A body that is JSON but no
    activity the SDK knows would fail inside the SDK, with a traceback and a 500. This runs
    before the SDK checks the token, as the SDK's own parsing does: the activity schema is
    public, so a 400 instead of a 401 tells a stranger nothing.
    """
    try:
        # MLOPS_ADVISOR_MAX_REQUEST_BYTES, as for Slack: a Teams message carries at most about
        # 28 KB of text, and the limit bounds what a stranger makes the server hold before the
        # token is even checked.
        body = await read_limited(request, max_bytes)
    except BodyTooLarge:
        return _refuse(413, "the body is too large")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # not JSON or not UTF-8; or nested beyond reason
        return _refuse(400, "the body is not JSON")
    if not isinstance(document, dict):
        return _refuse(400, "the body is not an activity")
    try:
        # As the SDK reads it (App.process_activity), so that what passes here passes there.
        core = CoreActivity.model_validate(document).model_dump(by_alias=True, exclude_none=True)
        ActivityTypeAdapter.validate_python(core)
    except (ValidationError, RecursionError):
        return _refuse(400, "the body is not an activity")
    return document


def _refuse(status: int, reason: str) -> Response:
    logger.warning("refused a request to %s (%d): %s", MESSAGING_PATH, status, reason)
    return JSONResponse({"error": reason}, status_code=status)


class TeamsSender:
    """The SDK app: it serves /api/messages (validating each activity's token) and sends
    proactive messages, such as digests, on the configured service URL."""

    def __init__(self, settings: Settings) -> None:
        self._service_url = settings.teams_service_url.rstrip("/")
        self._max_request_bytes = settings.mlops_advisor_max_request_bytes
        self._routes = _Routes()
        secret = settings.teams_client_secret
        self.insecure_local = settings.mlops_advisor_teams_insecure_local
        self.app = App(
            client_id=settings.teams_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            tenant_id=settings.teams_tenant_id,
            managed_identity_client_id=settings.teams_managed_identity_client_id,
            service_url=self._service_url,
            http_server_adapter=self._routes,
            messaging_endpoint=MESSAGING_PATH,
            dangerously_allow_unauthenticated_requests=self.insecure_local,
            # The advisor never acts as the user: no user-token lookup on every activity.
            fetch_user_token=False,
        )
        self._ready = asyncio.Lock()
        self._initialized = False

    @property
    def service_url(self) -> str:
        return self._service_url

    async def initialize(self) -> None:
        """Set up the SDK (token validation, the messaging route); once, on the serving loop."""
        if self._initialized:
            return  # every request and send asks: no lock once it is done
        async with self._ready:
            if not self._initialized:
                await self.app.initialize()
                self._initialized = True

    def routes(self) -> list[Route]:
        """POST /api/messages for the web app."""

        async def messages(request: Request) -> Response:
            await self.initialize()
            activity = await _activity(request, self._max_request_bytes)
            if isinstance(activity, Response):
                return activity
            handler = self._routes.handlers[MESSAGING_PATH]
            result = await handler(HttpRequest(body=activity, headers=dict(request.headers)))
            answer = result.get("body")
            if answer is None:
                return Response(status_code=result["status"])
            return JSONResponse(answer, status_code=result["status"])

        return [Route(MESSAGING_PATH, messages, methods=["POST"])]

    # Proactive messages ----------------------------------------------------------------------

    async def post_digest(
        self, conversation_id: str, digest: TeamsDigest, chart: dict[str, Any] | None
    ) -> str:
        """Post a digest to a channel: the summary card, then its sections and the chart as
        replies in its thread. Returns the summary's message id.

        Once the summary is posted the digest exists: a failure in its replies is logged, never
        raised, as raising would leave the period unposted and a retry would post it twice.
        """
        root = await self.send(conversation_id, card=digest.root_card)
        try:
            thread = (
                to_threaded_conversation_id(conversation_id, root)
                if conversation_id.endswith(_THREADED) and root.isdigit() and root != "0"
                else conversation_id
            )
            for card in [*digest.replies, *([chart] if chart else [])]:
                await self.send(thread, card=card)
        except Exception:
            logger.exception(
                "the digest %s in %s was posted without all of its details", root, conversation_id
            )
        return root

    async def send(
        self, conversation_id: str, *, text: str | None = None, card: dict[str, Any] | None = None
    ) -> str:
        """Send a message proactively to a conversation, on the configured service URL; waits
        out 429s and retries server errors a few times. Returns the new message's id."""
        await self.initialize()
        activity = _message(text, card)
        reference = ConversationReference(
            service_url=self._service_url,
            channel_id="msteams",
            bot=Account(id=self.app.id or "mlops-advisor"),
            conversation=ConversationAccount(id=conversation_id),
        )
        for attempt in range(1, _SEND_ATTEMPTS + 1):
            try:
                sent = await send_or_update_activity(self.app.api, activity, reference)
            except httpx.HTTPStatusError as error:
                status = error.response.status_code
                if attempt == _SEND_ATTEMPTS or not (status == 429 or status >= 500):
                    raise
                await asyncio.sleep(_retry_after(error.response, attempt))
                continue
            return str(sent.id)
        raise AssertionError("unreachable")  # pragma: no cover


class TeamsBot:
    """The advisor in Teams: the interview in 1:1 chats, the start card and digests in channels."""

    def __init__(self, settings: Settings, advisor: Advisor) -> None:
        self._advisor = advisor
        self._admins = settings.mlops_advisor_teams_admins
        self.sender = TeamsSender(settings)
        self.sender.app.on_message(self._on_message)
        self.sender.app.on_install_add(self._on_install)

    @property
    def insecure_local(self) -> bool:
        return self.sender.insecure_local

    def routes(self) -> list[Route]:
        """POST /api/messages for the web app."""
        return self.sender.routes()

    # Messages ------------------------------------------------------------------------------

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
                await ctx.send(_message(_APOLOGY))
            except Exception:
                logger.exception("could not tell the user about the failure")

    async def _on_install(self, ctx: ActivityContext[InstalledActivity]) -> None:
        """Added to a chat or a team: say what the advisor does there."""
        in_channel = ctx.activity.conversation.conversation_type in _CHANNEL_SCOPES
        try:
            await ctx.send(_message(help_text(in_channel=in_channel)))
        except Exception:
            logger.exception("could not greet a new installation")

    async def _handle(self, ctx: ActivityContext[MessageActivity]) -> None:
        activity = ctx.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        in_channel = activity.conversation.conversation_type in _CHANNEL_SCOPES
        if value.get(ACTION_KEY) == ACTION_START:
            await self._start_private(ctx)
            return
        if in_channel:
            await self._channel_command(ctx, _words(activity))
            return
        chat = _chat_of(activity, activity.conversation.id)
        if value.get(ACTION_KEY) == ACTION_FOLLOW_UP:
            try:
                status = PilotStatus(str(value.get("status") or ""))
            except ValueError:
                return
            if not await self._follow_up(ctx, chat, status=status):
                await ctx.send(_message(_FOLLOW_UP_CLOSED))
            return
        if value.get(ACTION_KEY) == ACTION_ANSWER:
            if await call_service(self._advisor.is_active, chat.key):
                await self._press(ctx, chat, str(value.get("value") or ""), answer_position(value))
            else:
                await ctx.send(_message("That check is finished. " + _NOT_STARTED))
            return
        text = _words(activity)
        verb, _, rest = text.partition(" ")
        active = await call_service(self._advisor.is_active, chat.key)
        if verb.lower().lstrip("/") in {COMMAND, "new"}:
            if active:
                await ctx.send(_message(_UNDER_WAY))
                await self._post_step(
                    ctx, Turn(step=await call_service(self._advisor.current, chat.key))
                )
                return
            await self._start(ctx, chat, title=rest.strip())
        elif active:
            await self._answer(ctx, chat, text)
        elif text.lower() == "list":
            mine = await call_service(self._advisor.use_cases, proposer_id=chat.user, limit=20)
            await ctx.send(_message(use_case_list_text(mine)))
        elif verb.lower() in {"show", "delete"}:
            await self._show_or_delete(ctx, chat, verb.lower(), rest)
        elif text.lower() in {"help", "?"}:
            await ctx.send(_message(help_text(in_channel=False)))
        elif not (text and await self._follow_up(ctx, chat, text=text)):
            await ctx.send(_message(_NOT_STARTED))

    async def _follow_up(
        self,
        ctx: ActivityContext[MessageActivity],
        chat: _Chat,
        *,
        status: PilotStatus | None = None,
        text: str | None = None,
    ) -> bool:
        """Answer the proposer's open follow-up in this chat; False if none."""
        found = await call_service(
            self._advisor.open_follow_up,
            chat.conversation,
            None,
            platform=Platform.TEAMS,
            proposer_id=chat.user,
        )
        if found is None:
            return False
        follow_up_id, use_case = found
        done = await call_service(
            self._advisor.answer_follow_up,
            follow_up_id,
            use_case.id,
            actor=f"teams:{chat.user}",
            pilot_status=status,
            text=text,
        )
        if done is None:
            return False  # answered a moment ago (a double click)
        before, updated, said = done
        assert updated.latest is not None  # re-assessed in the same transaction
        await ctx.send(_message(changed_line(before, updated.latest.assessment.tier, said)))
        return True

    async def _show_or_delete(
        self, ctx: ActivityContext[MessageActivity], chat: _Chat, verb: str, argument: str
    ) -> None:
        number = parse_use_case_number(argument)
        if number is None:
            await ctx.send(_message(f"Give the check's number, e.g. **{verb} 12**."))
            return
        use_case = (
            None if number.id is None else await call_service(self._advisor.use_case, number.id)
        )
        # Someone else's answers never leak: an unknown and a foreign check look the same.
        if use_case is None or use_case.proposer_id != chat.user:
            await ctx.send(_message(f"You have no check #{number.typed}."))
            return
        if verb == "show":
            if use_case.latest is None:
                await ctx.send(_message("This check has no verdict yet."))
            else:
                await ctx.send(_message(card=_verdict(use_case)))
            return
        deleted = await call_service(self._advisor.delete, use_case.id, actor=f"teams:{chat.user}")
        said = f"Deleted check #{use_case.id}." if deleted else "That check was already deleted."
        await ctx.send(_message(said))

    async def _start(
        self,
        ctx: ActivityContext[MessageActivity],
        chat: _Chat,
        *,
        title: str = "",
        to: ConversationReference | None = None,
    ) -> None:
        step: Step = await call_service(self._advisor.current, chat.key)
        if title:
            step = (await call_service(self._answer_turn, chat, title)).step
        await self._post_step(ctx, Turn(step=step), to=to)

    async def _answer(self, ctx: ActivityContext[MessageActivity], chat: _Chat, text: str) -> None:
        turn = await call_service(self._answer_turn, chat, text)
        await self._post_step(ctx, turn)

    async def _press(
        self,
        ctx: ActivityContext[MessageActivity],
        chat: _Chat,
        text: str,
        at: Position | None,
    ) -> None:
        pressed = await call_service(
            self._advisor.answer_button,
            chat.key,
            text,
            at=at,
            proposer=Proposer(id=chat.user, name=chat.user_name),
            place=chat.place,
        )
        if pressed is None:
            await ctx.send(_message(_ALREADY_ANSWERED))
            return
        await self._post_step(ctx, pressed)

    def _answer_turn(self, chat: _Chat, text: str) -> Turn:
        return self._advisor.answer(
            chat.key, text, proposer=Proposer(id=chat.user, name=chat.user_name), place=chat.place
        )

    async def _post_step(
        self,
        ctx: ActivityContext[MessageActivity],
        turn: Turn,
        *,
        to: ConversationReference | None = None,
    ) -> None:
        step = turn.step
        if isinstance(step, Ask | Reprompt):
            reason = step.reason if isinstance(step, Reprompt) else None
            example = step.example if isinstance(step, Reprompt) else None
            card = question_card(
                step.question, reason=reason, example=example, at=step.state.position
            )
            message = (
                _message(card=card)
                if card is not None
                else _message(question_text(step.question, reason=reason, example=example))
            )
            await ctx.send(message, to)
        elif isinstance(step, Done) and turn.use_case is not None:
            await ctx.send(_message(card=_verdict(turn.use_case)), to)
        elif isinstance(step, Cancelled):
            await ctx.send(_message(_CANCELLED), to)

    async def _start_private(self, ctx: ActivityContext[MessageActivity]) -> None:
        """The channel card's button: open (or reuse) the 1:1 chat and ask the first question."""
        activity = ctx.activity
        if activity.conversation.conversation_type not in _CHANNEL_SCOPES:
            chat = _chat_of(activity, activity.conversation.id)
            await self._start(ctx, chat)
            return
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
            await ctx.send(_message(_PRIVATE_CHAT_FAILED))
            return
        to = ConversationReference(
            service_url=activity.service_url or self.sender.service_url,
            channel_id=activity.channel_id,
            bot=activity.recipient,
            user=activity.from_,
            conversation=ConversationAccount(
                id=created.id, conversation_type="personal", tenant_id=tenant or None
            ),
        )
        chat = _chat_of(activity, created.id)
        if await call_service(self._advisor.is_active, chat.key):
            await ctx.send(_message(_UNDER_WAY), to)
        await self._start(ctx, chat, to=to)
        await ctx.send(_message("I've written to you in a private chat: the check goes on there."))

    # Digests in a channel ------------------------------------------------------------------

    async def _channel_command(self, ctx: ActivityContext[MessageActivity], text: str) -> None:
        words = text.split()
        verb = words[0].lower().lstrip("/") if words else ""
        if verb in {COMMAND, "new"}:
            await ctx.send(_message(card=start_card(ctx.activity.from_.name)))
        elif verb == "digest":
            await ctx.send(
                _message(await self._digest(ctx, [w.lower() for w in words[1:2]] + words[2:]))
            )
        else:
            await ctx.send(_message(help_text(in_channel=True)))

    async def _digest(self, ctx: ActivityContext[MessageActivity], words: list[str]) -> str:
        activity = ctx.activity
        action = words[0] if words else ""
        channel = _channel_of(activity)
        if action in {"subscribe", "unsubscribe"}:
            user = (activity.from_.aad_object_id or "").lower()
            if user not in self._admins:
                return _DIGEST_REFUSED
            if channel is None:
                return _DIGEST_WHERE
            if action == "unsubscribe":
                removed = await call_service(self._advisor.unsubscribe_digest, channel)
                return (
                    "This channel gets no more digests."
                    if removed
                    else "This channel has no digest subscription."
                )
            try:
                schedule = schedule_from_words(words[1:], default_tz=_time_zone_of(activity))
            except ScheduleError as error:
                return f"{for_teams(str(error))}\n\n{_DIGEST_USAGE}"
            subscription = await call_service(
                self._advisor.subscribe_digest, channel_id=channel, **schedule
            )
            return f"This channel gets the leadership digest {subscription.describe()}."
        if action == "list":
            subscriptions = [
                subscription
                for subscription in await call_service(self._advisor.digest_subscriptions)
                if subscription.workspace_id is None
            ]
            if not subscriptions:
                return "No channel gets the digest yet."
            lines = []
            for subscription in subscriptions:
                where = (
                    "this channel"
                    if subscription.channel_id == channel
                    else (subscription.channel_id)
                )
                lines.append(f"- {for_teams(where)}: {subscription.describe()}")
            return "**Leadership digests**\n\n" + "\n".join(lines)
        if action == "preview":
            from bot.teams.digest import render_teams_digest  # noqa: PLC0415 (jinja2)

            data = await call_service(self._advisor.digest_data, days=7)
            digest = render_teams_digest(data)
            for card in [digest.root_card, *digest.replies]:
                await ctx.send(_message(card=card))
            return "That is the digest of the last 7 days (a preview: nothing was posted)."
        return _DIGEST_USAGE


def _retry_after(response: httpx.Response, attempt: int) -> float:
    header = response.headers.get("Retry-After", "")
    try:
        wait = float(header)
    except ValueError:
        wait = _SEND_BACKOFF_SECONDS * 2 ** (attempt - 1)
    return min(max(wait, 0.0), _RETRY_AFTER_MAX_SECONDS)


def _verdict(use_case: UseCase) -> dict[str, Any]:
    assert use_case.latest is not None  # stored with its assessment, in one transaction
    return verdict_card(use_case.title, use_case.latest.assessment, use_case_id=use_case.id)


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


def _chat_of(activity: MessageActivity, conversation_id: str) -> _Chat:
    user = activity.from_
    return _Chat(
        tenant=_tenant_of(activity),
        conversation=conversation_id,
        user=(user.aad_object_id or user.id).lower(),
        user_name=user.name,
    )


def _channel_of(activity: MessageActivity) -> str | None:
    """The subscription id (`teams:<channel id>`) of the channel the activity came from."""
    if activity.conversation.conversation_type not in _CHANNEL_SCOPES:
        return None
    data = activity.channel_data
    channel = getattr(getattr(data, "channel", None), "id", None) if data else None
    # In a channel the conversation id names the thread (`…;messageid=…`); the channel is before.
    conversation: str = activity.conversation.id
    return TEAMS_PREFIX + str(channel or conversation.partition(";")[0])
