"""Claim, post, mark posted: the one runner of scheduled posts, and the platforms' posters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from advisor import Platform
from advisor.schedule import is_teams_channel
from bot.service import FollowUpToPost, ScheduledDigest

__all__ = [
    "Attempt",
    "DigestPoster",
    "FollowUpPoster",
    "Posters",
    "by_platform",
    "claim_post_mark",
]

_Claim = TypeVar("_Claim")


class DigestPoster(Protocol):
    """Posts a digest to its subscription's channel on one platform; the root message's id."""

    def __call__(self, digest: ScheduledDigest, /) -> str: ...


class FollowUpPoster(Protocol):
    """Posts a follow-up where its use case lives on one platform; the message's id, if any."""

    def __call__(self, follow_up: FollowUpToPost, /) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Posters:
    """Each platform's posters; None for a platform that is not set up here."""

    slack_digest: DigestPoster | None = None
    slack_follow_up: FollowUpPoster | None = None
    teams_digest: DigestPoster | None = None
    teams_follow_up: FollowUpPoster | None = None

    def digest(self) -> DigestPoster:
        """One poster for every subscription, chosen by its channel (see `by_platform`)."""
        return by_platform(slack=self.slack_digest, teams=self.teams_digest)

    def follow_ups(self) -> list[tuple[Platform, FollowUpPoster]]:
        """The platforms that post follow-ups here, Slack first, with their posters."""
        given = ((Platform.SLACK, self.slack_follow_up), (Platform.TEAMS, self.teams_follow_up))
        return [(platform, post) for platform, post in given if post is not None]


def by_platform(*, slack: DigestPoster | None, teams: DigestPoster | None) -> DigestPoster:
    """One DigestPoster for every subscription: Teams channels (`teams:…`) go to `teams`, the
    others to `slack`. A platform that is not set up fails its digests (retried after
    `stale_after`), with the settings to fix in the error."""

    def post(digest: ScheduledDigest) -> str:
        if is_teams_channel(digest.subscription.channel_id):
            if teams is None:
                raise RuntimeError(
                    "Teams is not set up here: set TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and "
                    "TEAMS_TENANT_ID (and pip install 'mlops-advisor[teams]')"
                )
            return teams(digest)
        if slack is None:
            raise RuntimeError("Slack is not set up here: set SLACK_BOT_TOKEN")
        return slack(digest)

    return post


@dataclass(frozen=True, slots=True)
class Attempt(Generic[_Claim]):
    """How one claim → post → mark posted went: `claim` None when someone else holds or
    finished it; `error` when the post failed (the claim stays, to be taken over later)."""

    claim: _Claim | None
    message_id: str | None = None
    error: Exception | None = None
    marked: bool = False

    @property
    def posted(self) -> bool:
        """Whether the post went out."""
        return self.claim is not None and self.error is None


def claim_post_mark(
    claim: Callable[[], _Claim | None],
    post: Callable[[_Claim], str | None],
    mark_posted: Callable[[_Claim, str | None], bool],
) -> Attempt[_Claim]:
    """Claim, post, then mark posted, in that order: exactly once across any number of runners.

    `claim` must commit before it returns, so other runners see the claim before anything is
    posted; `mark_posted` says whether the claim was still this runner's to finish. A post
    that raises leaves the claim un-posted, for a run after its staleness to take over.
    """
    claimed = claim()
    if claimed is None:
        return Attempt(None)
    try:
        message_id = post(claimed)
    except Exception as error:  # whatever the platform raised: the other posts still go out
        return Attempt(claimed, error=error)
    return Attempt(claimed, message_id, marked=mark_posted(claimed, message_id))
