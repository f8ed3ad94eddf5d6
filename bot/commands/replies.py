"""What the advisor answers, before any channel's rendering: each adapter renders these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from advisor import DigestData, PilotStatus, PortfolioSummary, Step, Subscription, Tier, UseCase
from bot.service import Turn

__all__ = [
    "AlreadyAnswered",
    "CannotPostHere",
    "Deleted",
    "DigestNameNotLink",
    "DigestNeedsChannel",
    "DigestPreviewed",
    "DigestRefused",
    "DigestUsageReply",
    "FilesNotRead",
    "FollowUpClosed",
    "FollowUpRecorded",
    "FormRequested",
    "HelpReply",
    "Home",
    "NeedNumber",
    "NoInterviewHere",
    "NoVerdictYet",
    "NotStarted",
    "NotYours",
    "Progress",
    "Reply",
    "StartOffer",
    "Subscribed",
    "SubscriptionList",
    "UnderWay",
    "Unsubscribed",
    "UseCaseList",
    "Verdict",
]


@dataclass(frozen=True, slots=True)
class Progress:
    """The interview moved: the next question, a question asked again, the verdict, or the end
    of a cancelled check. Public where the interview runs."""

    turn: Turn


@dataclass(frozen=True, slots=True)
class UnderWay:
    """A check was asked for while one is under way: where it stands."""

    step: Step


@dataclass(frozen=True, slots=True)
class HelpReply:
    """What the advisor understands here."""

    in_channel: bool = False
    in_group_chat: bool = False


@dataclass(frozen=True, slots=True)
class UseCaseList:
    """The person's checks, newest first."""

    use_cases: tuple[UseCase, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    """A check's latest verdict, shown to one person."""

    use_case: UseCase


@dataclass(frozen=True, slots=True)
class NoVerdictYet:
    """The check has no verdict yet."""


@dataclass(frozen=True, slots=True)
class NeedNumber:
    """`show` or `delete` without a check's number."""

    verb: str


@dataclass(frozen=True, slots=True)
class NotYours:
    """No check of theirs has that number; someone else's looks the same as none."""

    typed: str


@dataclass(frozen=True, slots=True)
class Deleted:
    """The check was deleted now (`now`), or had been already."""

    use_case_id: int
    now: bool


@dataclass(frozen=True, slots=True)
class AlreadyAnswered:
    """A button of a question that has moved on: a double click, a replay, an older message."""


@dataclass(frozen=True, slots=True)
class NoInterviewHere:
    """A button pressed where the presser has no interview waiting."""


@dataclass(frozen=True, slots=True)
class NotStarted:
    """Words that are no command, with no check under way: how to start one."""


@dataclass(frozen=True, slots=True)
class FilesNotRead:
    """A reply with files and no words: the advisor reads words only."""


@dataclass(frozen=True, slots=True)
class FormRequested:
    """Open the form, with the title typed after `form`."""

    title: str


@dataclass(frozen=True, slots=True)
class StartOffer:
    """In a channel: a card that starts the check in a private chat."""

    starter_name: str | None


@dataclass(frozen=True, slots=True)
class CannotPostHere:
    """The advisor may not post where the check was asked for."""


@dataclass(frozen=True, slots=True)
class Home:
    """A person's page: their checks, and the portfolio's totals for admins."""

    use_cases: tuple[UseCase, ...]
    totals: PortfolioSummary | None


@dataclass(frozen=True, slots=True)
class FollowUpRecorded:
    """An answer to a follow-up was recorded: what changed, and the verdict before and after."""

    before: Tier | None
    after: Tier
    pilot_status: PilotStatus | None
    noted: bool
    realised_value: float | None

    def line(self, strong: Callable[[str], str]) -> str:
        """The short line said after the answer, with `strong` marking words in the channel's
        markup: what changed and the new tier."""
        changes = []
        if self.pilot_status is not None:
            changes.append(f"pilot status {strong(self.pilot_status.value)}")
        if self.noted:
            value = self.realised_value
            worth = "" if value is None else f" (realised value €{value:,.0f} per year)"
            changes.append(f"your update in the notes{worth}")
        if self.before is self.after:
            verdict = f"verdict still {strong(self.after.label)}"
        else:
            was = "" if self.before is None else f" (was {self.before.label})"
            verdict = f"verdict now {strong(self.after.label)}{was}"
        return f"Thanks, recorded: {', '.join(changes)}; {verdict}."


@dataclass(frozen=True, slots=True)
class FollowUpClosed:
    """A follow-up button with no follow-up of the presser's open."""


# Digests ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestUsageReply:
    """How the digest commands are written, after what was wrong (`problem`) if anything."""

    problem: str | None = None


@dataclass(frozen=True, slots=True)
class DigestRefused:
    """Only admins subscribe and unsubscribe channels."""


@dataclass(frozen=True, slots=True)
class DigestNameNotLink:
    """A channel's name was typed where a channel link (or id) is needed."""


@dataclass(frozen=True, slots=True)
class DigestNeedsChannel:
    """A digest command outside a channel, which names none."""


@dataclass(frozen=True, slots=True)
class Subscribed:
    """The channel gets digests on this schedule; `here` when it is the channel asked in."""

    subscription: Subscription
    here: bool
    in_group_chat: bool = False


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    """The channel gets no more digests (`removed`), or had no subscription."""

    channel_id: str
    removed: bool
    here: bool
    in_group_chat: bool = False


@dataclass(frozen=True, slots=True)
class SubscriptionList:
    """The subscriptions made here; `here` is the channel asked in, if any."""

    subscriptions: tuple[Subscription, ...]
    here: str | None


@dataclass(frozen=True, slots=True)
class DigestPreviewed:
    """The digest of the last 7 days, shown to the asker, posted nowhere."""

    data: DigestData


Reply = (
    Progress
    | UnderWay
    | HelpReply
    | UseCaseList
    | Verdict
    | NoVerdictYet
    | NeedNumber
    | NotYours
    | Deleted
    | AlreadyAnswered
    | NoInterviewHere
    | NotStarted
    | FilesNotRead
    | FormRequested
    | StartOffer
    | CannotPostHere
    | Home
    | FollowUpRecorded
    | FollowUpClosed
    | DigestUsageReply
    | DigestRefused
    | DigestNameNotLink
    | DigestNeedsChannel
    | Subscribed
    | Unsubscribed
    | SubscriptionList
    | DigestPreviewed
)
