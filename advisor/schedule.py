"""When leadership digests are due: cadences, local wall-clock times and the period each covers.

Pure: every function takes `now`; nothing here reads a clock.

The rules, in the subscription's own time zone (an IANA name such as Europe/Amsterdam):

* weekly: every `day` (0 = Monday … 6 = Sunday) at `time`, local.
* biweekly: every other `day` at `time`, counted from the subscription: the first one is the
  first weekly instant at or after `created_at`, then every 14 days.
* monthly: the first `day` of each month at `time` (e.g. the first Monday), local.

Local times stay local across daylight-saving changes: 09:00 in Europe/Amsterdam is 08:00 UTC in
winter and 07:00 UTC in summer. Two edge cases, on the night the clocks change:

* a time that does not exist (02:30 on a spring-forward night) means the next valid instant, the
  moment the clocks jump (03:00 local);
* a time that happens twice (02:30 on a fall-back night) means its first occurrence.

A `Period` is the interval a digest covers: from the previous scheduled instant to the one at
which it is due. Its `key` (the local date it is due, e.g. ``2026-03-30``) names it for the
once-only claim: one digest per subscription and local date, whatever runs it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

__all__ = [
    "DAY_NAMES",
    "DEFAULT_GRACE",
    "TEAMS_PREFIX",
    "Cadence",
    "DigestClaim",
    "Period",
    "ScheduleError",
    "Subscription",
    "is_teams_channel",
    "is_within_grace",
    "latest_due",
    "parse_channel_id",
    "parse_day",
    "parse_time",
    "parse_time_zone",
    "resolve_local",
    "schedule_from_words",
]

DEFAULT_GRACE: Final = timedelta(hours=24)
DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Slack conversation ids: C… public channels, G… private channels (older), D… direct messages.
_CHANNEL_ID: Final = re.compile(r"[CGD][A-Z0-9]+")
# Teams conversations are named `teams:<conversation id>`: a channel's id is like
# 19:AbC…@thread.tacv2 (older: @thread.skype), a group chat's 19:…@thread.v2. No `;messageid=`:
# a subscription is the channel, not one of its threads.
TEAMS_PREFIX: Final = "teams:"
_TEAMS_CONVERSATION_ID: Final = re.compile(r"\d+:[A-Za-z0-9_.=@-]+(?::[A-Za-z0-9_.=@-]+)*")
_TEAMS_ID_MAX: Final = 240
_TIME: Final = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_WEEK: Final = timedelta(days=7)
_FULL_DAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


class ScheduleError(ValueError):
    """A schedule value that cannot work; the message is one line saying what is accepted."""


class Cadence(StrEnum):
    """How often a digest is posted."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


def parse_day(value: str) -> int:
    """0 (Monday) … 6 (Sunday) from "mon" … "sun" or the full English name, in any case."""
    name = value.strip().lower()
    for index, short in enumerate(DAY_NAMES):
        if name in {short, _FULL_DAY_NAMES[index].lower()}:
            return index
    raise ScheduleError(f"unknown day {value!r}: use one of {', '.join(DAY_NAMES)}")


def parse_time(value: str) -> time:
    """A local wall-clock time from "HH:MM" (24-hour)."""
    match = _TIME.fullmatch(value.strip())
    if match is None:
        raise ScheduleError(f"invalid time {value!r}: use HH:MM, 24-hour, such as 09:00")
    return time(int(match.group(1)), int(match.group(2)))


def parse_time_zone(value: str) -> str:
    """The IANA time zone name, if the installed time zone database knows it."""
    name = value.strip()
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {value!r}: use an IANA name such as Europe/Amsterdam or UTC"
        ) from None
    return name


def is_teams_channel(channel_id: str) -> bool:
    """Whether a subscription's channel is a Teams conversation (`teams:<id>`)."""
    return channel_id.startswith(TEAMS_PREFIX)


def parse_channel_id(value: str) -> str:
    """A Slack channel id (C…, G… or D…), not a channel name; or `teams:` and a Teams
    conversation id (19:…@thread.tacv2)."""
    channel = value.strip()
    if is_teams_channel(channel):
        conversation = channel.removeprefix(TEAMS_PREFIX)
        if len(conversation) > _TEAMS_ID_MAX or not _TEAMS_CONVERSATION_ID.fullmatch(conversation):
            raise ScheduleError(
                f"invalid Teams conversation {value!r}: use teams: and the channel's id, such "
                "as teams:19:abc123@thread.tacv2 (in Teams: the channel's ⋯ menu, Get link to "
                "channel, the part after /channel/, URL-decoded)"
            )
        return channel
    if not _CHANNEL_ID.fullmatch(channel):
        raise ScheduleError(
            f"invalid channel id {value!r}: use the channel's id such as C0123ABCD"
            " (in Slack: channel details, at the bottom), not its name"
        )
    return channel


class Subscription(BaseModel):
    """A channel's digest subscription. `workspace_id` is None with a single-workspace bot."""

    model_config = ConfigDict(frozen=True)

    id: int
    workspace_id: str | None = None
    channel_id: str
    cadence: Cadence
    day: int
    time: time
    tz: str
    grace: timedelta = DEFAULT_GRACE
    created_at: datetime

    @field_validator("channel_id")
    @classmethod
    def _channel(cls, value: str) -> str:
        return parse_channel_id(value)

    @field_validator("day")
    @classmethod
    def _day(cls, value: int) -> int:
        if not 0 <= value <= 6:
            raise ScheduleError(f"day must be 0 (Monday) to 6 (Sunday), not {value}")
        return value

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        return parse_time_zone(value)

    @field_validator("grace")
    @classmethod
    def _grace(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ScheduleError("the grace window cannot be negative")
        return value

    @model_validator(mode="after")
    def _aware(self) -> Subscription:
        if self.created_at.utcoffset() is None:
            raise ScheduleError("created_at must be an aware datetime")
        if self.time.tzinfo is not None:
            raise ScheduleError("time is a local wall-clock time: give it without a time zone")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The subscription's time zone."""
        return ZoneInfo(self.tz)

    def describe(self) -> str:
        """E.g. "weekly on Monday at 09:00 Europe/Amsterdam"."""
        on = _FULL_DAY_NAMES[self.day]
        when = f"the first {on} of the month" if self.cadence == Cadence.MONTHLY else on
        return f"{self.cadence.value} on {when} at {self.time:%H:%M} {self.tz}"


class Period(BaseModel):
    """The interval a digest covers, [start, end), due at `due_at` (== end); all aware UTC."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime
    due_at: datetime
    key: str


class DigestClaim(BaseModel):
    """Who took on posting a subscription's digest for a period, and whether it went out.

    `skipped_at` is set instead of `posted_at` when the digest was too late to post.
    """

    model_config = ConfigDict(frozen=True)

    id: int
    subscription_id: int
    period_key: str
    claimed_at: datetime
    claimed_by: str
    posted_at: datetime | None = None
    message_ts: str | None = None
    skipped_at: datetime | None = None

    @property
    def done(self) -> bool:
        """Posted or skipped: nothing more will happen for this period."""
        return self.posted_at is not None or self.skipped_at is not None


def schedule_from_words(words: Sequence[str], *, default_tz: str = "UTC") -> dict[str, Any]:
    """Cadence, day, time and time zone from chat words in any order (`weekly fri 08:30
    Europe/Paris`), defaults for the rest: weekly, Monday, 09:00, `default_tz` (UTC if that is
    not a known zone). Keys as `Subscription`'s: cadence, day, at, tz. Raises ScheduleError."""
    cadences = {cadence.value for cadence in Cadence}
    chosen: dict[str, Any] = {}
    for word in words:
        lowered = word.lower()
        if lowered in cadences and "cadence" not in chosen:
            chosen["cadence"] = Cadence(lowered)
        elif _is_day(lowered) and "day" not in chosen:
            chosen["day"] = parse_day(lowered)
        elif ":" in word and "at" not in chosen:
            chosen["at"] = parse_time(word)
        elif "tz" not in chosen:
            chosen["tz"] = parse_time_zone(word)
        else:
            raise ScheduleError(f"I don't know what {word!r} means here")
    if "tz" not in chosen:
        try:
            chosen["tz"] = parse_time_zone(default_tz)
        except ScheduleError:
            chosen["tz"] = "UTC"
    return {
        "cadence": chosen.get("cadence", Cadence.WEEKLY),
        "day": chosen.get("day", 0),
        "at": chosen.get("at", time(9, 0)),
        "tz": chosen["tz"],
    }


def _is_day(word: str) -> bool:
    try:
        parse_day(word)
    except ScheduleError:
        return False
    return True


def resolve_local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The aware UTC instant of a local date and wall-clock time in `zone`.

    A time in a daylight-saving gap becomes the end of the gap (the next valid instant); a time
    that occurs twice becomes its first occurrence.
    """
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == naive:
        return utc  # exists (fold=0 is the first occurrence when it happens twice)
    # In a gap: fold=1 reads it with the offset after the change, which lands before the
    # transition; fold=0 with the one before, which lands after it. Find the transition second.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = utc
    if low > high:
        low, high = high, low
    after = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def latest_due(subscription: Subscription, now: datetime) -> Period | None:
    """The period whose digest became due most recently, at or before `now`.

    None when no scheduled instant has come since the subscription was created.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    zone = subscription.zone
    today = now.astimezone(zone).date()
    due_day = _scheduled_on_or_before(subscription, today)
    if due_day is None:
        return None
    due_at = resolve_local(due_day, subscription.time, zone)
    if due_at > now.astimezone(UTC):
        due_day = _scheduled_on_or_before(subscription, due_day - timedelta(days=1))
        if due_day is None:
            return None
        due_at = resolve_local(due_day, subscription.time, zone)
    if due_at < subscription.created_at.astimezone(UTC):
        return None
    start = resolve_local(_previous(subscription, due_day), subscription.time, zone)
    return Period(start=start, end=due_at, due_at=due_at, key=due_day.isoformat())


def is_within_grace(period: Period, now: datetime, grace: timedelta = DEFAULT_GRACE) -> bool:
    """Whether a digest due at `period.due_at` may still be posted at `now`: due, and at most
    `grace` late."""
    return period.due_at <= now.astimezone(UTC) <= period.due_at + grace


def _scheduled_on_or_before(subscription: Subscription, day: date) -> date | None:
    """The last local date on or before `day` with a scheduled digest (None: none since the
    biweekly anchor)."""
    if subscription.cadence == Cadence.MONTHLY:
        candidate = _first_weekday(day.year, day.month, subscription.day)
        if candidate > day:
            year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
            candidate = _first_weekday(year, month, subscription.day)
        return candidate
    weekly = day - timedelta(days=(day.weekday() - subscription.day) % 7)
    if subscription.cadence == Cadence.WEEKLY:
        return weekly
    anchor = _biweekly_anchor(subscription)
    if weekly < anchor:
        return None
    fortnights = (weekly - anchor).days // 14
    return anchor + timedelta(days=14 * fortnights)


def _previous(subscription: Subscription, due_day: date) -> date:
    """The scheduled local date before `due_day` (the start of the period it closes)."""
    if subscription.cadence == Cadence.MONTHLY:
        year, month = (
            (due_day.year, due_day.month - 1) if due_day.month > 1 else (due_day.year - 1, 12)
        )
        return _first_weekday(year, month, subscription.day)
    return due_day - (2 * _WEEK if subscription.cadence == Cadence.BIWEEKLY else _WEEK)


def _biweekly_anchor(subscription: Subscription) -> date:
    """The date of the first weekly instant at or after the subscription's creation."""
    zone = subscription.zone
    created = subscription.created_at.astimezone(UTC)
    local = created.astimezone(zone).date()
    first = local + timedelta(days=(subscription.day - local.weekday()) % 7)
    if resolve_local(first, subscription.time, zone) < created:
        first += _WEEK
    return first


def _first_weekday(year: int, month: int, weekday: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)
