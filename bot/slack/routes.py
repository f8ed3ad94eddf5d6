"""Slack's HTTP routes: /slack/events (size, then signature, then shape checked before Bolt
sees a byte) and, with OAuth, the install flow; the inbox's sweeper for the web app's lifespan."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from typing import Any, Final

from slack_bolt.adapter.starlette.async_handler import (
    AsyncSlackRequestHandler,
    to_starlette_response,
)
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.request_body import BodyTooLarge, read_limited
from bot.service import Advisor
from bot.settings import Settings
from bot.slack.inbox import InboxProcessor, InboxSweeper

__all__ = ["inbox_sweeper", "slack_routes"]

logger = logging.getLogger(__name__)

# Slack's timestamps are whole seconds; anything else ("abc", "", "1700000000.5") is forged.
_TIMESTAMP: Final = re.compile(r"[0-9]{1,12}")
# Older requests are replays, as Slack and Bolt define them.
_REPLAY_WINDOW: Final = 60 * 5


def slack_routes(slack_app: AsyncApp, settings: Settings) -> list[Route]:
    """The Slack app's routes, checked against the settings' signing secret (without one every
    request is refused) and request size limit."""
    secret = settings.slack_signing_secret
    return _routes(
        slack_app,
        None if secret is None else secret.get_secret_value(),
        settings.mlops_advisor_max_request_bytes,
    )


def inbox_sweeper(slack_app: AsyncApp | None, advisor: Advisor) -> InboxSweeper | None:
    """The job that processes what dead processes left in Slack's inbox (bot.slack.inbox)."""
    if slack_app is None:
        return None
    return InboxSweeper(InboxProcessor(slack_app, advisor))


def _routes(slack_app: AsyncApp, signing_secret: str | None, max_bytes: int) -> list[Route]:
    handler = AsyncSlackRequestHandler(slack_app)
    secret = None if signing_secret is None else signing_secret.encode()

    async def slack_events(request: Request) -> Response:
        # Commands, events and interactivity all arrive here. Nothing reads the body, least of
        # all an error handler that answers on its response_url, before its signature is checked.
        try:
            body = await read_limited(request, max_bytes)
        except BodyTooLarge:
            logger.warning("refused a Slack request of over %d bytes", max_bytes)
            return PlainTextResponse("request body too large", status_code=413)
        # Without a signing secret nothing can be verified, so nothing is taken (serve refuses
        # to start so; an app built by hand must not quietly skip the check).
        if secret is None or not _signed(secret, body, request.headers):
            logger.warning("refused a Slack request with a missing, stale or wrong signature")
            return PlainTextResponse("invalid request", status_code=401)
        text = _parsed(body, request.headers.get("content-type"))
        if text is None:
            logger.warning("refused a signed Slack request whose body is not Slack's form or JSON")
            return PlainTextResponse("malformed request", status_code=400)
        bolt_request = AsyncBoltRequest(
            body=text, query=dict(request.query_params), headers=dict(request.headers)
        )
        return to_starlette_response(await slack_app.async_dispatch(bolt_request))

    async def oauth(request: Request) -> Response:
        # Bolt's OAuth flow: the install page issues a state (stored in the database, and set as
        # a cookie); the redirect checks both, exchanges the code and stores the installation.
        return await handler.handle(request)

    routes = [Route("/slack/events", slack_events, methods=["POST"])]
    flow = slack_app.oauth_flow
    if flow is not None:
        routes += [
            Route(flow.install_path, oauth, methods=["GET"]),
            Route(flow.redirect_uri_path, oauth, methods=["GET"]),
        ]
    return routes


def _signed(secret: bytes, body: bytes, headers: Any) -> bool:
    """Whether Slack signed this body, as Slack documents it (HMAC-SHA256 of
    `v0:{timestamp}:{body}`), within the last five minutes. Computed on the bytes: slack-sdk's
    verifier raises on a timestamp that is not a number and on a body that is not UTF-8."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not _TIMESTAMP.fullmatch(timestamp) or abs(time.time() - int(timestamp)) > _REPLAY_WINDOW:
        return False
    digest = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return hmac.compare_digest(f"v0={digest.hexdigest()}".encode(), signature.encode())


def _parsed(body: bytes, content_type: str | None) -> str | None:
    """The body as text if it is what Slack sends (a form, maybe with a JSON `payload`, or a
    JSON object); None for anything else."""
    try:
        text = body.decode("utf-8")
        parsed = parse_body(text, content_type)
    except (ValueError, RecursionError):  # bad UTF-8 or JSON; JSON nested beyond reason
        return None
    return text if isinstance(parsed, dict) else None
