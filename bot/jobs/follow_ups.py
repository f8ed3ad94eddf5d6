"""Follow-ups after a verdict: posted in the use case's thread on a schedule, answered there.

`run_due_follow_ups` is the scheduler's second job (see `bot.jobs.scheduler`): for each Slack
use case whose first verdict is as old as one of the policy's `follow_ups.days` (30 and 90 by
default), it claims the follow-up in the database (committed before posting, so any number of
replicas post it once), posts the policy's questions with pilot-status buttons in the thread,
and marks it posted. Teams use cases get theirs in their 1:1 chat, by the same
`post_due_follow_ups` with a Teams poster (`bot.teams.posting`).

The proposer answers with a button (the pilot status) or a reply in the thread (kept in the
notes, with a realised value when the text names an amount of money; and as the operating plan
when the proposal had none, since the reply says who runs it). Either answer updates the
proposal (audited), re-assesses it (a new assessment: the history is kept) and closes the
follow-up; the first answer wins. A follow-up left unanswered for a week puts the use case on
the digest's purgatory list (`storage.digest_queries`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from advisor import DEFAULT, PilotStatus, Platform, Policy, Tier, UseCase
from bot.neutralise import clip, for_slack
from bot.slack.blocks import mention

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "FOLLOW_UP_ACTION_PREFIX",
    "FollowUpPoster",
    "follow_up_blocks",
    "post_due_follow_ups",
    "run_due_follow_ups",
]

logger = logging.getLogger(__name__)

FOLLOW_UP_ACTION_PREFIX: Final = "mlops_followup"
STALE_AFTER: Final = timedelta(minutes=10)
_SECTION_MAX: Final = 3000


def follow_up_blocks(
    proposer_id: str | None, title: str, due_key: str, questions: Sequence[str]
) -> list[Block]:
    """The follow-up message: the proposer mentioned (only a well-formed user id becomes a
    mention), the three questions, and a button per pilot status."""
    who = mention(proposer_id) or "Hello"
    shown = clip(" ".join(for_slack(title).split()), 200) or "(untitled)"
    asked = "\n".join(f"• {clip(question, 300)}" for question in questions)
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(f"{who}, a {due_key} follow-up on *{shown}*:\n{asked}", _SECTION_MAX),
                verbatim=True,
            )
        ),
        ActionsBlock(
            block_id="follow_up",
            elements=[
                ButtonElement(
                    text=PlainTextObject(text=status.value.capitalize()),
                    action_id=f"{FOLLOW_UP_ACTION_PREFIX}:{status.value}",
                    value=status.value,
                )
                for status in PilotStatus
            ],
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Pick the pilot's status, or reply in this thread in your own words.",
                    verbatim=True,
                )
            ]
        ),
    ]


def changed_line(before: Tier | None, after: Tier, changes: str) -> str:
    """The short line posted after an answer: what changed and the new tier."""
    verdict = (
        f"verdict still *{after.label}*"
        if before is after
        else f"verdict now *{after.label}*" + ("" if before is None else f" (was {before.label})")
    )
    return f"Thanks, recorded: {changes}; {verdict}."


FollowUpPoster = Callable[[UseCase, str], str | None]
"""Posts a use case's follow-up (its due key, "30d") where the use case lives; the message id."""


def post_due_follow_ups(
    sessions: sessionmaker[Session],
    post: FollowUpPoster,
    *,
    platform: Platform,
    now: datetime | None = None,
    policy: Policy = DEFAULT,
    stale_after: timedelta = STALE_AFTER,
) -> list[int]:
    """Post every follow-up of the platform's use cases due at `now` exactly once; the posted
    follow-ups' ids.

    Each is claimed in a committed transaction before `post` runs. A failed post leaves its
    claim un-posted: a run after `stale_after` retries it, and the other follow-ups still go out.
    """
    from storage import get_use_case  # noqa: PLC0415
    from storage.follow_up_repository import (  # noqa: PLC0415
        claim_follow_up,
        due_follow_ups,
        mark_follow_up_posted,
    )

    now = now or datetime.now(UTC)
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    with sessions() as session:
        days = tuple(policy.follow_ups.days)
        due = due_follow_ups(session, now, days=days, stale_after=stale_after, platform=platform)
    posted: list[int] = []
    for item in due:
        with sessions.begin() as session:
            claim = claim_follow_up(session, item, now, stale_after=stale_after)
            use_case = get_use_case(session, item.use_case_id) if claim else None
        if claim is None or use_case is None or not use_case.channel_id:
            continue
        try:
            message_id = post(use_case, item.due_key)
        except Exception as error:
            logger.error(
                "follow-up %s on #%s not posted: %s", item.due_key, item.use_case_id, error
            )
            continue
        with sessions.begin() as session:
            mark_follow_up_posted(session, claim.id, now, message_id)
        posted.append(claim.id)
    return posted


def run_due_follow_ups(
    sessions: sessionmaker[Session],
    client: WebClient,
    *,
    now: datetime | None = None,
    policy: Policy = DEFAULT,
    stale_after: timedelta = STALE_AFTER,
) -> list[int]:
    """Post every Slack follow-up due at `now` exactly once, in its use case's thread."""

    def post(use_case: UseCase, key: str) -> str | None:
        blocks = follow_up_blocks(
            use_case.proposer_id, use_case.title, key, policy.follow_ups.questions
        )
        answer: Any = client.chat_postMessage(
            channel=use_case.channel_id or "",  # never empty: only use cases with one are due
            thread_ts=use_case.thread_id,
            text=f"A {key} follow-up on this MLOps check.",
            blocks=[block.to_dict() for block in blocks],
        )
        ts = answer.get("ts")
        return ts if isinstance(ts, str) else None

    return post_due_follow_ups(
        sessions, post, platform=Platform.SLACK, now=now, policy=policy, stale_after=stale_after
    )
