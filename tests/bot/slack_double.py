"""A recording fake of the Slack Web API and builders for signed requests as Slack sends them.

Layout: pytest runs with ``--import-mode=importlib`` and ``tests/`` has no ``__init__`` files, so
this module is not importable as ``tests.bot.slack_double``. ``tests/bot/conftest.py`` puts this
folder on ``sys.path`` (it is loaded before any test module of the folder) and wraps the double in
fixtures; test modules under ``tests/bot/`` then import helpers with
``from slack_double import ...``.
Nothing here ships with the app.

The double (`SlackApiDouble`) is a ``ThreadingHTTPServer`` on 127.0.0.1, port 0, in a background
thread. Point a ``WebClient(base_url=double.url)`` or ``SLACK_API_URL`` at it. It records every call
in order (`RecordedCall`) and answers like Slack for the methods the app uses; unknown methods get
``{"ok": false, "error": "unknown_method"}`` with HTTP 200, as Slack does. Failures are programmed
per method and consumed first in, first out: `fail_next`, `rate_limit_next`, `server_error_next`,
or the general `reply_next`. `set_reply` replaces a method's answer for good.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
APP_ID = "A1"
BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"
# What oauth.v2.access hands out: the workspace T9 installing the app through OAuth.
INSTALLED_TEAM_ID = "T9"
INSTALLED_BOT_TOKEN = "xoxb-installed"
INSTALLED_BOT_USER_ID = "UBOT9"
INSTALLER_USER_ID = "U9"

# Arguments that slack-sdk (and Slack) carry as JSON strings inside form-encoded bodies.
JSON_ARGUMENTS = frozenset(
    {"blocks", "attachments", "metadata", "view", "unfurls", "user_auth_blocks", "payload", "files"}
)


@dataclass(frozen=True)
class RecordedCall:
    """One request the double received. Header names are lower-cased."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    http_method: str
    status: int
    response: dict[str, Any]

    @property
    def token(self) -> str | None:
        """The token sent as ``Authorization: Bearer ...`` or, failing that, as ``token=``."""
        authorization = self.headers.get("authorization", "")
        if authorization.startswith("Bearer "):
            return authorization.removeprefix("Bearer ")
        token = self.args.get("token")
        return token if isinstance(token, str) else None


@dataclass(frozen=True)
class _Reply:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


class SlackApiDouble:
    """A recording fake of the Slack Web API on 127.0.0.1. Use as a context manager or start/stop.

    `channels` and `users` map ids to objects merged into the default answers of
    ``conversations.info`` and ``users.info`` (e.g. ``double.channels["C9"] = {"is_private": True,
    "is_member": False}``).
    """

    def __init__(self, *, retry_after: int = 1) -> None:
        self.retry_after = retry_after
        self.channels: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self._calls: list[RecordedCall] = []
        self._condition = threading.Condition()
        self._scripted: defaultdict[str, deque[_Reply]] = defaultdict(deque)
        self._replies: dict[str, _Reply] = {}
        self._ts_counter = itertools.count(1)
        self._view_counter = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> SlackApiDouble:
        if self._server is not None:
            raise RuntimeError("the Slack API double is already running")
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # Join handler threads on close, so no request outlives the test.
        server.daemon_threads = False
        server.block_on_close = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-api-double",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> SlackApiDouble:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL, with a trailing slash as slack-sdk expects: ``http://127.0.0.1:N/api/``."""
        if self._server is None:
            raise RuntimeError("the Slack API double is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    # --- programming answers ---------------------------------------------------------------

    def reply_next(
        self,
        method: str,
        body: Mapping[str, Any],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls to `method` with this status, body and headers."""
        reply = _Reply(status, dict(body), dict(headers or {}))
        with self._condition:
            self._scripted[method].extend([reply] * times)

    def fail_next(self, method: str, error: str, *, times: int = 1, **extra: Any) -> None:
        """Answer like Slack refusing a call: HTTP 200, ``{"ok": false, "error": error, ...}``."""
        self.reply_next(method, {"ok": False, "error": error, **extra}, times=times)

    def rate_limit_next(
        self, method: str, *, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer HTTP 429 with ``Retry-After`` (default: the double's `retry_after`)."""
        seconds = self.retry_after if retry_after is None else retry_after
        self.reply_next(
            method,
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": str(seconds)},
            times=times,
        )

    def server_error_next(self, method: str, *, times: int = 1, status: int = 500) -> None:
        """Answer HTTP 500 (or another 5xx) as Slack does when it is unwell."""
        self.reply_next(method, {"ok": False, "error": "fatal_error"}, status=status, times=times)

    def set_reply(self, method: str, body: Mapping[str, Any] | None) -> None:
        """Answer every later call to `method` with `body` (HTTP 200); None restores the default."""
        with self._condition:
            if body is None:
                self._replies.pop(method, None)
            else:
                self._replies[method] = _Reply(200, dict(body))

    # --- reading the recording -------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """The calls received so far, in order; only those to `method` if given."""
        with self._condition:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Wait until at least `count` calls to `method` arrived; return them all.

        Raises AssertionError (naming the calls seen) if they do not arrive within `timeout`.
        """
        with self._condition:
            arrived = self._condition.wait_for(
                lambda: sum(c.method == method for c in self._calls) >= count, timeout
            )
            if not arrived:
                seen = [c.method for c in self._calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s; received {seen}"
                )
            return [c for c in self._calls if c.method == method]

    def reset(self) -> None:
        """Forget the recording and every programmed answer."""
        with self._condition:
            self._calls.clear()
            self._scripted.clear()
            self._replies.clear()

    # --- answering -------------------------------------------------------------------------

    def _handle(
        self, method: str, args: dict[str, Any], headers: dict[str, str], http_method: str
    ) -> _Reply:
        with self._condition:
            scripted = self._scripted.get(method)
            if scripted:
                reply = scripted.popleft()
            elif method in self._replies:
                reply = self._replies[method]
            else:
                reply = self._default_reply(method, args, headers)
            self._calls.append(
                RecordedCall(method, args, headers, http_method, reply.status, reply.body)
            )
            self._condition.notify_all()
            return reply

    def _next_ts(self) -> str:
        micros = 100 * next(self._ts_counter)
        return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _default_reply(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> _Reply:
        handler = _DEFAULT_ANSWERS.get(method)
        if handler is None:
            return _Reply(200, {"ok": False, "error": "unknown_method"})
        authorization = headers.get("authorization", "")
        if method in _CLIENT_CREDENTIAL_METHODS:
            # The app authenticates with its client id and secret (HTTP Basic, as slack-sdk
            # sends them, or as arguments), not with a token.
            credentials = args.get("client_id") and args.get("client_secret")
            if not authorization.startswith("Basic ") and not credentials:
                return _Reply(200, {"ok": False, "error": "invalid_client_id"})
        elif not authorization.startswith("Bearer ") and not args.get("token"):
            return _Reply(200, {"ok": False, "error": "not_authed"})
        return _Reply(200, handler(self, args))

    def _message(self, args: Mapping[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": args.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if key in args:
                message[key] = args[key]
        return message

    def _view(self, args: Mapping[str, Any], default_type: str) -> dict[str, Any]:
        view = args.get("view")
        view = dict(view) if isinstance(view, Mapping) else {}
        view_id = args.get("view_id") or f"V{next(self._view_counter):08d}"
        return {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view.get("type", default_type),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": args.get("external_id", view.get("external_id", "")),
            "state": {"values": {}},
            "hash": f"{view_id}.hash",
            "root_view_id": view_id,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            **{k: v for k, v in view.items() if k not in {"blocks", "type"}},
        }


def _channel_error(args: Mapping[str, Any]) -> dict[str, Any] | None:
    if not args.get("channel"):
        return {"ok": False, "error": "channel_not_found"}
    return None


def _auth_test(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "url": "https://example.slack.com/",
        "team": "Example",
        "user": "mlops-advisor",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def _post_message(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    if error := _channel_error(args):
        return error
    ts = double._next_ts()
    return {"ok": True, "channel": args["channel"], "ts": ts, "message": double._message(args, ts)}


def _update(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    if error := _channel_error(args):
        return error
    if not args.get("ts"):
        return {"ok": False, "error": "message_not_found"}
    ts = str(args["ts"])
    return {
        "ok": True,
        "channel": args["channel"],
        "ts": ts,
        "text": args.get("text", ""),
        "message": double._message(args, ts),
    }


def _post_ephemeral(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    if error := _channel_error(args):
        return error
    if not args.get("user"):
        return {"ok": False, "error": "user_not_in_channel"}
    return {"ok": True, "message_ts": double._next_ts()}


def _views_open(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    if not args.get("trigger_id") and not args.get("interactivity_pointer"):
        return {"ok": False, "error": "invalid_arguments"}
    return {"ok": True, "view": double._view(args, "modal")}


def _views_update(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    if not args.get("view_id") and not args.get("external_id"):
        return {"ok": False, "error": "invalid_arguments"}
    return {"ok": True, "view": double._view(args, "modal")}


def _views_publish(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    if not args.get("user_id"):
        return {"ok": False, "error": "invalid_arguments"}
    return {"ok": True, "view": double._view(args, "home")}


def _conversations_info(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    if error := _channel_error(args):
        return error
    channel_id = str(args["channel"])
    channel: dict[str, Any] = {
        "id": channel_id,
        "name": f"channel-{channel_id.lower()}",
        "is_channel": not channel_id.startswith("D"),
        "is_group": False,
        "is_im": channel_id.startswith("D"),
        "is_private": False,
        "is_archived": False,
        "is_member": True,
        "context_team_id": TEAM_ID,
    }
    channel.update(double.channels.get(channel_id, {}))
    return {"ok": True, "channel": channel}


def _get_permalink(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    if error := _channel_error(args):
        return error
    if not args.get("message_ts"):
        return {"ok": False, "error": "message_not_found"}
    channel, ts = str(args["channel"]), str(args["message_ts"])
    return {
        "ok": True,
        "channel": channel,
        "permalink": f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}",
    }


def _users_info(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    if not args.get("user"):
        return {"ok": False, "error": "user_not_found"}
    user_id = str(args["user"])
    name = f"user-{user_id.lower()}"
    user: dict[str, Any] = {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": name,
        "real_name": name.title(),
        "deleted": False,
        "is_bot": user_id == BOT_USER_ID,
        "tz": "Europe/London",
        "tz_offset": 0,
        "profile": {"display_name": name, "real_name": name.title()},
    }
    user.update(double.users.get(user_id, {}))
    return {"ok": True, "user": user}


def _oauth_v2_access(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    # Any code is accepted; program `fail_next("oauth.v2.access", "invalid_code")` for a bad one.
    if not args.get("code"):
        return {"ok": False, "error": "invalid_code"}
    return {
        "ok": True,
        "app_id": APP_ID,
        "authed_user": {"id": INSTALLER_USER_ID},
        "scope": "chat:write,chat:write.public,commands,channels:history,groups:history,im:history,"
        "users:read",
        "token_type": "bot",
        "access_token": INSTALLED_BOT_TOKEN,
        "bot_user_id": INSTALLED_BOT_USER_ID,
        "team": {"id": INSTALLED_TEAM_ID, "name": "Installed Workspace"},
        "enterprise": None,
        "is_enterprise_install": False,
    }


# Methods Slack authenticates by the app's client id and secret rather than a token.
_CLIENT_CREDENTIAL_METHODS = frozenset({"oauth.v2.access"})


def _get_upload_url(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    if not args.get("filename") or not args.get("length"):
        return {"ok": False, "error": "invalid_arguments"}
    file_id = f"F{next(_ids):08d}"
    return {"ok": True, "upload_url": f"{double.url}upload.{file_id}", "file_id": file_id}


def _complete_upload(double: SlackApiDouble, args: Mapping[str, Any]) -> dict[str, Any]:
    files = args.get("files")
    if not isinstance(files, list) or not files:
        return {"ok": False, "error": "invalid_arguments"}
    return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}


_DEFAULT_ANSWERS = {
    "files.getUploadURLExternal": _get_upload_url,
    "files.completeUploadExternal": _complete_upload,
    "auth.test": _auth_test,
    "chat.postMessage": _post_message,
    "chat.update": _update,
    "chat.postEphemeral": _post_ephemeral,
    "views.open": _views_open,
    "views.update": _views_update,
    "views.publish": _views_publish,
    "conversations.info": _conversations_info,
    "chat.getPermalink": _get_permalink,
    "users.info": _users_info,
    "oauth.v2.access": _oauth_v2_access,
}


def _decode_json_arguments(args: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_ARGUMENTS & args.keys():
        value = args[key]
        if isinstance(value, str) and value[:1] in {"[", "{"}:
            # Invalid JSON stays a string: the test sees what was sent.
            with contextlib.suppress(json.JSONDecodeError):
                args[key] = json.loads(value)
    return args


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """Parse a form-encoded or JSON body as Slack would, decoding JSON-valued form arguments."""
    if not body:
        return {}
    if content_type.split(";", maxsplit=1)[0].strip().lower() == "application/json":
        parsed = json.loads(body)
        return _decode_json_arguments(dict(parsed) if isinstance(parsed, dict) else {})
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # A file's bytes, posted to files.getUploadURLExternal's upload URL (urllib labels
        # them form-encoded).
        return {"_raw": body}
    return _decode_json_arguments(dict(parse_qsl(text, keep_blank_values=True)))


def _handler_for(double: SlackApiDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # a silent client cannot hold `stop()` forever
        server_version = "SlackApiDouble/1"

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            method = parts.path.rstrip("/").rsplit("/", 1)[-1]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            args: dict[str, Any] = _decode_json_arguments(
                dict(parse_qsl(parts.query, keep_blank_values=True))
            )
            args.update(parse_body(body, self.headers.get("Content-Type", "")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = double._handle(method, args, headers, self.command)
            payload = json.dumps(reply.body).encode("utf-8")
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output clean."""

    return Handler


# --- signed requests as Slack sends them ------------------------------------------------------


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` for `body` (now if no timestamp)."""
    ts = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def retry_headers(num: int = 1, reason: str = "http_timeout") -> dict[str, str]:
    """The headers of Slack's n-th redelivery of an event."""
    return {"X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": reason}


@dataclass(frozen=True)
class SlackRequest:
    """A request body as Slack sends it, with the parsed payload kept for assertions."""

    body: bytes
    content_type: str
    payload: dict[str, Any]

    @property
    def text(self) -> str:
        """The body as a string, as `slack_bolt.BoltRequest(body=...)` takes it."""
        return self.body.decode("utf-8")

    def headers(
        self,
        secret: str = SIGNING_SECRET,
        *,
        timestamp: int | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> dict[str, str]:
        """Content-Type, the signature and, with `retry_num`, Slack's retry headers."""
        headers = {"Content-Type": self.content_type, **sign(self.body, secret, timestamp)}
        if retry_num is not None:
            headers.update(retry_headers(retry_num, retry_reason))
        return headers


_ids = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_ids):010d}"


def _form(fields: Mapping[str, Any]) -> SlackRequest:
    payload = {k: v for k, v in fields.items() if v is not None}
    body = urlencode(payload).encode("utf-8")
    return SlackRequest(body, "application/x-www-form-urlencoded", payload)


def _json(payload: dict[str, Any]) -> SlackRequest:
    return SlackRequest(json.dumps(payload).encode("utf-8"), "application/json", payload)


def _interaction(payload: dict[str, Any]) -> SlackRequest:
    body = urlencode({"payload": json.dumps(payload)}).encode("utf-8")
    return SlackRequest(body, "application/x-www-form-urlencoded", payload)


def slash_command(
    command: str = "/advisor",
    text: str = "",
    *,
    user_id: str = "U1",
    user_name: str = "alice",
    channel_id: str = "C1",
    channel_name: str = "general",
    team_id: str = TEAM_ID,
    team_domain: str = "example",
    trigger_id: str | None = None,
    response_url: str | None = None,
    api_app_id: str = APP_ID,
    **extra: str,
) -> SlackRequest:
    """A slash command, form-encoded. `payload` holds the fields (trigger_id, response_url...)."""
    return _form(
        {
            "token": "verification-token-unused",
            "team_id": team_id,
            "team_domain": team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url
            or f"https://hooks.slack.com/commands/{team_id}/{_unique('')}/secret",
            "trigger_id": trigger_id or f"{_unique('')}.{team_id}.trigger",
            **extra,
        }
    )


def event_callback(
    event: Mapping[str, Any],
    *,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_time: int | None = None,
) -> SlackRequest:
    """An Events API envelope around `event`, JSON. Reuse `event_id` to model a redelivery."""
    return _json(
        {
            "token": "verification-token-unused",
            "team_id": team_id,
            "api_app_id": api_app_id,
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or _unique("Ev"),
            "event_time": int(time.time()) if event_time is None else event_time,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def message_event(
    text: str,
    *,
    channel: str = "C1",
    user: str = "U1",
    ts: str | None = None,
    thread_ts: str | None = "1700000000.000100",
    channel_type: str = "channel",
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    **event_fields: Any,
) -> SlackRequest:
    """A ``message`` event, by default a reply in a thread. Pass ``thread_ts=None`` for none,
    ``bot_id=...``/``subtype=...`` through `event_fields` for bot messages or edits."""
    ts = ts or f"1700000001.{next(_ids):06d}"
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": team_id,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    event.update(event_fields)
    return event_callback(event, event_id=event_id, team_id=team_id)


def app_home_opened(
    user: str = "U1",
    *,
    tab: str = "home",
    channel: str = "D1",
    event_id: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """An ``app_home_opened`` event."""
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": f"1700000002.{next(_ids):06d}",
    }
    return event_callback(event, event_id=event_id, team_id=team_id)


def url_verification(challenge: str = "challenge-token") -> SlackRequest:
    """The handshake Slack sends when the Request URL is saved."""
    return _json({"token": "unused", "challenge": challenge, "type": "url_verification"})


def _user(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": f"user-{user_id.lower()}", "team_id": team_id}


def block_actions(
    action_id: str,
    value: str = "",
    *,
    block_id: str = "actions",
    user_id: str = "U1",
    channel: str = "C1",
    message_ts: str = "1700000000.000100",
    thread_ts: str | None = None,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    message: Mapping[str, Any] | None = None,
    response_url: str | None = None,
) -> SlackRequest:
    """A button click (``block_actions``) on a message, as ``payload=<json>``. Point
    `response_url` at the double (``f"{double.url}respond-…"``) to record what the app says
    through ``respond``."""
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": False,
    }
    if thread_ts is not None:
        container["thread_ts"] = thread_ts
    message_body: dict[str, Any] = (
        dict(message)
        if message is not None
        else {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": "",
            "ts": message_ts,
            "blocks": [],
        }
    )
    if thread_ts is not None:
        message_body.setdefault("thread_ts", thread_ts)
    return _interaction(
        {
            "type": "block_actions",
            "user": _user(user_id, team_id),
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "container": container,
            "trigger_id": trigger_id or f"{_unique('')}.{team_id}.trigger",
            "team": {"id": team_id, "domain": "example"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": f"channel-{channel.lower()}"},
            "message": message_body,
            "response_url": response_url
            or f"https://hooks.slack.com/actions/{team_id}/{_unique('')}/secret",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": action_id, "emoji": True},
                    "value": value,
                    "action_ts": f"1700000003.{next(_ids):06d}",
                }
            ],
        }
    )


def view_submission(
    callback_id: str,
    values: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    *,
    private_metadata: str = "",
    user_id: str = "U1",
    view_id: str = "V00000001",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
) -> SlackRequest:
    """A modal submission. `values` is ``state.values``: block_id -> action_id -> element state,
    e.g. ``{"title": {"input": {"type": "plain_text_input", "value": "Churn model"}}}``."""
    return _interaction(
        {
            "type": "view_submission",
            "team": {"id": team_id, "domain": "example"},
            "user": _user(user_id, team_id),
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "trigger_id": trigger_id or f"{_unique('')}.{team_id}.trigger",
            "view": {
                "id": view_id,
                "team_id": team_id,
                "type": "modal",
                "blocks": [],
                "private_metadata": private_metadata,
                "callback_id": callback_id,
                "state": {"values": {k: dict(v) for k, v in (values or {}).items()}},
                "hash": f"{view_id}.hash",
                "title": {"type": "plain_text", "text": "Advisor"},
                "root_view_id": view_id,
                "app_id": APP_ID,
                "external_id": "",
                "bot_id": BOT_ID,
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
    )


class ServedApp:
    """An ASGI app on a real uvicorn server on 127.0.0.1 (a free port), in a background thread,
    as Slack's requests reach it in production."""

    def __init__(self, app: Any, *, lifespan: str = "off") -> None:
        import socket

        import uvicorn

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@dataclass
class Server:
    """The Slack app served over HTTP, the advisor behind it, and the Slack double it calls."""

    url: str
    advisor: Any  # bot.service.Advisor
    slack: SlackApiDouble

    def post(self, request: Any, **header_options: Any) -> httpx.Response:
        """Send a request as Slack does: signed (or as `header_options` say)."""
        return httpx.post(
            f"{self.url}/slack/events",
            content=request.body,
            headers=request.headers(**header_options),
            timeout=10,
        )

    def settled(self, timeout: float = 10) -> None:
        """Wait until every request the app acknowledged is processed (its inbox is empty)."""
        deadline = time.monotonic() + timeout
        while self.advisor.waiting_threads(
            unclaimed_for=datetime.timedelta(0), stale_after=datetime.timedelta(0)
        ):
            assert time.monotonic() < deadline, "acknowledged requests still unprocessed"
            time.sleep(0.01)

    def command(self, text: str = "", **options: Any) -> httpx.Response:
        """`/mlops-check text`, its response_url on the double (recorded as `respond-…`)."""
        options.setdefault("response_url", f"{self.slack.url}respond-{time.monotonic_ns()}")
        return self.post(slash_command("/mlops-check", text, **options))


# Driving the Slack thread interview through a `Server`, as the reliability tests do.


def wait(condition: Callable[[], Any], what: str, seconds: float = 10) -> Any:
    """`condition()` once it is truthy, polled for up to `seconds` (AssertionError naming
    `what`)."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, f"waited for {what}"
        time.sleep(0.01)
    return result


def in_thread(server: Server) -> list[dict[str, Any]]:
    """The arguments of every message the app posted in a thread, in order."""
    return [c.args for c in server.slack.calls("chat.postMessage") if c.args.get("thread_ts")]


def start(server: Server, user: str = "U1") -> str:
    """`/mlops-check` by `user`; the ts of the thread's root once the first question is in it."""
    assert server.command(user_id=user).status_code == 200
    wait(lambda: in_thread(server), "the first question")
    [root] = [
        c
        for c in server.slack.calls("chat.postMessage")
        if c.status == 200 and not c.args.get("thread_ts")
    ]
    return str(root.response["ts"])


def interview(server: Server, root_ts: str, answers: list[str], user: str = "U1") -> None:
    """Reply with each answer in the thread, each time waiting for the app's reply."""
    for answer in answers:
        before = len(in_thread(server))
        response = server.post(message_event(answer, thread_ts=root_ts, user=user))
        assert response.status_code == 200
        wait(lambda before=before: len(in_thread(server)) > before, f"the reply to {answer!r}")


# A whole interview, answered as a proposer types (the chat, the service and the Slack thread
# tests drive it): a sound, small use case whose verdict is "lightweight".
INTERVIEW_ANSWERS = [
    "Spare-part demand per warehouse",
    "our team struggles",
    "Technicians wait for spare parts twice a month because fast movers run out.",
    "Head of service logistics",
    "Technician hours lost waiting",
    "300k",
    "50k",
    "60 a week",
    "monthly",
    "one",
    "batch",
    "1",
    "0",
    "yes",
    "no",
    "none",
    "The logistics analyst runs the weekly forecast and IT pages her on failure.",
    "skip",
]
