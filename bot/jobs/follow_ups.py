"""Follow-ups after a verdict: posted where the use case lives on a schedule, answered there.

`post_due_follow_ups` is the scheduler's second job (see `bot.jobs.scheduler`): for each use case
of a platform whose first verdict is as old as one of the policy's `follow_ups.days` (30 and 90
by default), it claims the follow-up in the database (committed before posting, so any number of
replicas post it once), has the platform's poster post the policy's questions with pilot-status
buttons (a Slack use case's thread, `bot.slack.posting`; a Teams use case's 1:1 chat,
`bot.teams.posting`), and marks it posted.

The proposer answers with a button (the pilot status) or a reply in the thread (kept in the
notes, with a realised value when the text names an amount of money; and as the operating plan
when the proposal had none, since the reply says who runs it). Either answer updates the
proposal (audited), re-assesses it (a new assessment: the history is kept) and closes the
follow-up; the first answer wins. A follow-up left unanswered for a week puts the use case on
the digest's purgatory list (`storage.digest_queries`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Final

from advisor import Platform
from advisor.follow_up import DueFollowUp
from bot.jobs.runner import FollowUpPoster, claim_post_mark
from bot.service import FollowUpToPost, ScheduledWork

__all__ = ["STALE_AFTER", "FollowUpPoster", "post_due_follow_ups"]

logger = logging.getLogger(__name__)

STALE_AFTER: Final = timedelta(minutes=10)


def post_due_follow_ups(
    work: ScheduledWork,
    post: FollowUpPoster,
    *,
    platform: Platform,
    now: datetime | None = None,
    stale_after: timedelta = STALE_AFTER,
) -> list[int]:
    """Post every follow-up of the platform's use cases due at `now` exactly once; the posted
    follow-ups' ids.

    Each is claimed in a committed transaction before `post` runs. A failed post leaves its
    claim un-posted: a run after `stale_after` retries it, and the other follow-ups still go out.
    """
    now = now or work.now()
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    posted: list[int] = []
    for due in work.due_follow_ups(now=now, platform=platform, stale_after=stale_after):

        def claim(due: DueFollowUp = due) -> FollowUpToPost | None:
            return work.claim_follow_up(due, now=now, stale_after=stale_after)

        def mark(follow_up: FollowUpToPost, message_id: str | None) -> bool:
            return work.mark_follow_up_posted(follow_up, now=now, message_id=message_id)

        attempt = claim_post_mark(claim, post, mark)
        if attempt.error is not None:
            logger.error(
                "follow-up %s on #%s not posted: %s", due.due_key, due.use_case_id, attempt.error
            )
        elif attempt.claim is not None:
            posted.append(attempt.claim.id)
    return posted
