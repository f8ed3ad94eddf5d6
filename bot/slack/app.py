"""The Slack app: `/mlops-check` runs the interview in a thread. Listeners only translate.

Every listener acknowledges first and works after (Slack wants an answer within 3 seconds); the
service is synchronous (SQLAlchemy), so its calls run in worker threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from advisor import Ask, Cancelled, Done, Platform, Reprompt, Step, UseCase
from bot.neutralise import for_slack, from_slack_event
from bot.service import Advisor, Place, Proposer, Turn
from bot.settings import Settings
from bot.slack.blocks import (
    help_blocks,
    question_blocks,
    root_blocks,
    use_case_list_blocks,
    verdict_blocks,
    verdict_metadata,
    verdict_text,
)

__all__ = ["COMMAND", "create_slack_app"]

logger = logging.getLogger(__name__)

COMMAND: Final = "/mlops-check"
_ANSWER_ACTION: Final = re.compile(r"^mlops_answer")
# Where the bot cannot post, Slack says so with one of these; the user is told what to do.
_CANNOT_POST: Final = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
)
_CANNOT_POST_TEXT: Final = (
    "I can't post in this channel. Invite me with `/invite @MLOps Advisor` and try again, "
    "or run /mlops-check in a direct message with me."
)
_T = TypeVar("_T")


def create_slack_app(
    settings: Settings, advisor: Advisor, *, socket_mode: bool = False
) -> AsyncApp:
    """The Bolt app with the advisor's listeners, on the settings' workspace token."""
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
    app = AsyncApp(
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        # Socket Mode's WebSocket is authenticated by the app token; there is nothing to sign.
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        # Explicitly no OAuth: Bolt would switch to it on its own when SLACK_CLIENT_ID is set.
        installation_store=None,
        oauth_settings=None,
    )
    conversation = _Conversation(advisor, settings.mlops_advisor_admins)
    app.command(COMMAND)(conversation.on_command)
    app.event("message")(conversation.on_message)
    app.action(_ANSWER_ACTION)(conversation.on_button)
    app.event("app_home_opened")(conversation.on_home_opened)
    app.error(conversation.on_error)
    return app


async def _work(function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    # The service talks to the database synchronously: keep it off the event loop.
    return await asyncio.to_thread(function, *args, **kwargs)


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
    def __init__(self, advisor: Advisor, admins: frozenset[str]) -> None:
        self._advisor = advisor
        self._admins = admins

    # /mlops-check ------------------------------------------------------------------------

    async def on_command(
        self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        verb, _, rest = (command.get("text") or "").strip().partition(" ")
        user = command["user_id"]
        match verb.lower():
            case "" | "new":
                await self._start(client, respond, command, title=rest.strip())
            case "list":
                mine = await _work(self._advisor.use_cases, proposer_id=user, limit=20)
                await respond(
                    text="Your MLOps checks",
                    blocks=[b.to_dict() for b in use_case_list_blocks(mine, heading="Your checks")],
                    response_type="ephemeral",
                )
            case "show":
                await self._show(respond, user, rest.strip())
            case "delete":
                await self._delete(respond, user, rest.strip())
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
        step: Step = await _work(self._advisor.current, thread.key)
        if title:
            turn = await _work(self._answer, thread, title)
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
        deleted = await _work(self._advisor.delete, use_case.id, actor=f"slack:{user}")
        text = f"Deleted check #{use_case.id}." if deleted else "That check was already deleted."
        await respond(text=text, response_type="ephemeral")

    async def _own_use_case(
        self, respond: AsyncRespond, user: str, argument: str
    ) -> UseCase | None:
        """The use case the user named, if it is theirs or they administer; else say why not."""
        if not argument.isdigit():
            await respond(
                text="Give the check's number, e.g. `show 12`.", response_type="ephemeral"
            )
            return None
        use_case = await _work(self._advisor.use_case, int(argument))
        # Someone else's private answers never leak: an unknown and a foreign check look the same.
        if use_case is None or (use_case.proposer_id != user and user not in self._admins):
            await respond(text=f"You have no check #{argument}.", response_type="ephemeral")
            return None
        return use_case

    # Replies in a thread -------------------------------------------------------------------

    async def on_message(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        # Bots (the advisor included), edits and deletions are not answers.
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        root_ts = event.get("thread_ts")
        if not root_ts or root_ts == event.get("ts"):
            return
        thread = _Thread(
            team=body.get("team_id") or event.get("team", ""),
            channel=event["channel"],
            root_ts=root_ts,
            proposer=event["user"],
        )
        # Only the proposer's interview listens; other people's replies are theirs to make.
        if not await _work(self._advisor.is_active, thread.key):
            return
        # Slack retries an event it thinks was lost; a retry may land on another replica.
        event_id = body.get("event_id")
        if event_id and not await _work(self._advisor.first_delivery, event_id):
            return
        turn = await _work(self._answer, thread, from_slack_event(event.get("text") or ""))
        await self._post_step(client, thread, turn)

    async def on_button(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
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
        if not await _work(self._advisor.is_active, thread.key):
            await respond(
                text="Only the person who started this check can answer it. "
                "Start your own with /mlops-check.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        turn = await _work(self._answer, thread, str(action.get("value") or ""))
        await self._post_step(client, thread, turn)

    def _answer(self, thread: _Thread, text: str) -> Turn:
        return self._advisor.answer(
            thread.key, text, proposer=Proposer(id=thread.proposer), place=thread.place
        )

    async def _post_step(self, client: AsyncWebClient, thread: _Thread, turn: Turn) -> None:
        step = turn.step
        if isinstance(step, Ask | Reprompt):
            reason = step.reason if isinstance(step, Reprompt) else None
            example = step.example if isinstance(step, Reprompt) else None
            blocks = question_blocks(step.question, reason=reason, example=example)
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
        await client.chat_postMessage(
            channel=thread.channel,
            thread_ts=thread.root_ts,
            text=verdict_text(use_case.title, assessment),
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
            text=verdict_text(use_case.title, assessment),
            blocks=[
                b.to_dict()
                for b in root_blocks(
                    thread.proposer, use_case.title, tier=assessment.tier, use_case_id=use_case.id
                )
            ],
        )

    # App Home ------------------------------------------------------------------------------

    async def on_home_opened(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        mine = await _work(self._advisor.use_cases, proposer_id=user, limit=40)
        blocks = use_case_list_blocks(mine, heading="Your MLOps checks", max_blocks=100)
        await client.views_publish(
            user_id=user, view={"type": "home", "blocks": [b.to_dict() for b in blocks]}
        )

    # Errors ----------------------------------------------------------------------------------

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        # Logged once, here, with the traceback; the person gets a short apology. The interview
        # state was saved before anything was posted, so the next reply carries on.
        logger.error("a Slack listener failed", exc_info=error)
        response_url = body.get("response_url")
        if response_url:
            from slack_sdk.webhook.async_client import AsyncWebhookClient  # noqa: PLC0415

            await AsyncWebhookClient(response_url).send(
                text="Sorry, something went wrong on my side. Your answers are saved: "
                "reply in the thread to carry on, or try again in a minute.",
                response_type="ephemeral",
            )
