"""The command layer's replies as Teams messages: markdown text (neutralised) and Adaptive Cards."""

from __future__ import annotations

from typing import Any, Final

from microsoft_teams.api.activities.message import MessageActivityInput

from advisor import Ask, Cancelled, Done, Reprompt, Step, UseCase
from bot.commands import replies
from bot.neutralise import for_teams
from bot.teams.cards import (
    COMMAND,
    help_text,
    question_card,
    question_text,
    start_card,
    use_case_list_text,
    verdict_card,
)
from bot.teams.sender import message

__all__ = ["changed_line", "teams_messages"]

_CANCELLED: Final = f"Cancelled. Nothing was stored. Type **{COMMAND}** to start again."
_UNDER_WAY: Final = (
    "A check is under way; here is where we were. Answer it, or type **cancel** to drop it."
)
_NOT_STARTED: Final = f"Type **{COMMAND}** to start an MLOps check, or **help**."
_DIGEST_USAGE: Final = (
    "**digest subscribe [weekly|biweekly|monthly] [mon..sun] [HH:MM] [Area/City]**, "
    "**digest unsubscribe**, **digest list** or **digest preview**. Defaults: weekly, on "
    "Monday, at 09:00 in your time zone."
)
_DIGEST_REFUSED: Final = (
    "Only the advisor's Teams admins (MLOPS_ADVISOR_TEAMS_ADMINS) may subscribe or unsubscribe "
    "a channel. **digest list** and **digest preview** are open to all."
)
_DIGEST_WHERE: Final = "Digests go to a channel: mention me in the channel that should get them."
_PREVIEWED: Final = "That is the digest of the last 7 days (a preview: nothing was posted)."
# Fixed answers.
_SAID: Final[dict[type, str]] = {
    replies.AlreadyAnswered: "That question is already answered.",
    replies.CannotPostHere: _NOT_STARTED,
    replies.DigestNameNotLink: _DIGEST_WHERE,
    replies.DigestNeedsChannel: _DIGEST_WHERE,
    replies.DigestRefused: _DIGEST_REFUSED,
    replies.FilesNotRead: "I read typed answers only: type your answer.",
    replies.FollowUpClosed: "That follow-up is answered already: thank you.",
    replies.FormRequested: _NOT_STARTED,
    replies.Home: _NOT_STARTED,
    replies.NoInterviewHere: "That check is finished. " + _NOT_STARTED,
    replies.NotStarted: _NOT_STARTED,
    replies.NoVerdictYet: "This check has no verdict yet.",
}


def teams_messages(reply: replies.Reply) -> list[MessageActivityInput]:
    """The messages that say `reply` in a Teams conversation."""
    said = _SAID.get(type(reply))
    if said is not None:
        return [message(said)]
    match reply:
        case replies.Progress():
            return [_step(reply.turn.step, reply.turn.use_case)]
        case replies.UnderWay():
            return [message(_UNDER_WAY), _step(reply.step, None)]
        case replies.HelpReply():
            return [message(help_text(in_channel=reply.in_channel, group_chat=reply.in_group_chat))]
        case replies.UseCaseList():
            return [message(use_case_list_text(reply.use_cases))]
        case replies.Verdict():
            return [message(card=_verdict(reply.use_case))]
        case replies.NeedNumber():
            return [message(f"Give the check's number, e.g. **{reply.verb} 12**.")]
        case replies.NotYours():
            return [message(f"You have no check #{reply.typed}.")]
        case replies.Deleted(now=True):
            return [message(f"Deleted check #{reply.use_case_id}.")]
        case replies.Deleted():
            return [message("That check was already deleted.")]
        case replies.FollowUpRecorded():
            return [message(changed_line(reply))]
        case replies.StartOffer():
            return [message(card=start_card(reply.starter_name))]
        case replies.DigestPreviewed():
            return _preview(reply)
    return [message(_digest_text(reply))]


def changed_line(recorded: replies.FollowUpRecorded) -> str:
    """The line said after a follow-up's answer, in Teams markup."""
    return recorded.line(lambda words: f"**{words}**")


def _step(step: Step, use_case: UseCase | None) -> MessageActivityInput:
    if isinstance(step, Ask | Reprompt):
        reason = step.reason if isinstance(step, Reprompt) else None
        # A reading offered to confirm needs no example of an answer: its choices are the answer.
        example = step.example if isinstance(step, Reprompt) and not step.state.pending else None
        card = question_card(step.question, reason=reason, example=example, at=step.state.position)
        if card is not None:
            return message(card=card)
        return message(question_text(step.question, reason=reason, example=example))
    if isinstance(step, Done) and use_case is not None:
        return message(card=_verdict(use_case))
    if isinstance(step, Cancelled):
        return message(_CANCELLED)
    raise ValueError(f"a step Teams cannot show: {type(step).__name__}")


def _verdict(use_case: UseCase) -> dict[str, Any]:
    assert use_case.latest is not None  # stored with its assessment, in one transaction
    return verdict_card(use_case.title, use_case.latest.assessment, use_case_id=use_case.id)


def _preview(reply: replies.DigestPreviewed) -> list[MessageActivityInput]:
    from bot.teams.digest import render_teams_digest  # noqa: PLC0415 (jinja2)

    digest = render_teams_digest(reply.data)
    return [message(card=card) for card in [digest.root_card, *digest.replies]] + [
        message(_PREVIEWED)
    ]


def _digest_text(reply: replies.Reply) -> str:
    match reply:
        case replies.DigestUsageReply(problem=None):
            return _DIGEST_USAGE
        case replies.DigestUsageReply(problem=str(problem)):
            return f"{for_teams(problem)}\n\n{_DIGEST_USAGE}"
        case replies.Subscribed():
            where = _channel(reply.subscription.channel_id, reply.here, reply.in_group_chat)
            return f"{where} gets the leadership digest {reply.subscription.describe()}."
        case replies.Unsubscribed():
            where = _channel(reply.channel_id, reply.here, reply.in_group_chat)
            done = "gets no more digests" if reply.removed else "has no digest subscription"
            return f"{where} {done}."
        case replies.SubscriptionList():
            if not reply.subscriptions:
                return "No channel gets the digest yet."
            lines = [
                f"- {'this channel' if s.channel_id == reply.here else for_teams(s.channel_id)}: "
                f"{s.describe()}"
                for s in reply.subscriptions
            ]
            return "**Leadership digests**\n\n" + "\n".join(lines)
    raise ValueError(f"a reply Teams cannot show: {type(reply).__name__}")


def _channel(channel_id: str, here: bool, in_group_chat: bool) -> str:
    if not here:
        return channel_id
    return "This chat" if in_group_chat else "This channel"
