"""The command layer's replies as Slack messages: text (mrkdwn, neutralised) and Block Kit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from advisor import Ask, Cancelled, Done, Reprompt, Step, UseCase
from bot.commands import replies
from bot.neutralise import clip, for_slack
from bot.slack.blocks import (
    COMMAND,
    TEXT_FALLBACK_MAX,
    help_blocks,
    question_blocks,
    use_case_list_blocks,
    verdict_blocks,
    verdict_metadata,
    verdict_text,
)

__all__ = [
    "CANNOT_POST_TEXT",
    "SlackMessage",
    "changed_line",
    "slack_message",
    "thread_verdict",
]

CANNOT_POST_TEXT: Final = (
    "I can't post in this channel. Invite me with `/invite @MLOps Advisor` and try again, "
    "or run /mlops-check in a direct message with me."
)
_CANCELLED: Final = "Cancelled. Nothing was stored. Run /mlops-check to start again."
_FILES: Final = (
    "I read typed answers only, not files: type your answer in this thread (a file's "
    "message counts when it has text)."
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
# Fixed answers, each shown only to the person who asked.
_SAID: Final[dict[type, str]] = {
    replies.AlreadyAnswered: "That question is already answered.",
    replies.CannotPostHere: CANNOT_POST_TEXT,
    replies.DigestNameNotLink: _DIGEST_NAME_NOT_LINK,
    replies.DigestNeedsChannel: _DIGEST_USAGE,
    replies.DigestRefused: _DIGEST_REFUSED,
    replies.FilesNotRead: _FILES,
    replies.FollowUpClosed: (
        "Only the person who proposed this check can answer its open follow-up."
    ),
    replies.NoInterviewHere: "Only the person who started this check can answer it. "
    "Start your own with /mlops-check.",
    replies.NotStarted: f"Run {COMMAND} to start an MLOps check.",
    replies.NoVerdictYet: "This check has no verdict yet.",
    replies.StartOffer: f"Run {COMMAND} to start an MLOps check.",
}


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One message: its text (the notification and fallback), its blocks, its metadata, and
    whether the thread sees it (`public`) or only the person who asked."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    public: bool = False
    metadata: dict[str, Any] | None = field(default=None)


def slack_message(reply: replies.Reply) -> SlackMessage:
    """The message that says `reply`. (A verdict's root-message update, the form and App Home
    are not messages: `bot.slack.replies` sends those.)"""
    said = _SAID.get(type(reply))
    if said is not None:
        return SlackMessage(said)
    match reply:
        case replies.Progress() | replies.UnderWay():
            return _step_message(reply)
        case replies.FollowUpRecorded():
            return SlackMessage(changed_line(reply), public=True)
        case replies.HelpReply():
            return SlackMessage("How to use /mlops-check", _dicts(help_blocks()))
        case replies.UseCaseList():
            blocks = use_case_list_blocks(reply.use_cases, heading="Your checks")
            return SlackMessage("Your MLOps checks", _dicts(blocks))
        case replies.Verdict():
            return _verdict(reply)
        case replies.NeedNumber():
            # `show` for both verbs: showing is the harmless one to suggest.
            return SlackMessage("Give the check's number, e.g. `show 12`.")
        case replies.NotYours():
            return SlackMessage(f"You have no check #{reply.typed}.")
        case replies.Deleted():
            return SlackMessage(
                f"Deleted check #{reply.use_case_id}."
                if reply.now
                else "That check was already deleted."
            )
    return SlackMessage(_digest_text(reply))


def thread_verdict(use_case: UseCase) -> SlackMessage:
    """A check's verdict, posted in its thread with the assessment as message metadata."""
    return _verdict(replies.Verdict(use_case), public=True)


def changed_line(recorded: replies.FollowUpRecorded) -> str:
    """The line said after a follow-up's answer, in Slack markup."""
    return recorded.line(lambda words: f"*{words}*")


def _step_message(reply: replies.Progress | replies.UnderWay) -> SlackMessage:
    step: Step = reply.turn.step if isinstance(reply, replies.Progress) else reply.step
    if isinstance(step, Ask | Reprompt):
        reason = step.reason if isinstance(step, Reprompt) else None
        # A reading offered to confirm needs no example of an answer: its choices are the answer.
        example = step.example if isinstance(step, Reprompt) and not step.state.pending else None
        blocks = question_blocks(
            step.question, reason=reason, example=example, at=step.state.position
        )
        return SlackMessage(for_slack(step.question.prompt), _dicts(blocks), public=True)
    if isinstance(step, Done) and isinstance(reply, replies.Progress) and reply.turn.use_case:
        return thread_verdict(reply.turn.use_case)
    if isinstance(step, Cancelled):
        return SlackMessage(_CANCELLED, public=True)
    raise ValueError(f"a step Slack cannot show: {type(step).__name__}")


def _verdict(reply: replies.Verdict, *, public: bool = False) -> SlackMessage:
    use_case = reply.use_case
    assert use_case.latest is not None  # only checks with a verdict are shown as one
    assessment = use_case.latest.assessment
    return SlackMessage(
        verdict_text(use_case.title, assessment),
        _dicts(verdict_blocks(use_case.title, assessment, use_case_id=use_case.id)),
        public=public,
        metadata=verdict_metadata(use_case.id, assessment) if public else None,
    )


def _digest_text(reply: replies.Reply) -> str:
    match reply:
        case replies.DigestUsageReply(problem=None):
            return _DIGEST_USAGE
        case replies.DigestUsageReply(problem=str(problem)):
            return f"{for_slack(problem)}\n{_DIGEST_USAGE}"
        case replies.Subscribed():
            subscription = reply.subscription
            return (
                f"<#{subscription.channel_id}> gets the leadership digest "
                f"{for_slack(subscription.describe())}."
            )
        case replies.Unsubscribed(removed=True):
            return f"<#{reply.channel_id}> gets no more digests."
        case replies.Unsubscribed():
            return f"<#{reply.channel_id}> has no digest subscription."
        case replies.SubscriptionList():
            return _subscriptions(reply)
        case replies.DigestPreviewed():
            from bot.jobs.digest_text import render_text  # noqa: PLC0415 (jinja2)

            # The terminal's rendering, escaped: titles people typed can neither ping nor link.
            text = for_slack(render_text(reply.data))
            return clip(text, TEXT_FALLBACK_MAX, note=_PREVIEW_CLIPPED)
    raise ValueError(f"a reply Slack cannot show: {type(reply).__name__}")


def _subscriptions(reply: replies.SubscriptionList) -> str:
    if not reply.subscriptions:
        return f"No channel gets the digest yet. `{COMMAND} digest subscribe #channel` adds one."
    lines = [
        f"• <#{subscription.channel_id}>: {for_slack(subscription.describe())}"
        for subscription in reply.subscriptions
    ]
    return clip("*Leadership digests*\n" + "\n".join(lines), TEXT_FALLBACK_MAX)


def _dicts(blocks: list[Any]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]
