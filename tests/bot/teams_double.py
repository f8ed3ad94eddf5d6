"""A recording fake of the Bot Connector (the Teams side of the Bot Framework) on 127.0.0.1, and
builders for the Activity JSON that Teams posts to a bot's /api/messages.

The double answers what the advisor calls: send to a conversation
(POST /v3/conversations/{id}/activities), reply in one (…/activities/{id}), update (PUT) and
create a conversation (POST /v3/conversations). Message ids are numeric, as Teams' are.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "BOT_ID",
    "TENANT",
    "BotConnectorDouble",
    "ConnectorCall",
    "channel_message",
    "personal_message",
]

BOT_ID = "28:00000000-0000-0000-0000-0000000000b0"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CHANNEL = "19:4f0c3a9e8d7b4c2a9e1f6d5c3b2a1f0e@thread.tacv2"


@dataclass
class ConnectorCall:
    """One request the advisor made."""

    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def conversation(self) -> str:
        """The conversation id in the path ("" for a create-conversation call)."""
        parts = self.path.split("/")
        return unquote(parts[3]) if len(parts) > 3 else ""

    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards attached to the activity sent."""
        return [
            attachment["content"]
            for attachment in self.body.get("attachments") or []
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    def shown(self) -> str:
        """Everything a person would read: the text and every string inside the cards."""
        strings: list[str] = [self.body.get("text") or ""]

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key not in {"type", "url", "$schema", "data"}:
                        walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
            elif isinstance(node, str):
                strings.append(node)

        walk(self.cards())
        return "\n".join(strings)


@dataclass
class _Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class BotConnectorDouble:
    """The fake Bot Connector: records every call, answers like the real one."""

    def __init__(self) -> None:
        self._calls: list[ConnectorCall] = []
        self._condition = threading.Condition()
        self._failures: deque[_Scripted] = deque()
        self._ids = itertools.count(1_700_000_000_001)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.refuse_new_conversations = False

    def __enter__(self) -> BotConnectorDouble:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = False
        server.block_on_close = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
        self._server = self._thread = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the double is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def fail_next(self, status: int, *, times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next `times` sends with `status` (429 with Retry-After, or a 5xx)."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        for _ in range(times):
            self._failures.append(_Scripted(status, headers))

    def calls(self) -> list[ConnectorCall]:
        with self._condition:
            return list(self._calls)

    def sent(self, conversation: str | None = None) -> list[ConnectorCall]:
        """The activities sent (not the conversations created), to one conversation or all."""
        return [
            call
            for call in self.calls()
            if call.path.endswith("/activities") or "/activities/" in call.path
            if conversation is None or call.conversation == conversation
        ]

    def wait_for_sent(self, count: int, timeout: float = 10.0) -> list[ConnectorCall]:
        deadline = time.monotonic() + timeout
        with self._condition:
            while len([c for c in self._calls if "/activities" in c.path]) < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"expected {count} sends, got {len(self.sent())}"
                self._condition.wait(remaining)
        return self.sent()

    def reset(self) -> None:
        with self._condition:
            self._calls.clear()

    def _answer(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._condition:
            self._calls.append(ConnectorCall(method, path, body, headers))
            self._condition.notify_all()
        if self._failures and "/activities" in path:
            failure = self._failures.popleft()
            return failure.status, {"error": {"code": "Throttled"}}, failure.headers
        if path.rstrip("/") == "/v3/conversations" and method == "POST":
            if self.refuse_new_conversations:
                return 403, {"error": {"code": "BotNotInConversationRoster"}}, {}
            return 201, {"id": f"a:1{uuid.uuid4().hex}", "serviceUrl": self.url}, {}
        return 201, {"id": str(next(self._ids))}, {}


def _handler_for(double: BotConnectorDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 10

        def do_POST(self) -> None:
            self._reply()

        def do_PUT(self) -> None:
            self._reply()

        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, answer, extra = double._answer(
                self.command, urlsplit(self.path).path, body, headers
            )
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output clean."""

    return Handler


# --- Activities as Teams posts them ------------------------------------------------------------


def _activity(
    service_url: str,
    conversation: dict[str, Any],
    *,
    text: str,
    user: str,
    user_name: str,
    activity_id: str | None,
    value: dict[str, Any] | None,
    entities: list[dict[str, Any]] | None = None,
    channel_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": "message",
        "id": activity_id or str(uuid.uuid4().int)[:13],
        "timestamp": "2026-11-27T09:00:00.000Z",
        "localTimezone": "Europe/Amsterdam",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{user}", "name": user_name, "aadObjectId": user},
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": "MLOps Advisor"},
        "text": text,
        "textFormat": "plain",
        "locale": "en-GB",
        "channelData": channel_data or {"tenant": {"id": TENANT}},
    }
    if entities:
        activity["entities"] = entities
    if value is not None:
        activity["value"] = value
    return activity


def personal_message(
    service_url: str,
    text: str = "",
    *,
    user: str = "8d1f0b6e-3c2a-4b5d-9e7f-0a1b2c3d4e5f",
    user_name: str = "Ada Lovelace",
    conversation_id: str | None = None,
    activity_id: str | None = None,
    value: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message in the 1:1 chat between `user` and the bot (or a card button's submit)."""
    conversation = {
        "id": conversation_id or f"a:1personal-{user}",
        "conversationType": "personal",
        "tenantId": TENANT,
    }
    return _activity(
        service_url,
        conversation,
        text=text,
        user=user,
        user_name=user_name,
        activity_id=activity_id,
        value=value,
    )


def channel_message(
    service_url: str,
    text: str = "",
    *,
    user: str = "8d1f0b6e-3c2a-4b5d-9e7f-0a1b2c3d4e5f",
    user_name: str = "Ada Lovelace",
    activity_id: str | None = None,
    value: dict[str, Any] | None = None,
    channel: str = CHANNEL,
) -> dict[str, Any]:
    """A channel message that mentions the bot first (`<at>MLOps Advisor</at> text`), as Teams
    delivers channel messages to a bot; or a card button's submit in the channel."""
    root = activity_id or str(uuid.uuid4().int)[:13]
    conversation = {
        "id": f"{channel};messageid={root}",
        "conversationType": "channel",
        "isGroup": True,
        "tenantId": TENANT,
    }
    mention = {
        "type": "mention",
        "text": "<at>MLOps Advisor</at>",
        "mentioned": {"id": BOT_ID, "name": "MLOps Advisor"},
    }
    return _activity(
        service_url,
        conversation,
        text=f"<at>MLOps Advisor</at> {text}" if value is None else "",
        user=user,
        user_name=user_name,
        activity_id=root,
        value=value,
        entities=None if value is not None else [mention],
        channel_data={
            "tenant": {"id": TENANT},
            "team": {"id": "19:team@thread.tacv2"},
            "channel": {"id": channel},
        },
    )
