"""The advisor in Microsoft's own Teams client emulator: `make test-teams-client`.

Starts `mlops-advisor serve` (Teams alone, MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL, an embedded SQLite
database in a temporary folder) on a free loopback port and the Microsoft 365 Agents Playground
(Microsoft's emulator of the Teams client and the Bot Connector, from npm, pinned in
package-lock.json) pointed at it. Then it drives the Playground's web page in Debian's Chromium,
headless, through Playwright (which never downloads a browser here), as a person would: help,
list, a whole interview (typed answers, card buttons), the verdict card, list again, the greeting
in a group chat, and in a channel an @mention whose start card opens the private chat.

Each step asserts on the text on the page and saves a screenshot in screenshots/ beside this
file (git-ignored). The first failure ends the run with exit status 1, a screenshot of the page
(failed.png) and the end of both servers' logs. Not collected by pytest: `make test` needs no
browser and no npm.

    python tests/teams_client/check_in_playground.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, Route, ViewportSize, sync_playwright

from advisor import Tier

HERE = Path(__file__).resolve().parent
PLAYGROUND_CLI = HERE / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
CONFIG = HERE / "playground.yml"  # the mock tenant: these names come from it
BOT = "MLOps Advisor"
USER = "Alex Wilber"
GROUP_CHAT = "Forecasting group"
TEAM = "Operations"
# As the machine's notes ask of every headless Chromium here: no background connections out.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
REPLY_SECONDS = 20.0
START_SECONDS = 60.0

# The interview, as tests/bot/slack_double.py's INTERVIEW_ANSWERS answer it: ("type", words) or
# ("press", a card button's title), and words of the question that must come next.
INTERVIEW = [
    ("type", "mlops-check", "What do you want to call this use case?"),
    ("type", "Spare-part demand per warehouse", "Where did the idea come from?"),
    (
        "press",
        "A business need: a team or customers feel the pain",
        "What business problem does it solve, and for whom?",
    ),
    (
        "type",
        "Technicians wait for spare parts twice a month because fast movers run out.",
        "Who owns the outcome on the business side?",
    ),
    ("type", "Head of service logistics", "Which KPI will move if this works"),
    ("type", "Technician hours lost waiting", "Roughly what is it worth per year, in euros?"),
    ("type", "300k", "what will it cost per year to build and run"),
    ("type", "50k", "How many new data points"),
    # Eight choices: more than a card shows as buttons, so they are listed and typed.
    ("type", "60 a week", "How often would the model need retraining?"),
    ("type", "monthly", "How many models would you run?"),
    ("type", "one", "How are predictions delivered?"),
    ("press", "Batch, on a schedule", "How many data scientists can work on it?"),
    ("type", "1", "How many ML or data engineers would run it in production?"),
    ("type", "0", "Do you already have access to the data you need?"),
    ("press", "Yes", "Are there open security or compliance gaps"),
    ("press", "No", "Is there a pilot already?"),
    ("press", "No pilot yet", "After go-live, who runs it"),
    (
        "type",
        "The logistics analyst runs the weekly forecast and IT pages her on failure.",
        "Anything else the reviewers should know?",
    ),
    ("type", "skip", "Recommended setup"),
]


class CheckFailed(AssertionError):
    """What the page showed is not what a person should see."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(what: str, ready: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise CheckFailed(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.2)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def process(command: list[str], *, log: Path, **options: Any) -> Iterator[subprocess.Popen[bytes]]:
    """A child in a session of its own (its children too), ended with it."""
    with log.open("wb") as output:
        child = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True, **options
        )
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


def alive(child: subprocess.Popen[bytes], name: str) -> None:
    if child.poll() is not None:
        raise CheckFailed(f"{name} exited with status {child.returncode}")


@contextmanager
def advisor(work: Path) -> Iterator[str]:
    """`mlops-advisor serve` for Teams alone on a free loopback port; its messaging endpoint."""
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        # The Teams SDK reads CLIENT_ID, CLIENT_SECRET and TENANT_ID itself.
        if not name.startswith(
            ("SLACK_", "TEAMS_", "MLOPS_ADVISOR_", "DATABASE_URL", "CLIENT_", "TENANT_")
        )
    }
    env |= {
        "MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL": "true",
        "DATABASE_URL": f"sqlite:///{work / 'advisor.db'}",
    }
    command = [
        str(Path(sys.executable).with_name("mlops-advisor")),
        "serve",
        "--host=127.0.0.1",
        f"--port={port}",
        "--no-scheduler",
    ]
    with process(command, log=work / "serve.log", env=env) as child:
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            alive(child, "mlops-advisor serve")
            return answers(f"{base}/healthz")

        wait_until("mlops-advisor serve to answer /healthz", healthy, START_SECONDS)
        yield f"{base}/api/messages"


@contextmanager
def playground(work: Path, endpoint: str) -> Iterator[str]:
    """The Agents Playground, forwarding to `endpoint`; the address of its web page."""
    node = shutil.which("node")
    check(node is not None, "node is not on PATH (Node.js 20 runs the Playground)")
    check(PLAYGROUND_CLI.is_file(), f"{PLAYGROUND_CLI} is missing: run npm ci in {HERE}")
    assert node is not None
    env = os.environ | {
        "TEAMSAPPTESTER_BROWSER": "none",  # it would open the desktop's browser otherwise
        "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(CONFIG),
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(work / "playground-activities.log"),
    }
    command = [
        node,
        str(PLAYGROUND_CLI),
        f"--app-endpoint={endpoint}",
        "--channel-id=msteams",
        f"--port={free_port()}",  # it takes another port of its own if this one is gone
        "--disable-telemetry",
    ]
    log = work / "playground.log"
    with process(command, log=log, env=env, cwd=work) as child:
        listening: list[str] = []

        def started() -> bool:
            alive(child, "the Agents Playground")
            listening[:] = re.findall(r"Listening on (\d+)", log.read_text(errors="replace"))
            return bool(listening) and answers(f"http://127.0.0.1:{listening[0]}/")

        wait_until("the Agents Playground to listen", started, START_SECONDS)
        yield f"http://127.0.0.1:{listening[0]}/"


def loopback_only(route: Route) -> None:
    """The Playground's page asks Microsoft's CDN for fonts and an animation: the network here is
    closed, so those are refused at once rather than left to time out."""
    host = re.sub(r"^[a-z]+://([^/:]+).*", r"\1", route.request.url)
    if host in {"127.0.0.1", "localhost"}:
        route.continue_()
    else:
        route.abort()


class Client:
    """The Playground's page, used the way a person uses Teams."""

    def __init__(self, page: Page, shots: Path) -> None:
        self.page = page
        self.shots = shots
        self.taken = 0

    def shot(self, name: str, of: Locator | None = None) -> None:
        """A screenshot of the window, or of one element (`of`) whole, however tall."""
        self.taken += 1
        path = self.shots / f"{self.taken:02d}-{name}.png"
        if of is None:
            self.page.screenshot(path=path)
        else:
            self.page.set_viewport_size({"width": VIEWPORT["width"], "height": 2400})
            of.scroll_into_view_if_needed()
            of.screenshot(path=path)
            self.page.set_viewport_size(VIEWPORT)
        print(f"  screenshot {path.name}")

    def open(self, chat: str) -> None:
        self.page.get_by_role("treeitem", name=chat, exact=True).click()

    def bot_messages(self) -> Locator:
        """The bot's messages in the open chat, oldest first (a message: its header's parent)."""
        author = self.page.locator('[aria-label="Message author"]', has_text=BOT)
        headers = self.page.locator('[aria-label="Message header"]', has=author)
        return headers.locator("xpath=..")

    def reply_to(self, action: Callable[[], None], what: str, expect: str) -> Locator:
        """Do `action`; the bot's next message, which must contain `expect`."""
        messages = self.bot_messages()
        before = messages.count()
        action()
        seen = ""

        def replied() -> bool:
            nonlocal seen
            if messages.count() <= before:
                return False
            seen = messages.last.inner_text()
            return expect in seen

        try:
            wait_until(f"a reply to {what!r}", replied, REPLY_SECONDS)
        except CheckFailed:
            raise CheckFailed(
                f"after {what!r} the bot's last message should contain {expect!r}; it reads: "
                f"{' '.join(seen.split())[:400]!r}"
            ) from None
        return messages.last

    def say(self, text: str, expect: str) -> Locator:
        def typing() -> None:
            self.page.get_by_role("textbox").click()
            self.page.keyboard.type(text)
            self.page.keyboard.press("Enter")

        return self.reply_to(typing, text, expect)

    def press(self, title: str, expect: str) -> Locator:
        """Press a button on the bot's last card, as the person would on the open question."""
        button = self.bot_messages().last.get_by_role("button", name=title, exact=True)
        return self.reply_to(button.click, f"the {title} button", expect)


def run(page: Page, shots: Path) -> None:
    client = Client(page, shots)
    labels = [tier.label for tier in Tier]

    print("personal chat: the greeting, help and list")
    # Opening the page installs the app in the personal chat: the bot greets.
    greeting = client.bot_messages().first
    greeting.wait_for(timeout=START_SECONDS * 1000)
    check("mlops-check [title]" in greeting.inner_text(), "the personal greeting lists commands")
    client.shot("personal-greeting")
    shown = client.say("help", "show ID, delete ID").inner_text()
    check("this channel" not in shown, "help in the personal chat speaks of no channel")
    client.shot("help")
    client.say("list", "You have no checks yet. Type mlops-check to start one.")
    client.shot("list-empty")

    print("personal chat: a whole interview")
    for number, (how, answer, expect) in enumerate(INTERVIEW, start=1):
        message = client.say(answer, expect) if how == "type" else client.press(answer, expect)
        if "retraining" in expect:
            listed = message.inner_text()
            check(
                "Type one of:" in listed and "Never, train once" in listed,
                "the retraining card lists its eight choices to type",
            )
        if "Where did the idea" in expect:
            titles = [
                button.get_attribute("title") for button in message.locator("button[title]").all()
            ]
            check(len(titles) == 6, f"the origin card shows a button per choice: {titles}")
        client.shot(f"interview-{number:02d}-{how}")
    verdict = client.bot_messages().last
    text = verdict.inner_text()
    tier = next((label for label in labels if label in text), None)
    check(tier is not None, f"the verdict card names a tier: {text[:300]!r}")
    use_case = re.search(r"Use case #(\d+)", text)
    check(use_case is not None, "the verdict card names the check's number")
    assert use_case is not None
    for words in ("Spare-part demand per warehouse", "Recommended setup", "Next steps"):
        check(words in text, f"the verdict card shows {words!r}")
    client.shot("verdict")
    client.shot("verdict-card", of=verdict)
    listing = client.say("list", "Your checks").inner_text()
    line = f"#{use_case[1]} Spare-part demand per warehouse · {tier}"
    check(line in listing, f"list shows {line!r}: {listing!r}")
    client.shot("list-one-check")

    print("group chat: the greeting")
    client.open(GROUP_CHAT)
    greeting = client.bot_messages().first
    greeting.wait_for(timeout=REPLY_SECONDS * 1000)
    wait_until(
        "the group chat's greeting",
        lambda: "leadership digest" in greeting.inner_text(),
        REPLY_SECONDS,
    )
    said = greeting.inner_text()
    check("this channel" not in said, f"the group chat's greeting speaks of a channel: {said!r}")
    check("this chat gets the leadership digest" in said, "the group chat's greeting")
    client.shot("group-chat-greeting")

    print("channel: an @mention, the start card, the private chat")
    client.open(f"{TEAM} - General")
    page.get_by_role("listitem").filter(
        has_text="this channel gets the leadership digest"
    ).wait_for(timeout=REPLY_SECONDS * 1000)
    client.shot("channel-greeting")
    page.get_by_role("textbox").first.click()  # "Start a new post"
    page.keyboard.type("@")
    page.get_by_role("menuitem", name=BOT).click()
    page.keyboard.type(" mlops-check")
    client.shot("channel-mention-typed")
    page.get_by_role("button", name="Post", exact=True).click()
    start = page.get_by_role("button", name="Start in a private chat")
    start.wait_for(timeout=REPLY_SECONDS * 1000)
    check(
        page.get_by_text(f"{USER}, let's look at how much MLOps").count() == 1,
        "the start card greets the person who mentioned the bot",
    )
    client.shot("channel-start-card")
    start.click()
    page.get_by_role("paragraph").filter(has_text="I've written to you in a private chat").wait_for(
        timeout=REPLY_SECONDS * 1000
    )
    client.shot("channel-private-chat-note")
    client.open("Personal Chat")
    question = client.bot_messages().last
    wait_until(
        "the first question in the private chat",
        lambda: "What do you want to call this use case?" in question.inner_text(),
        REPLY_SECONDS,
    )
    client.shot("private-chat-first-question")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", type=Path, default=Path("/usr/bin/chromium"))
    parser.add_argument("--screenshots", type=Path, default=HERE / "screenshots")
    options = parser.parse_args()
    if not options.chromium.is_file():
        print(f"{options.chromium} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    shots = options.screenshots
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="teams-client-") as folder:
        work = Path(folder)
        try:
            with (
                advisor(work) as endpoint,
                playground(work, endpoint) as url,
                sync_playwright() as playwright,
            ):
                browser = playwright.chromium.launch_persistent_context(
                    work / "chromium-profile",  # a fresh profile
                    executable_path=options.chromium,
                    args=CHROMIUM_FLAGS,
                    headless=True,
                    viewport=VIEWPORT,
                )
                browser.route("**/*", loopback_only)
                page = browser.pages[0] if browser.pages else browser.new_page()
                page.set_default_timeout(REPLY_SECONDS * 1000)
                page.goto(url)
                try:
                    run(page, shots)
                except Exception:
                    page.screenshot(path=shots / "failed.png")
                    raise
                finally:
                    browser.close()
        except Exception:
            traceback.print_exc()
            for log in ("serve.log", "playground.log", "playground-activities.log"):
                path = work / log
                if path.exists():
                    tail = path.read_text(errors="replace").splitlines()[-30:]
                    print(f"--- the end of {log}", *tail, sep="\n", file=sys.stderr)
            print(f"FAILED after {time.monotonic() - started:.0f} s; see {shots}", file=sys.stderr)
            return 1
    print(f"passed in {time.monotonic() - started:.0f} s; screenshots in {shots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
