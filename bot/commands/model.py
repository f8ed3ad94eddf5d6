"""What a person asked, who asked and where: the commands every channel is translated into."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from advisor import PilotStatus, Platform, Position
from bot.service import Place

__all__ = [
    "Answer",
    "Command",
    "Delete",
    "DigestList",
    "DigestPreview",
    "DigestSubscribe",
    "DigestUnsubscribe",
    "DigestUsage",
    "FollowUpStatus",
    "FollowUpText",
    "Help",
    "HomeTab",
    "ListMine",
    "OpenForm",
    "Press",
    "Profile",
    "Show",
    "Start",
    "StartInPrivate",
    "Where",
    "Who",
]


@dataclass(frozen=True, slots=True)
class Profile:
    """What the platform says about a person, asked only when a command needs it."""

    is_workspace_admin: bool = False
    time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class Who:
    """The person who asked; `profile` asks the platform about them (Slack's users.info)."""

    platform: Platform
    user_id: str
    name: str | None = None
    profile: Callable[[], Awaitable[Profile]] | None = None

    @property
    def actor(self) -> str:
        """How the audit log names them."""
        return f"{self.platform.value}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Where:
    """Where they asked: the place a use case started here lives, the key of their interview
    here (None where no interview runs, such as a channel), and which digests it concerns."""

    place: Place
    interview_key: str | None = None
    # The channel a digest command here is about when its words name none (a Teams channel).
    digest_channel: str | None = None
    # The workspace whose subscriptions are made and listed here (None: workspace-less ones).
    digest_workspace: str | None = None
    # The workspace whose use cases a digest preview here shows (None: all of them).
    preview_workspace: str | None = None
    # A channel or group chat, where the interview does not run (Teams runs it in private).
    in_channel: bool = False
    in_group_chat: bool = False


# Commands ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Start:
    """Start an interview here (or say where the one under way is), answering the title."""

    title: str = ""


@dataclass(frozen=True, slots=True)
class StartInPrivate:
    """Asked for a check in a channel, where no interview runs: offer one in private."""


@dataclass(frozen=True, slots=True)
class OpenForm:
    """Describe a use case in a form instead of an interview (Slack's modal)."""

    title: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """A typed answer to the open question; `inbox_event` when it came through the inbox."""

    text: str
    inbox_event: int | None = None


@dataclass(frozen=True, slots=True)
class Press:
    """A choice button pressed, posted at `at` (None for buttons posted before positions)."""

    value: str
    at: Position | None
    inbox_event: int | None = None


@dataclass(frozen=True, slots=True)
class ListMine:
    """The person's own checks."""


@dataclass(frozen=True, slots=True)
class Show:
    """One check's verdict; `argument` is what they typed for its number."""

    argument: str


@dataclass(frozen=True, slots=True)
class Delete:
    """Erase one check; `argument` is what they typed for its number."""

    argument: str


@dataclass(frozen=True, slots=True)
class Help:
    """What the advisor understands here."""


@dataclass(frozen=True, slots=True)
class HomeTab:
    """The person's own page (Slack's App Home): their checks, and totals for admins."""


@dataclass(frozen=True, slots=True)
class FollowUpText:
    """Words typed where a follow-up may be open; `say_not_started` when, with none open,
    the person should hear how to start a check (a private chat) rather than nothing."""

    text: str
    say_not_started: bool = False


@dataclass(frozen=True, slots=True)
class FollowUpStatus:
    """A follow-up's pilot-status button."""

    status: PilotStatus


@dataclass(frozen=True, slots=True)
class DigestSubscribe:
    """Subscribe a channel to digests: the channel as typed and the schedule's words.

    With `channel_named` (Slack) the words must name the channel (None: they did not, or not
    as the command's grammar wants); otherwise it is the channel the words were typed in.
    """

    channel: str | None
    schedule: tuple[str, ...]
    channel_named: bool = False


@dataclass(frozen=True, slots=True)
class DigestUnsubscribe:
    """Stop a channel's digests; `channel` and `channel_named` as for DigestSubscribe."""

    channel: str | None
    channel_named: bool = False


@dataclass(frozen=True, slots=True)
class DigestList:
    """The digest subscriptions made here."""


@dataclass(frozen=True, slots=True)
class DigestPreview:
    """The digest of the last 7 days, posted nowhere."""


@dataclass(frozen=True, slots=True)
class DigestUsage:
    """A digest command that did not parse."""


Command = (
    Start
    | StartInPrivate
    | OpenForm
    | Answer
    | Press
    | ListMine
    | Show
    | Delete
    | Help
    | HomeTab
    | FollowUpText
    | FollowUpStatus
    | DigestSubscribe
    | DigestUnsubscribe
    | DigestList
    | DigestPreview
    | DigestUsage
)
