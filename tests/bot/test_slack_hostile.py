"""The Slack endpoint against a hostile world: forged, malformed and oversized requests, replays,
crashes after the ack, answers racing each other, and answers in unusual message shapes."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from slack_double import (
    BOT_TOKEN,
    INTERVIEW_ANSWERS,
    SIGNING_SECRET,
    Server,
    SlackApiDouble,
    in_thread,
    message_event,
    sign,
    slash_command,
    wait,
)

from bot.service import Place, Proposer
from bot.slack.inbox import InboxProcessor


def start(server: Server, user: str = "U1") -> str:
    """slack_double.start for a test that starts several checks: the newest root's ts."""
    asked = len(in_thread(server))
    assert server.command(user_id=user).status_code == 200
    wait(lambda: len(in_thread(server)) > asked, "the first question")
    roots = [c for c in server.slack.calls("chat.postMessage") if not c.args.get("thread_ts")]
    return str(roots[-1].response["ts"])


def answer(server: Server, root_ts: str, text: str, **fields: Any) -> None:
    before = len(in_thread(server))
    assert server.post(message_event(text, thread_ts=root_ts, **fields)).status_code == 200
    wait(lambda: len(in_thread(server)) > before, f"the reply to {text!r}")


# --- forged requests: 401 before anything reads them -------------------------------------------

VICTIM_COMMAND = {
    "command": "/mlops-check",
    "text": "list",
    "user_id": "UVICTIM01",
    "channel_id": "CVICTIM01",
    "team_id": "T1",
    "trigger_id": "1.2.3",
}
VICTIM_EVENT = {
    "type": "event_callback",
    "event_id": "EvVICTIM",
    "team_id": "T1",
    "event": {
        "type": "message",
        "channel": "CVICTIM01",
        "user": "UVICTIM01",
        "text": "hello",
        "ts": "1700000001.000001",
        "thread_ts": "1700000000.000001",
    },
}


@pytest.mark.parametrize("timestamp", ["abc", "", "1700000000.5", "-1", "1e9", None])
def test_a_forged_request_is_refused_and_nothing_is_called(
    start_server: Callable[[], Server], timestamp: str | None
) -> None:
    server = start_server()
    form = {**VICTIM_COMMAND, "response_url": f"{server.slack.url}respond-ssrf"}
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    as_form = httpx.post(
        f"{server.url}/slack/events", content=urlencode(form), headers=headers, timeout=10
    )
    headers["Content-Type"] = "application/json"
    as_event = httpx.post(
        f"{server.url}/slack/events", content=json.dumps(VICTIM_EVENT), headers=headers, timeout=10
    )
    assert (as_form.status_code, as_event.status_code) == (401, 401)
    time.sleep(0.3)  # long enough for an error handler to have called out
    assert server.slack.calls() == []


def test_a_signature_made_with_another_secret_or_too_old_is_refused(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    request = slash_command("/mlops-check", "list")
    assert server.post(request, secret="not-the-secret").status_code == 401
    assert server.post(request, timestamp=int(time.time()) - 301).status_code == 401
    time.sleep(0.3)
    assert server.slack.calls() == []


def _fuzzed_bodies(rng: random.Random) -> Iterator[tuple[bytes, str]]:
    """Bodies an attacker or a broken proxy sends, with the content types they claim."""
    fixed = [
        b"{",
        b"\xff\xfe",
        b"[" * 100_000 + b"]" * 100_000,
        b"payload=%7B",
        b"payload=" + b"%5B" * 5000,
        b"",
        b"null",
        b"[]",
        b'"text"',
        b"command=%2Fmlops-check&text=list&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fx",
    ]
    types = ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
    for body in fixed:
        for content_type in types:
            yield body, content_type
    while True:
        size = rng.choice([0, 1, 7, 64, 512, 4096])
        yield rng.randbytes(size), rng.choice(types)


def test_a_thousand_fuzzed_unsigned_requests_get_400_or_401_and_one_short_log_line_each(
    start_server: Callable[[], Server], caplog: pytest.LogCaptureFixture
) -> None:
    server = start_server()
    rng = random.Random(20261201)
    statuses: set[int] = set()
    marker = "FUZZ-MARKER-IN-BODY"
    caplog.clear()
    with httpx.Client(timeout=10) as client, caplog.at_level(logging.INFO):
        for number, (body, content_type) in zip(range(1000), _fuzzed_bodies(rng), strict=False):
            headers = {"Content-Type": content_type} if content_type else {}
            if number % 3 == 0:
                headers |= {"X-Slack-Request-Timestamp": str(int(time.time()))}
                headers |= {"X-Slack-Signature": "v0=" + "f" * 64}
            sent = body + marker.encode() if number % 5 == 0 else body
            response = client.post(f"{server.url}/slack/events", content=sent, headers=headers)
            statuses.add(response.status_code)
    assert statuses <= {400, 401}
    records = [r for r in caplog.records if r.name.startswith(("bot", "slack_bolt", "uvicorn"))]
    assert len(records) <= 1000
    assert not [r for r in records if r.exc_info], "a traceback was logged"
    assert not [r for r in records if marker in r.getMessage()], "a body was logged"
    assert server.slack.calls() == []


@pytest.mark.parametrize(
    "body",
    [b"{", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b"payload=%7B", b"[]", b"null"],
)
def test_a_signed_body_that_is_not_slacks_gets_400(
    start_server: Callable[[], Server], body: bytes
) -> None:
    server = start_server()
    content_type = (
        "application/x-www-form-urlencoded" if body.startswith(b"pay") else "application/json"
    )
    headers = {"Content-Type": content_type, **sign(body, SIGNING_SECRET)}
    response = httpx.post(f"{server.url}/slack/events", content=body, headers=headers, timeout=10)
    assert response.status_code == 400
    assert server.slack.calls() == []


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    assert host is not None and port is not None
    with socket.create_connection((host, port), timeout=10) as connection:
        # A 10 MB body is announced and never sent: an answer proves nothing waited to read it.
        connection.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10000000\r\n\r\n"
        )
        answer_head = connection.recv(4096)
    assert answer_head.startswith(b"HTTP/1.1 413")


def test_a_chunked_body_over_the_limit_is_refused(start_server: Callable[[], Server]) -> None:
    server = start_server()

    def chunks() -> Iterator[bytes]:
        for _ in range(40):  # 40 × 64 KiB = 2.5 MiB, streamed without a Content-Length
            yield b"x" * 65536

    try:
        response = httpx.post(f"{server.url}/slack/events", content=chunks(), timeout=10)
    except httpx.TransportError:  # the server answered and closed while the client still sent
        return
    assert response.status_code == 413


# --- nothing acknowledged is lost --------------------------------------------------------------


def test_an_answer_acknowledged_before_a_crash_is_processed_after_the_restart(
    serve_with_lifespan: Callable[[], Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = serve_with_lifespan()
    root_ts = start(first)
    asked = len(in_thread(first))
    # The process "dies" between the ack and the work: nothing processes what it stored.
    with monkeypatch.context() as dead:
        dead.setattr(InboxProcessor, "drain_soon", lambda self, thread_key: None)
        response = first.post(message_event(INTERVIEW_ANSWERS[0], thread_ts=root_ts))
        assert response.status_code == 200
        time.sleep(0.3)
        assert len(in_thread(first)) == asked  # acknowledged, not answered
    serve_with_lifespan()  # the restart sweeps the inbox at start-up
    wait(lambda: len(in_thread(first)) > asked, "the next question after the restart")
    state = first.advisor.current(f"slack:T1:C1:{root_ts}:U1").state
    assert state.answers["title"] == INTERVIEW_ANSWERS[0]
    assert state.current == "origin"


def test_an_answer_applied_before_a_crash_is_not_applied_twice(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    root_ts = start(server)
    key = f"slack:T1:C1:{root_ts}:U1"
    stored = server.advisor.receive("event:EvCRASH", f"T1:C1:{root_ts}", "", {"kind": "test"})
    assert stored is not None
    event = server.advisor.take_next(f"T1:C1:{root_ts}", stale_after=timedelta(0))
    assert event is not None and event.id == stored
    place = Place()
    first = server.advisor.answer(
        key, INTERVIEW_ANSWERS[0], proposer=Proposer(id="U1"), place=place, inbox_event=stored
    )
    again = server.advisor.answer(
        key, INTERVIEW_ANSWERS[0], proposer=Proposer(id="U1"), place=place, inbox_event=stored
    )
    # The takeover tells where the interview is and changes nothing.
    assert again.step.kind == "ask"
    assert again.step.question.id == first.step.question.id  # type: ignore[union-attr]
    assert again.step.state == first.step.state


def test_a_replayed_command_starts_one_interview(start_server: Callable[[], Server]) -> None:
    server = start_server()
    request = slash_command(
        "/mlops-check", "", response_url=f"{server.slack.url}respond-replay", trigger_id="9.9.9"
    )
    assert server.post(request).status_code == 200
    server.settled()
    assert server.post(request).status_code == 200  # the same signed request, a minute later
    server.settled()
    roots = [c for c in server.slack.calls("chat.postMessage") if not c.args.get("thread_ts")]
    assert len(roots) == 1


def test_answers_sent_milliseconds_apart_are_applied_in_order(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    for attempt in range(5):
        root_ts = start(server, user=f"U{attempt}ORDER")
        before = len(in_thread(server))
        first = message_event(INTERVIEW_ANSWERS[0], thread_ts=root_ts, user=f"U{attempt}ORDER")
        second = message_event(INTERVIEW_ANSWERS[1], thread_ts=root_ts, user=f"U{attempt}ORDER")
        late = threading.Thread(target=_post_later, args=(server, second, 0.005))
        late.start()
        server.post(first)
        late.join()
        wait(lambda before=before: len(in_thread(server)) >= before + 2, "two replies")
        server.settled()
        state = server.advisor.current(f"slack:T1:C1:{root_ts}:U{attempt}ORDER").state
        assert state.answers["title"] == INTERVIEW_ANSWERS[0]
        assert state.history[:2] == ("title", "origin")


def _post_later(server: Server, request: Any, seconds: float) -> None:
    time.sleep(seconds)
    server.post(request)


# --- answers in other shapes -------------------------------------------------------------------


def test_a_reply_also_sent_to_the_channel_is_an_answer(start_server: Callable[[], Server]) -> None:
    server = start_server()
    root_ts = start(server)
    answer(server, root_ts, INTERVIEW_ANSWERS[0], subtype="thread_broadcast")
    assert server.advisor.current(f"slack:T1:C1:{root_ts}:U1").state.answers


def test_a_reply_with_a_file_is_answered_by_its_text_or_told_why_not(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    root_ts = start(server)
    files = [{"id": "F1", "name": "deck.pdf"}]
    server.post(message_event("", thread_ts=root_ts, subtype="file_share", files=files))
    [notice] = server.slack.wait_for("chat.postEphemeral", 1)
    assert "files" in notice.args["text"] and notice.args["user"] == "U1"
    answer(server, root_ts, INTERVIEW_ANSWERS[0], subtype="file_share", files=files)
    assert server.advisor.current(f"slack:T1:C1:{root_ts}:U1").state.answers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_real_kill_after_the_ack_loses_no_answer(
    slack_api: SlackApiDouble, migrated_url: str, tmp_path: Any
) -> None:
    """`mlops-advisor serve` killed with SIGKILL right after acknowledging an answer (inside the
    inbox's grace before processing): restarted, it posts the next question."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
        "DATABASE_URL": migrated_url,
    }
    command = [sys.executable, "-m", "bot", "serve", "--port", str(port), "--no-scheduler"]

    def serve() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)
        try:
            # A process starting on a busy machine (CI's two cores) may take a while.
            wait(lambda: _answers(f"{url}/healthz"), "the server to start", seconds=60)
        except AssertionError:
            process.kill()
            process.wait()
            raise
        return process

    def post(request: Any) -> int:
        return httpx.post(
            f"{url}/slack/events", content=request.body, headers=request.headers(), timeout=10
        ).status_code

    def asked() -> list[Any]:
        return [c for c in slack_api.calls("chat.postMessage") if c.args.get("thread_ts")]

    first = serve()
    try:
        assert (
            post(slash_command("/mlops-check", "", response_url=f"{slack_api.url}respond-k")) == 200
        )
        wait(asked, "the first question")
        root_ts = asked()[0].args["thread_ts"]
        assert post(message_event(INTERVIEW_ANSWERS[0], thread_ts=root_ts)) == 200
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert len(asked()) == 1  # killed before it answered
    second = serve()
    try:
        wait(lambda: len(asked()) == 2, "the next question after the restart")
        assert "idea come from" in asked()[1].args["text"]
    finally:
        second.terminate()
        second.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
