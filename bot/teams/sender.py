"""The Teams SDK's app on our web server: /api/messages (token checked) and proactive sends.

Built on Microsoft's Teams SDK (`microsoft-teams-apps`, the `teams` extra). The SDK validates
each activity's Bot Framework token (unless MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL, for local
development on loopback); replies go to the activity's serviceUrl. Activities arrive at POST
/api/messages on the same Starlette app and port as Slack's requests (`routes`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import warnings
from typing import TYPE_CHECKING, Any, Final

import httpx
from microsoft_teams.api.activities import ActivityTypeAdapter
from microsoft_teams.api.activities.message import MessageActivityInput
from microsoft_teams.api.models.account import Account, ConversationAccount
from microsoft_teams.api.models.attachment import Attachment
from microsoft_teams.api.models.conversation import ConversationReference

# The SDK loads a .env file into the environment when imported; the advisor's settings come from
# the environment alone (bot.settings), so a stray .env must not change them behind its back.
os.environ.setdefault("PYTHON_DOTENV_DISABLED", "1")

with warnings.catch_warnings():
    # The SDK announces a preview feature (HTML widgets) at import; the advisor uses none.
    warnings.simplefilter("ignore", FutureWarning)
    from microsoft_teams.apps import App
    from microsoft_teams.apps.activity_send import send_or_update_activity
    from microsoft_teams.apps.events import CoreActivity
from microsoft_teams.apps.http.adapter import HttpMethod, HttpRequest, HttpRouteHandler
from microsoft_teams.apps.utils import to_threaded_conversation_id
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.request_body import BodyTooLarge, read_limited
from bot.teams.cards import CARD_CONTENT_TYPE

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.teams.digest import TeamsDigest

__all__ = ["MESSAGING_PATH", "TeamsSender", "message"]

logger = logging.getLogger(__name__)

MESSAGING_PATH: Final = "/api/messages"
# Channel conversations have threads (a reply goes to `<id>;messageid=<root>`); group chats don't.
_THREADED: Final = ("@thread.tacv2", "@thread.skype")
# The Bot Connector throttles (429) and has bad moments (5xx): a few waits, then give up.
_SEND_ATTEMPTS: Final = 4
_SEND_BACKOFF_SECONDS: Final = 1.0
_RETRY_AFTER_MAX_SECONDS: Final = 60.0


def message(text: str | None = None, card: dict[str, Any] | None = None) -> MessageActivityInput:
    """A message with markdown text, or an Adaptive Card, or both."""
    activity = MessageActivityInput(text=text or "", text_format="markdown")
    if card is not None:
        activity.attachments = [Attachment(content_type=CARD_CONTENT_TYPE, content=card)]
    return activity


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
        activity = message(text, card)
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


def _retry_after(response: httpx.Response, attempt: int) -> float:
    header = response.headers.get("Retry-After", "")
    try:
        wait = float(header)
    except ValueError:
        wait = _SEND_BACKOFF_SECONDS * 2 ** (attempt - 1)
    return min(max(wait, 0.0), _RETRY_AFTER_MAX_SECONDS)
