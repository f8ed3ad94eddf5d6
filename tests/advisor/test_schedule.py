"""When digests are due: cadences, local times across daylight saving, grace windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from advisor.schedule import (
    Cadence,
    ScheduleError,
    Subscription,
    is_teams_channel,
    is_within_grace,
    latest_due,
    parse_channel_id,
    parse_day,
    parse_time,
    parse_time_zone,
    resolve_local,
    schedule_from_words,
)

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def subscription(
    cadence: Cadence = Cadence.WEEKLY,
    *,
    day: int = 0,
    at: time = time(9, 0),
    tz: str = "Europe/Amsterdam",
    created_at: datetime = CREATED,
    grace: timedelta = timedelta(hours=24),
) -> Subscription:
    return Subscription(
        id=1,
        channel_id="C123",
        cadence=cadence,
        day=day,
        time=at,
        tz=tz,
        grace=grace,
        created_at=created_at,
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- weekly ------------------------------------------------------------------------------------


def test_weekly_is_due_at_the_local_time_on_the_day():
    sub = subscription()
    period = latest_due(sub, utc(2026, 3, 2, 8, 0))  # Monday 09:00 CET
    assert period is not None
    assert period.due_at == utc(2026, 3, 2, 8, 0)
    assert period.end == period.due_at
    assert period.start == utc(2026, 2, 23, 8, 0)
    assert period.key == "2026-03-02"


def test_a_second_before_the_time_the_previous_week_is_the_latest():
    period = latest_due(subscription(), utc(2026, 3, 2, 7, 59, 59))
    assert period is not None
    assert period.key == "2026-02-23"


def test_the_same_period_stays_latest_all_week():
    sub = subscription()
    keys = {latest_due(sub, utc(2026, 3, 2, 8) + timedelta(hours=h)).key for h in range(168)}  # type: ignore[union-attr]
    assert keys == {"2026-03-02"}


def test_nothing_is_due_before_the_subscription_existed():
    sub = subscription(created_at=utc(2026, 3, 4, 12))  # a Wednesday
    assert latest_due(sub, utc(2026, 3, 6, 12)) is None
    period = latest_due(sub, utc(2026, 3, 9, 8))
    assert period is not None
    assert period.key == "2026-03-09"


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        latest_due(subscription(), datetime(2026, 3, 2, 9))


# --- daylight saving ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "before", "after", "before_utc_hour", "after_utc_hour"),
    [
        # Europe/Amsterdam: CET (+1) until Sunday 2026-03-29, CEST (+2) until Sunday 2026-10-25.
        ("Europe/Amsterdam", date(2026, 3, 23), date(2026, 3, 30), 8, 7),
        ("Europe/Amsterdam", date(2026, 10, 19), date(2026, 10, 26), 7, 8),
        # America/New_York: EST (-5) until Sunday 2026-03-08, EDT (-4) until Sunday 2026-11-01.
        ("America/New_York", date(2026, 3, 2), date(2026, 3, 9), 14, 13),
        ("America/New_York", date(2026, 10, 26), date(2026, 11, 2), 13, 14),
    ],
)
def test_dst_weeks_post_at_local_nine(tz, before, after, before_utc_hour, after_utc_hour):
    sub = subscription(tz=tz)
    zone = ZoneInfo(tz)
    due_after = datetime.combine(after, time(9), zone).astimezone(UTC)
    assert due_after.hour == after_utc_hour

    period = latest_due(sub, due_after)

    assert period is not None
    assert period.key == after.isoformat()
    assert period.due_at == due_after
    assert period.due_at.astimezone(zone).time() == time(9, 0)
    assert period.start.astimezone(zone).time() == time(9, 0)
    assert period.start.astimezone(zone).date() == before
    assert period.start.hour == before_utc_hour
    # The DST week is an hour shorter (spring) or longer (autumn) in absolute time.
    assert abs(period.end - period.start - timedelta(days=7)) == timedelta(hours=1)
    # One second earlier it is still the previous week's period.
    earlier = latest_due(sub, due_after - timedelta(seconds=1))
    assert earlier is not None
    assert earlier.key == before.isoformat()


def test_a_time_in_the_spring_forward_gap_is_the_end_of_the_gap():
    amsterdam = ZoneInfo("Europe/Amsterdam")
    # 2026-03-29 02:00 CET jumps to 03:00 CEST: 02:30 does not exist.
    assert resolve_local(date(2026, 3, 29), time(2, 30), amsterdam) == utc(2026, 3, 29, 1, 0)
    new_york = ZoneInfo("America/New_York")
    assert resolve_local(date(2026, 3, 8), time(2, 30), new_york) == utc(2026, 3, 8, 7, 0)


def test_a_time_that_happens_twice_is_its_first_occurrence():
    amsterdam = ZoneInfo("Europe/Amsterdam")
    # 2026-10-25 03:00 CEST falls back to 02:00 CET: 02:30 happens at 00:30 and 01:30 UTC.
    assert resolve_local(date(2026, 10, 25), time(2, 30), amsterdam) == utc(2026, 10, 25, 0, 30)


def test_a_sunday_digest_in_the_gap_is_due_once_on_the_change_night():
    sub = subscription(day=6, at=time(2, 30))
    period = latest_due(sub, utc(2026, 3, 29, 1, 0))
    assert period is not None
    assert period.key == "2026-03-29"
    assert latest_due(sub, utc(2026, 3, 29, 0, 59)).key == "2026-03-22"  # type: ignore[union-attr]


# --- biweekly and monthly ----------------------------------------------------------------------


def test_biweekly_counts_fortnights_from_the_first_instant_after_subscribing():
    sub = subscription(Cadence.BIWEEKLY, created_at=utc(2026, 3, 4, 12))  # Wednesday
    assert latest_due(sub, utc(2026, 3, 8)) is None
    first = latest_due(sub, utc(2026, 3, 9, 8))
    assert first is not None
    assert first.key == "2026-03-09"
    assert latest_due(sub, utc(2026, 3, 16, 12)).key == "2026-03-09"  # type: ignore[union-attr]
    second = latest_due(sub, utc(2026, 3, 23, 8))
    assert second is not None
    assert second.key == "2026-03-23"
    assert second.start == first.due_at


def test_biweekly_created_after_the_day_s_time_starts_a_week_later():
    sub = subscription(Cadence.BIWEEKLY, created_at=utc(2026, 3, 9, 10))  # Monday 11:00 local
    assert latest_due(sub, utc(2026, 3, 15)) is None
    assert latest_due(sub, utc(2026, 3, 16, 8)).key == "2026-03-16"  # type: ignore[union-attr]


def test_monthly_is_the_first_given_weekday_of_the_month():
    sub = subscription(Cadence.MONTHLY)  # the first Monday
    period = latest_due(sub, utc(2026, 4, 20))
    assert period is not None
    assert period.key == "2026-04-06"
    assert period.start.astimezone(sub.zone) == datetime(2026, 3, 2, 9, tzinfo=sub.zone)
    assert period.due_at == utc(2026, 4, 6, 7)  # CEST


def test_monthly_before_this_month_s_day_is_last_month_s_across_a_year():
    sub = subscription(Cadence.MONTHLY, day=4, created_at=utc(2025, 1, 1))  # first Friday
    period = latest_due(sub, utc(2026, 1, 1, 12))  # Thursday 1 January
    assert period is not None
    assert period.key == "2025-12-05"
    assert period.start.date() == date(2025, 11, 7)


# --- grace -------------------------------------------------------------------------------------


def test_grace_window():
    period = latest_due(subscription(), utc(2026, 3, 2, 8))
    assert period is not None
    assert is_within_grace(period, utc(2026, 3, 2, 8), timedelta(hours=24))
    assert is_within_grace(period, utc(2026, 3, 3, 8), timedelta(hours=24))
    assert not is_within_grace(period, utc(2026, 3, 3, 8, 0, 1), timedelta(hours=24))
    assert not is_within_grace(period, utc(2026, 3, 2, 7), timedelta(hours=24))
    assert is_within_grace(period, utc(2026, 3, 4, 8), timedelta(hours=48))


# --- parsing -----------------------------------------------------------------------------------


def test_parsing_days_times_zones_and_channels():
    assert parse_day("mon") == 0
    assert parse_day("Sunday") == 6
    assert parse_time("9:05") == time(9, 5)
    assert parse_time_zone("America/New_York") == "America/New_York"
    assert parse_channel_id("C0123ABCD") == "C0123ABCD"


@pytest.mark.parametrize(
    ("parse", "value", "message"),
    [
        (parse_day, "funday", "unknown day"),
        (parse_day, "m", "unknown day"),
        (parse_time, "25:00", "invalid time"),
        (parse_time, "9am", "invalid time"),
        (parse_time_zone, "Mars/Olympus", "unknown time zone"),
        (parse_time_zone, "../etc/passwd", "unknown time zone"),
        (parse_time_zone, "", "unknown time zone"),
        (parse_channel_id, "#general", "invalid channel id"),
    ],
)
def test_invalid_values_are_one_clear_error(parse, value, message):
    with pytest.raises(ScheduleError, match=message):
        parse(value)


def test_subscription_refuses_an_unknown_zone():
    with pytest.raises(ValueError, match="unknown time zone"):
        subscription(tz="Europe/Atlantis")


def test_teams_conversations_are_channels_too():
    channel = "teams:19:4f0c3a9e8d7b4c2a9e1f6d5c3b2a1f0e@thread.tacv2"
    assert parse_channel_id(f"  {channel} ") == channel
    assert is_teams_channel(channel) and not is_teams_channel("C0123ABCD")


@pytest.mark.parametrize(
    "value",
    [
        "teams:",
        "teams:general",
        "teams:19:abc@thread.tacv2;messageid=1700000000001",  # a thread, not the channel
        "teams:19:abc def@thread.tacv2",
        "teams:19:" + "a" * 300 + "@thread.tacv2",
    ],
)
def test_malformed_teams_conversations_are_refused_with_the_way_to_find_one(value):
    with pytest.raises(ScheduleError, match=r"invalid Teams conversation.*teams:19:"):
        parse_channel_id(value)


def test_schedule_words_in_any_order_with_defaults():
    assert schedule_from_words([], default_tz="Europe/Amsterdam") == {
        "cadence": Cadence.WEEKLY,
        "day": 0,
        "at": time(9, 0),
        "tz": "Europe/Amsterdam",
    }
    chosen = schedule_from_words(["08:30", "America/New_York", "fri", "Monthly"])
    assert chosen == {
        "cadence": Cadence.MONTHLY,
        "day": 4,
        "at": time(8, 30),
        "tz": "America/New_York",
    }
    # A zone the chat platform reports but we cannot use falls back to UTC, never fails.
    assert schedule_from_words([], default_tz="Not/AZone")["tz"] == "UTC"


@pytest.mark.parametrize(
    ("words", "message"),
    [(["Europe/Paris", "UTC"], "what 'UTC' means"), (["25:00"], "invalid time")],
)
def test_schedule_words_that_make_no_sense_say_which(words, message):
    with pytest.raises(ScheduleError, match=message):
        schedule_from_words(words)
