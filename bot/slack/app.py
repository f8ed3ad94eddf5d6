"""The Slack app: `/mlops-check` runs the interview in a thread. Listeners only translate.

Every listener acknowledges first and works after (Slack wants an answer within 3 seconds); the
service is synchronous (SQLAlchemy), so its calls run in worker threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.kwargs_injection.async_args import AsyncArgs
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient

from advisor import (
    Ask,
    Cancelled,
    Done,
    PilotStatus,
    Platform,
    Proposal,
    Reprompt,
    SessionStatus,
    Step,
    UseCase,
)
from advisor.portfolio import parse_use_case_number
from advisor.schedule import (
    ScheduleError,
    is_teams_channel,
    parse_channel_id,
    schedule_from_words,
)
from bot.blocking import call_service
from bot.jobs.follow_ups import changed_line
from bot.neutralise import clip, for_slack, from_slack_event
from bot.service import Advisor, Place, Proposer, Turn
from bot.settings import Settings
from bot.slack.blocks import (
    FORM_CALLBACK_ID,
    TEXT_FALLBACK_MAX,
    VIEW_BLOCKS_MAX,
    answer_position,
    form_error_text,
    form_root_blocks,
    form_view,
    help_blocks,
    portfolio_totals_blocks,
    question_blocks,
    root_blocks,
    use_case_list_blocks,
    verdict_blocks,
    verdict_metadata,
    verdict_text,
)
from bot.slack.form import (
    Finished,
    FormMeta,
    FormState,
    PageErrors,
    answers_from_values,
    new_form,
    page_questions,
    submit_page,
)
from bot.slack.inbox import INBOX_EVENT, InboxMiddleware, InboxProcessor, is_answer
from bot.slack.posting import FOLLOW_UP_ACTION_PREFIX
from bot.tasks import Tasks
from storage import NEW_SESSION

if TYPE_CHECKING:
    from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
    from sqlalchemy import Engine

__all__ = ["COMMAND", "create_slack_app"]

logger = logging.getLogger(__name__)

COMMAND: Final = "/mlops-check"
_ANSWER_ACTION: Final = re.compile(r"^mlops_answer")
_FOLLOW_UP_ACTION: Final = re.compile(rf"^{FOLLOW_UP_ACTION_PREFIX}:")
# Where the bot cannot post, Slack says so with one of these; the user is told what to do.
_CANNOT_POST: Final = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
)
_CANNOT_POST_TEXT: Final = (
    "I can't post in this channel. Invite me with `/invite @MLOps Advisor` and try again, "
    "or run /mlops-check in a direct message with me."
)
_APOLOGY: Final = (
    "Sorry, something went wrong on my side. Your answers so far are saved: reply in the "
    "thread to carry on, or try again in a minute."
)
_NOT_STORED: Final = (
    "Sorry, I could not take that just now: my database is not answering. Nothing of it was "
    "kept: please send it again in a minute."
)
_FILES: Final = (
    "I read typed answers only, not files: type your answer in this thread (a file's "
    "message counts when it has text)."
)
_FORM_CANNOT_POST_TEXT: Final = (
    "I can't post in the channel where you opened the form, so your check is here instead. "
    "Invite me there with `/invite @MLOps Advisor` to have the next one posted there."
)
# A press of a button whose question has moved on: a double click, a replay, an older message.
_ALREADY_ANSWERED: Final = "That question is already answered."
_FORM_RESENT: Final = "This page was already sent. Close the form and run /mlops-check form again."
_FORM_LOST: Final = (
    "Sorry, something went wrong on my side while storing the check you described in the "
    "form. Please try again in a minute with /mlops-check form."
)
_DIGEST_USAGE: Final = (
    f"`{COMMAND} digest subscribe #channel [weekly|biweekly|monthly] [mon..sun] [HH:MM]"
    " [Area/City]`, `digest unsubscribe #channel`, `digest list` or `digest preview`."
    " Defaults: weekly, on Monday, at 09:00 in your time zone."
)
_DIGEST_REFUSED: Final = (
    "Only the advisor's admins (MLOPS_ADVISOR_ADMINS) and the workspace's admins and owners may"
    " subscribe or unsubscribe channels. `digest list` and `digest preview` are open to all."
)
_DIGEST_NAME_NOT_LINK: Final = (
    "I got a channel name, not a channel: type `#` and pick the channel from the list Slack"
    " offers, so it becomes a link (or give the channel's id, such as C0123ABCD)."
)
_PREVIEW_CLIPPED: Final = "… (clipped: `mlops-advisor digest preview` shows it all)"
# A channel Slack linked in command text: <#C123|name> or <#C123>.
_CHANNEL_LINK: Final = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
_DEFAULT_TIME_ZONE: Final = "UTC"


def create_slack_app(
    settings: Settings,
    advisor: Advisor,
    *,
    socket_mode: bool = False,
    engine: Engine | None = None,
) -> AsyncApp:
    """The Bolt app with the advisor's listeners, on the settings' workspace token or, when
    `settings.oauth`, on each installing workspace's token (multi-workspace OAuth).

    OAuth keeps installations in the portfolio's database: `engine` is required then, on that
    database migrated to head. Every Web API client (listeners', the install flow's) uses
    `settings.slack_api_url`.
    """
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        # slack-sdk retries only connection errors by default; Slack's 429 (with Retry-After)
        # and passing 5xx answers deserve a retry too.
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )
    secret = settings.slack_signing_secret
    # OAuth only when the settings ask for it, with our stores. (Bolt also switches to OAuth on
    # its own, with files under the home directory, whenever SLACK_CLIENT_ID and
    # SLACK_CLIENT_SECRET exist in the environment, even empty: Settings ignores empty ones.)
    oauth = _oauth_settings(settings, engine)
    app = AsyncApp(
        # Bolt copies this client's base URL and retry handlers into each request's client, and
        # the install flow calls oauth.v2.access with it.
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        # Socket Mode's WebSocket is authenticated by the app token; there is nothing to sign.
        request_verification_enabled=not socket_mode,
        # Bolt answers Slack as soon as a listener returns, with no polling for the ack (its
        # default polls every 10 ms); our listeners ack and hand the work to a task (after_ack).
        process_before_response=True,
        # Given to the app as well as to the OAuth settings, so Bolt authorizes requests with
        # `client` (SLACK_API_URL) rather than a default client on slack.com.
        installation_store=oauth.installation_store if oauth else None,
        installation_store_bot_only=True if oauth else None,
        oauth_settings=oauth,
    )
    conversation = _Conversation(
        advisor, settings.mlops_advisor_admins, workspace_scoped=settings.oauth
    )
    inbox = InboxMiddleware(InboxProcessor(app, advisor), conversation.apologise_unstored)
    app.use(inbox.store_first)
    after_ack = conversation.after_ack
    app.command(COMMAND)(after_ack(conversation.on_command))
    app.event("message")(after_ack(conversation.on_message))
    app.action(_ANSWER_ACTION)(after_ack(conversation.on_button))
    app.action(_FOLLOW_UP_ACTION)(after_ack(conversation.on_follow_up_button))
    # A form page is validated before the ack (the ack carries the errors or the next page).
    app.view(FORM_CALLBACK_ID)(conversation.on_form_submit)
    app.view_closed(FORM_CALLBACK_ID)(after_ack(conversation.on_form_closed))
    app.event("app_home_opened")(after_ack(conversation.on_home_opened))
    app.error(conversation.on_error)
    return app


def _oauth_settings(settings: Settings, engine: Engine | None) -> AsyncOAuthSettings | None:
    """Bolt's OAuth settings when the settings ask for OAuth, else None."""
    if not settings.oauth:
        return None
    if engine is None:
        raise ValueError("OAuth keeps installations in the database: pass its engine")
    # Imported here: only OAuth needs slack-sdk's SQLAlchemy stores (and greenlet with them).
    from bot.slack.oauth import oauth_settings  # noqa: PLC0415

    return oauth_settings(settings, engine)


@dataclass(frozen=True, slots=True)
class _Thread:
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


class _Conversation:
    def __init__(
        self, advisor: Advisor, admins: frozenset[str], *, workspace_scoped: bool = False
    ) -> None:
        self._advisor = advisor
        self._admins = admins
        self._workspace_scoped = workspace_scoped
        self._tasks = Tasks()

    def after_ack(
        self, listener: Callable[..., Awaitable[None]]
    ) -> Callable[[AsyncArgs], Awaitable[None]]:
        """A listener that acks at once and does `listener`'s work in a task, after Slack has
        its answer. Failures of the work are reported like any listener's (`on_error`)."""
        wanted = list(inspect.signature(listener).parameters)

        async def acknowledge_then_work(args: AsyncArgs) -> None:
            await args.ack()
            work = self._reported(
                listener(**{name: getattr(args, name) for name in wanted}), args.body, args.client
            )
            if args.context.get(INBOX_EVENT) is None:
                self._tasks.spawn(work)
            else:
                # From the inbox, acknowledged long ago: the inbox waits for the work to be done
                # before it takes the thread's next request.
                await work

        return acknowledge_then_work

    async def _reported(
        self, work: Awaitable[None], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        try:
            await work
        except Exception as error:
            await self.on_error(error, body, client)

    # /mlops-check ------------------------------------------------------------------------

    async def on_command(
        self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        # Command text comes escaped like message text (&, <, >): decoded once, escaped on echo.
        verb, _, rest = from_slack_event(command.get("text") or "").strip().partition(" ")
        user = command["user_id"]
        match verb.lower():
            case "" | "new":
                await self._start(client, respond, command, title=rest.strip())
            case "form":
                # First, before any database work: the trigger id expires after 3 seconds.
                await self._open_form(client, command, title=rest.strip())
            case "list":
                mine = await call_service(self._advisor.use_cases, proposer_id=user, limit=20)
                await respond(
                    text="Your MLOps checks",
                    blocks=[b.to_dict() for b in use_case_list_blocks(mine, heading="Your checks")],
                    response_type="ephemeral",
                )
            case "show":
                await self._show(respond, user, rest.strip())
            case "delete":
                await self._delete(respond, user, rest.strip())
            case "digest":
                await self._digest(client, respond, command, rest.split())
            case _:
                await respond(
                    text="How to use /mlops-check",
                    blocks=[b.to_dict() for b in help_blocks()],
                    response_type="ephemeral",
                )

    async def _start(
        self,
        client: AsyncWebClient,
        respond: AsyncRespond,
        command: dict[str, Any],
        *,
        title: str,
    ) -> None:
        user, channel = command["user_id"], command["channel_id"]
        try:
            root = await client.chat_postMessage(
                channel=channel,
                text="An MLOps check has started.",
                blocks=[b.to_dict() for b in root_blocks(user, title or None)],
            )
        except SlackApiError as error:
            if error.response.get("error") in _CANNOT_POST:
                await respond(text=_CANNOT_POST_TEXT, response_type="ephemeral")
                return
            raise
        thread = _Thread(
            team=command.get("team_id", ""),
            channel=root["channel"],
            root_ts=root["ts"],
            proposer=user,
        )
        step: Step = await call_service(self._advisor.current, thread.key)
        if title:
            turn = await call_service(self._answer, thread, title)
            step = turn.step
        await self._post_step(client, thread, Turn(step=step))

    async def _show(self, respond: AsyncRespond, user: str, argument: str) -> None:
        use_case = await self._own_use_case(respond, user, argument)
        if use_case is None:
            return
        if use_case.latest is None:
            await respond(text="This check has no verdict yet.", response_type="ephemeral")
            return
        blocks = verdict_blocks(use_case.title, use_case.latest.assessment, use_case_id=use_case.id)
        await respond(
            text=verdict_text(use_case.title, use_case.latest.assessment),
            blocks=[b.to_dict() for b in blocks],
            response_type="ephemeral",
        )

    async def _delete(self, respond: AsyncRespond, user: str, argument: str) -> None:
        use_case = await self._own_use_case(respond, user, argument)
        if use_case is None:
            return
        deleted = await call_service(self._advisor.delete, use_case.id, actor=f"slack:{user}")
        text = f"Deleted check #{use_case.id}." if deleted else "That check was already deleted."
        await respond(text=text, response_type="ephemeral")

    async def _own_use_case(
        self, respond: AsyncRespond, user: str, argument: str
    ) -> UseCase | None:
        """The use case the user named, if it is theirs or they administer; else say why not."""
        number = parse_use_case_number(argument)
        if number is None:
            await respond(
                text="Give the check's number, e.g. `show 12`.", response_type="ephemeral"
            )
            return None
        use_case = (
            None if number.id is None else await call_service(self._advisor.use_case, number.id)
        )
        # Someone else's private answers never leak: an unknown and a foreign check look the same.
        if use_case is None or (use_case.proposer_id != user and user not in self._admins):
            await respond(text=f"You have no check #{number.typed}.", response_type="ephemeral")
            return None
        return use_case

    # Leadership digests: `/mlops-check digest …` ---------------------------------------------

    async def _digest(
        self,
        client: AsyncWebClient,
        respond: AsyncRespond,
        command: dict[str, Any],
        words: list[str],
    ) -> None:
        action = words[0].lower() if words else ""
        match action:
            case "subscribe" | "unsubscribe":
                user = command["user_id"]
                profile = await self._user_profile(client, user)
                if not self._may_administer(user, profile):
                    await respond(text=_DIGEST_REFUSED, response_type="ephemeral")
                    return
                if action == "subscribe":
                    text = await self._digest_subscribe(command, words[1:], profile)
                else:
                    text = await self._digest_unsubscribe(command, words[1:])
            case "list":
                text = await self._digest_list(command)
            case "preview":
                text = await self._digest_preview(command)
            case _:
                text = _DIGEST_USAGE
        await respond(text=text, response_type="ephemeral")

    def _digest_workspace(self, command: dict[str, Any]) -> str | None:
        # One workspace's bot keeps its subscriptions workspace-less, as the CLI does; with OAuth
        # each subscription belongs to the workspace it was made in.
        return (command.get("team_id") or None) if self._workspace_scoped else None

    async def _user_profile(self, client: AsyncWebClient, user: str) -> dict[str, Any]:
        """The asker's users.info (admin flags, time zone); empty when Slack will not say."""
        try:
            found = await client.users_info(user=user)
        except SlackApiError as error:
            logger.warning(
                "users.info failed for a digest command: %s", error.response.get("error")
            )
            return {}
        profile = found.get("user")
        return profile if isinstance(profile, dict) else {}

    def _may_administer(self, user: str, profile: dict[str, Any]) -> bool:
        if user in self._admins:
            return True
        return any(
            profile.get(flag) is True for flag in ("is_admin", "is_owner", "is_primary_owner")
        )

    async def _digest_subscribe(
        self, command: dict[str, Any], words: list[str], profile: dict[str, Any]
    ) -> str:
        if not words:
            return _DIGEST_USAGE
        channel, problem = _digest_channel(words[0])
        if channel is None:
            return problem
        try:
            schedule = schedule_from_words(
                words[1:], default_tz=str(profile.get("tz") or _DEFAULT_TIME_ZONE)
            )
        except ScheduleError as error:
            return f"{for_slack(str(error))}\n{_DIGEST_USAGE}"
        subscription = await call_service(
            self._advisor.subscribe_digest,
            channel_id=channel,
            workspace_id=self._digest_workspace(command),
            **schedule,
        )
        return (
            f"<#{subscription.channel_id}> gets the leadership digest "
            f"{for_slack(subscription.describe())}."
        )

    async def _digest_unsubscribe(self, command: dict[str, Any], words: list[str]) -> str:
        if len(words) != 1:
            return _DIGEST_USAGE
        channel, problem = _digest_channel(words[0])
        if channel is None:
            return problem
        removed = await call_service(
            self._advisor.unsubscribe_digest, channel, workspace_id=self._digest_workspace(command)
        )
        if not removed:
            return f"<#{channel}> has no digest subscription."
        return f"<#{channel}> gets no more digests."

    async def _digest_list(self, command: dict[str, Any]) -> str:
        workspace = self._digest_workspace(command)
        subscriptions = [
            subscription
            for subscription in await call_service(self._advisor.digest_subscriptions)
            if subscription.workspace_id == workspace
        ]
        if not subscriptions:
            return (
                f"No channel gets the digest yet. `{COMMAND} digest subscribe #channel` adds one."
            )
        lines = [
            f"• <#{subscription.channel_id}>: {for_slack(subscription.describe())}"
            for subscription in subscriptions
        ]
        return clip("*Leadership digests*\n" + "\n".join(lines), TEXT_FALLBACK_MAX)

    async def _digest_preview(self, command: dict[str, Any]) -> str:
        from bot.jobs.digest_text import render_text  # noqa: PLC0415 (jinja2)

        data = await call_service(
            self._advisor.digest_data, days=7, workspace_id=command.get("team_id") or None
        )
        # The terminal rendering, escaped for Slack: titles people typed can neither ping nor link.
        text = for_slack(render_text(data))
        return clip(text, TEXT_FALLBACK_MAX, note=_PREVIEW_CLIPPED)

    # Replies in a thread -------------------------------------------------------------------

    async def on_message(
        self,
        event: dict[str, Any],
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        # Bots (the advisor included), edits and deletions are not answers. Retries of an
        # answer never get here: the inbox took the first delivery and drops the others.
        if not is_answer(event):
            return
        thread = _Thread(
            team=body.get("team_id") or event.get("team", ""),
            channel=event["channel"],
            root_ts=event["thread_ts"],
            proposer=event["user"],
        )
        # Only the proposer's interview listens; other people's replies are theirs to make.
        if not await call_service(self._advisor.is_active, thread.key):
            await self._follow_up_reply(event, body, client, thread)
            return
        text = from_slack_event(event.get("text") or "")
        if not text.strip() and event.get("files"):
            await client.chat_postEphemeral(
                channel=thread.channel, user=thread.proposer, thread_ts=thread.root_ts, text=_FILES
            )
            return
        turn = await call_service(self._answer, thread, text, context.get(INBOX_EVENT))
        await self._post_step(client, thread, turn)

    async def on_button(
        self,
        *,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        container = body.get("container") or {}
        message = body.get("message") or {}
        root_ts = message.get("thread_ts") or container.get("thread_ts")
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        if not root_ts or not channel:
            return
        thread = _Thread(
            team=(body.get("team") or {}).get("id", ""),
            channel=channel,
            root_ts=root_ts,
            proposer=body["user"]["id"],
        )
        if not await call_service(self._advisor.is_active, thread.key):
            await respond(
                text="Only the person who started this check can answer it. "
                "Start your own with /mlops-check.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        pressed = await call_service(
            self._advisor.answer_button,
            thread.key,
            str(action.get("value") or ""),
            at=answer_position(str(action.get("action_id") or "")),
            proposer=Proposer(id=thread.proposer),
            place=thread.place,
            inbox_event=context.get(INBOX_EVENT),
        )
        if pressed is None:
            # Only the presser sees it, so pressing again and again posts nothing in the thread.
            await respond(text=_ALREADY_ANSWERED, response_type="ephemeral", replace_original=False)
            return
        await self._post_step(client, thread, pressed)

    # Follow-ups after a verdict (bot/jobs/follow_ups.py) -----------------------------------------

    async def _follow_up_reply(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, thread: _Thread
    ) -> None:
        """A reply in a thread with no interview: the proposer's answer to an open follow-up."""
        found = await call_service(self._advisor.open_follow_up, thread.channel, thread.root_ts)
        if found is None or found[1].proposer_id != thread.proposer:
            return
        event_id = body.get("event_id")
        if event_id and not await call_service(self._advisor.first_delivery, event_id):
            return
        text = from_slack_event(event.get("text") or "").strip()
        if not text:
            return
        await self._answer_follow_up(client, thread, found[0], found[1].id, text=text)

    async def on_follow_up_button(
        self,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        container = body.get("container") or {}
        message = body.get("message") or {}
        root_ts = message.get("thread_ts") or container.get("thread_ts")
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        user = (body.get("user") or {}).get("id")
        try:
            status = PilotStatus(str(action.get("value") or ""))
        except ValueError:
            return
        if not root_ts or not channel or not user:
            return
        found = await call_service(self._advisor.open_follow_up, channel, root_ts)
        if found is None or found[1].proposer_id != user:
            await respond(
                text="Only the person who proposed this check can answer its open follow-up.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        thread = _Thread(
            team=(body.get("team") or {}).get("id", ""),
            channel=channel,
            root_ts=root_ts,
            proposer=user,
        )
        await self._answer_follow_up(client, thread, found[0], found[1].id, status=status)

    async def _answer_follow_up(
        self,
        client: AsyncWebClient,
        thread: _Thread,
        follow_up_id: int,
        use_case_id: int,
        *,
        status: PilotStatus | None = None,
        text: str | None = None,
    ) -> None:
        done = await call_service(
            self._advisor.answer_follow_up,
            follow_up_id,
            use_case_id,
            actor=f"slack:{thread.proposer}",
            pilot_status=status,
            text=text,
        )
        if done is None:
            return  # answered already (a double click, or two replies at once)
        before, use_case, said = done
        assert use_case.latest is not None  # re-assessed in the same transaction
        await client.chat_postMessage(
            channel=thread.channel,
            thread_ts=thread.root_ts,
            text=changed_line(before, use_case.latest.assessment.tier, said),
        )

    def _answer(self, thread: _Thread, text: str, inbox_event: int | None = None) -> Turn:
        return self._advisor.answer(
            thread.key,
            text,
            proposer=Proposer(id=thread.proposer),
            place=thread.place,
            inbox_event=inbox_event,
        )

    async def _post_step(self, client: AsyncWebClient, thread: _Thread, turn: Turn) -> None:
        step = turn.step
        if isinstance(step, Ask | Reprompt):
            reason = step.reason if isinstance(step, Reprompt) else None
            example = step.example if isinstance(step, Reprompt) else None
            blocks = question_blocks(
                step.question, reason=reason, example=example, at=step.state.position
            )
            await client.chat_postMessage(
                channel=thread.channel,
                thread_ts=thread.root_ts,
                text=for_slack(step.question.prompt),
                blocks=[b.to_dict() for b in blocks],
            )
        elif isinstance(step, Done) and turn.use_case is not None:
            await self._post_verdict(client, thread, turn.use_case)
        elif isinstance(step, Cancelled):
            await client.chat_postMessage(
                channel=thread.channel,
                thread_ts=thread.root_ts,
                text="Cancelled. Nothing was stored. Run /mlops-check to start again.",
            )

    async def _post_verdict(
        self, client: AsyncWebClient, thread: _Thread, use_case: UseCase
    ) -> None:
        assert use_case.latest is not None  # stored with its assessment, in one transaction
        assessment = use_case.latest.assessment
        text = verdict_text(use_case.title, assessment)
        await client.chat_postMessage(
            channel=thread.channel,
            thread_ts=thread.root_ts,
            text=text,
            blocks=[
                b.to_dict()
                for b in verdict_blocks(use_case.title, assessment, use_case_id=use_case.id)
            ],
            metadata=verdict_metadata(use_case.id, assessment),
        )
        # The root message shows the verdict too, for whoever scrolls the channel.
        await client.chat_update(
            channel=thread.channel,
            ts=thread.root_ts,
            text=text,
            blocks=[
                b.to_dict()
                for b in root_blocks(
                    thread.proposer, use_case.title, tier=assessment.tier, use_case_id=use_case.id
                )
            ],
        )

    # The form: `/mlops-check form` ----------------------------------------------------------
    # The same interview as a paged modal (see bot/slack/form.py). The form's state lives in the
    # database under `FormMeta.key`; the modal's private_metadata only names it.

    async def _open_form(self, client: AsyncWebClient, command: dict[str, Any], title: str) -> None:
        form = new_form(self._advisor.catalogue, self._advisor.policy)
        meta = FormMeta(
            team=command.get("team_id", ""), channel=command["channel_id"], token=uuid.uuid4().hex
        )
        # The title was decoded with the rest of the command text: an input shows its initial
        # value literally, so it gets the text as typed.
        initial = {"title": title} if title else None
        await client.views_open(
            trigger_id=command["trigger_id"], view=self._form_page(form, meta, initial=initial)
        )

    def _form_page(
        self, form: FormState, meta: FormMeta, *, initial: dict[str, str] | None = None
    ) -> dict[str, Any]:
        questions = page_questions(self._advisor.catalogue, form, self._advisor.policy)
        return form_view(
            questions,
            page=form.number,
            private_metadata=meta.at_page(form.number).encode(),
            submit="Submit" if form.last else "Next",
            initial=initial,
        )

    async def on_form_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        # Answered within Slack's 3 seconds: the engine is pure, and the form's state is one
        # row read and one written. Storing the use case and posting come after the ack.
        meta = FormMeta.decode(view.get("private_metadata"))
        user = body["user"]["id"]
        if meta is None:
            logger.warning("a form submission without our private_metadata")
            await ack(response_action="clear")
            return
        key = meta.key(user)
        saved = await call_service(self._advisor.form_session, key)
        if saved is None:
            form, version = new_form(self._advisor.catalogue, self._advisor.policy), NEW_SESSION
        elif saved.status is SessionStatus.ACTIVE:
            form, version = FormState.model_validate(saved.data), saved.version
        else:
            await ack(response_action="clear")  # already finished (or closed) elsewhere
            return
        if meta.page != form.number:
            # An older page of this form (sent twice, or from another window): show the current.
            await ack(response_action="update", view=self._form_page(form, meta))
            return
        values = (view.get("state") or {}).get("values") or {}
        outcome = submit_page(
            self._advisor.catalogue, form, answers_from_values(values), self._advisor.policy
        )
        if isinstance(outcome, PageErrors):
            errors = {block: form_error_text(reason) for block, reason in outcome.errors.items()}
            await ack(response_action="errors", errors=errors)
            return
        finished = isinstance(outcome, Finished)
        stored = await call_service(
            self._advisor.save_form_session,
            key,
            outcome.form.model_dump(mode="json"),
            version=version,
            status=SessionStatus.FINISHED if finished else SessionStatus.ACTIVE,
        )
        if stored is None:
            await ack(response_action="errors", errors={form.page[0]: _FORM_RESENT})
            return
        if not isinstance(outcome, Finished):
            await ack(response_action="update", view=self._form_page(outcome.form, meta))
            return
        await ack(response_action="clear")
        self._tasks.spawn(self._finish_form_or_say_so(client, meta, user, key, outcome.proposal))

    async def _finish_form_or_say_so(
        self, client: AsyncWebClient, meta: FormMeta, user: str, key: str, proposal: Proposal
    ) -> None:
        try:
            await self._finish_form(client, meta, user, key, proposal)
        except Exception:
            # Nobody is looking at a closed modal: say so in a direct message, then report.
            logger.exception("a finished form could not be stored or posted")
            try:
                await client.chat_postMessage(channel=user, text=_FORM_LOST)
            except Exception:
                logger.exception("could not tell the user about the failure")

    async def _finish_form(
        self, client: AsyncWebClient, meta: FormMeta, user: str, key: str, proposal: Proposal
    ) -> None:
        """Post the root message where the form was opened (else in a DM), store, post verdict."""
        blocks = [b.to_dict() for b in form_root_blocks(user, proposal.title)]
        text = "An MLOps check has been described."
        try:
            root = await client.chat_postMessage(channel=meta.channel, text=text, blocks=blocks)
        except SlackApiError as error:
            if error.response.get("error") not in _CANNOT_POST:
                raise
            # Ephemeral messages need the bot in the channel too: a direct message it is.
            await client.chat_postMessage(channel=user, text=_FORM_CANNOT_POST_TEXT)
            root = await client.chat_postMessage(channel=user, text=text, blocks=blocks)
        thread = _Thread(team=meta.team, channel=root["channel"], root_ts=root["ts"], proposer=user)
        use_case = await call_service(
            self._advisor.store_proposal,
            proposal,
            proposer=Proposer(id=user),
            place=thread.place,
            session_key=key,
        )
        await self._post_verdict(client, thread, use_case)

    async def on_form_closed(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """Cancel: nothing is kept of a form given up, as of a cancelled chat interview."""
        await ack()
        meta = FormMeta.decode(view.get("private_metadata"))
        if meta is None:
            return
        key = meta.key(body["user"]["id"])
        saved = await call_service(self._advisor.form_session, key)
        if saved is not None and saved.status is SessionStatus.ACTIVE:
            await call_service(
                self._advisor.save_form_session,
                key,
                {},
                version=saved.version,
                status=SessionStatus.ABANDONED,
            )

    # App Home ------------------------------------------------------------------------------

    async def on_home_opened(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        mine = await call_service(self._advisor.use_cases, proposer_id=user, limit=40)
        blocks: list[Block] = []
        if user in self._admins:
            summary = await call_service(
                self._advisor.summary, workspace_id=event.get("team") or None
            )
            blocks += portfolio_totals_blocks(summary)
        blocks += use_case_list_blocks(
            mine,
            heading="Your MLOps checks",
            max_blocks=VIEW_BLOCKS_MAX - len(blocks),
            links=await self._thread_links(client, mine),
        )
        await client.views_publish(
            user_id=user, view={"type": "home", "blocks": [b.to_dict() for b in blocks]}
        )

    async def _thread_links(
        self, client: AsyncWebClient, use_cases: list[UseCase]
    ) -> dict[int, str]:
        """Permalinks to the checks' threads, asked of Slack together; a check whose thread is
        gone (or in another workspace) is listed without one."""

        async def link(use_case: UseCase) -> tuple[int, str | None]:
            try:
                found = await client.chat_getPermalink(
                    channel=use_case.channel_id or "", message_ts=use_case.thread_id or ""
                )
            except SlackApiError:
                return use_case.id, None
            return use_case.id, found.get("permalink")

        found = await asyncio.gather(
            *(
                link(use_case)
                for use_case in use_cases
                if use_case.platform is Platform.SLACK
                and use_case.channel_id
                and use_case.thread_id
            )
        )
        return {use_case_id: permalink for use_case_id, permalink in found if permalink}

    # Errors ----------------------------------------------------------------------------------

    async def on_error(
        self, error: Exception, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        # Logged once, here, with the traceback; the person gets a short apology. The interview
        # state was saved before anything was posted, so the next reply carries on.
        logger.error("a Slack listener failed", exc_info=error)
        try:
            await self._apologise(body, client)
        except Exception:  # the apology is a courtesy: its own failure must not hide the first
            logger.exception("could not tell the user about the failure")

    async def apologise_unstored(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Tell the person their request could not be stored (the database is down or silent)."""
        try:
            await self._apologise(body, client, text=_NOT_STORED)
        except Exception:
            logger.exception("could not tell the user that their request was not stored")

    async def _apologise(
        self, body: dict[str, Any], client: AsyncWebClient, *, text: str = _APOLOGY
    ) -> None:
        # Only ever for a request whose signature was checked (bot.web): the
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


def _digest_channel(word: str) -> tuple[str | None, str]:
    """The channel id of a linked channel (or a raw id); else None and what to do instead."""
    linked = _CHANNEL_LINK.fullmatch(word)
    if linked:
        return linked.group(1), ""
    if word.startswith("#") or is_teams_channel(word):
        # A Teams channel subscribes from Teams (or the command line), where it can be named.
        return None, _DIGEST_NAME_NOT_LINK
    try:
        return parse_channel_id(word), ""
    except ScheduleError:
        return None, _DIGEST_NAME_NOT_LINK
