"""`mlops-advisor digest …`: subscribe channels to leadership digests and post the due ones.

`digest run-due` posts every digest due at that instant, exactly once however many run it, then
exits: run it from cron, a Kubernetes CronJob or any scheduler, every few minutes.

Digests are posted by `bot.slack.posting` (Slack) and `bot.teams.posting` (Teams channels, named
`teams:<conversation id>`), as `bot.bootstrap` wires them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Final

import typer

from advisor.schedule import (
    DAY_NAMES,
    Cadence,
    ScheduleError,
    Subscription,
    latest_due,
    parse_channel_id,
    parse_day,
    parse_time,
    parse_time_zone,
)
from bot.cli.support import (
    DatabaseUrlOption,
    database_errors,
    database_url_or_default,
    fail,
)
from bot.neutralise import for_terminal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.jobs.digests import RunResult
    from bot.service import ScheduledWork
    from bot.settings import Settings

__all__ = ["digest_app", "register"]

EXIT_SOME_FAILED: Final = 1
_DURATION: Final = re.compile(r"(\d+)\s*([mhd])")
_DURATION_UNITS: Final = {"m": "minutes", "h": "hours", "d": "days"}

digest_app = typer.Typer(
    name="digest",
    help="Leadership digests: subscribe channels and post the digests that are due.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

WorkspaceOption = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        help="The Slack workspace (team) id, for a bot installed in several workspaces.",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add the `digest` command group to the command line."""
    app.add_typer(digest_app, name="digest")


ChannelArgument = Annotated[
    str, typer.Argument(metavar="CHANNEL_ID", help="The Slack channel's id, e.g. C0123ABCD.")
]
TimeZoneOption = Annotated[
    str,
    typer.Option(
        "--tz", help="The IANA time zone of --time, e.g. Europe/Amsterdam.", show_default=False
    ),
]
CadenceOption = Annotated[str, typer.Option("--cadence", help="weekly, biweekly or monthly.")]
DayOption = Annotated[
    str,
    typer.Option(
        "--day", help="mon … sun; monthly digests go out on the first such day of the month."
    ),
]
TimeOption = Annotated[str, typer.Option("--time", help="Local time, HH:MM (24-hour), in --tz.")]
GraceOption = Annotated[
    str,
    typer.Option(
        "--grace", help="How late a missed digest may still be posted, e.g. 24h, 90m, 2d."
    ),
]


@digest_app.command("subscribe")
def subscribe_command(  # noqa: PLR0917 - typer passes the options as parameters
    channel_id: ChannelArgument,
    tz: TimeZoneOption,
    cadence: CadenceOption = Cadence.WEEKLY.value,
    day: DayOption = DAY_NAMES[0],
    at: TimeOption = "09:00",
    grace: GraceOption = "24h",
    workspace: WorkspaceOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Subscribe a channel to digests, or change its schedule (one subscription per channel)."""
    from storage import subscribe  # noqa: PLC0415

    try:
        channel = parse_channel_id(channel_id)
        chosen = _parse_cadence(cadence)
        weekday = parse_day(day)
        local = parse_time(at)
        zone = parse_time_zone(tz)
    except ScheduleError as error:
        raise fail(str(error)) from None
    window = _parse_duration(grace)
    with (
        _sessions(database_url) as sessions,
        database_errors("use the database"),
        sessions.begin() as session,
    ):
        subscription = subscribe(
            session,
            channel_id=channel,
            cadence=chosen,
            day=weekday,
            at=local,
            tz=zone,
            grace=window,
            workspace_id=workspace,
            now=datetime.now(UTC),
        )
    typer.echo(
        f"Digest for {subscription.channel_id}: {subscription.describe()}"
        f" (missed digests posted up to {_duration_text(subscription.grace)} late)"
    )


@digest_app.command("unsubscribe")
def unsubscribe_command(
    channel_id: ChannelArgument,
    workspace: WorkspaceOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Stop a channel's digests."""
    from storage import unsubscribe  # noqa: PLC0415

    try:
        channel = parse_channel_id(channel_id)
    except ScheduleError as error:
        raise fail(str(error)) from None
    with (
        _sessions(database_url) as sessions,
        database_errors("use the database"),
        sessions.begin() as session,
    ):
        removed = unsubscribe(session, channel, workspace_id=workspace)
    if not removed:
        raise fail(f"{channel} has no digest subscription")
    typer.echo(f"Unsubscribed {channel} from digests")


@digest_app.command("list")
def list_command(database_url: DatabaseUrlOption = None) -> None:
    """List the digest subscriptions, with when each was last due."""
    from storage import list_subscriptions  # noqa: PLC0415

    with (
        _sessions(database_url) as sessions,
        database_errors("use the database"),
        sessions() as session,
    ):
        subscriptions = list_subscriptions(session)
    if not subscriptions:
        typer.echo("No digest subscriptions yet.")
        return
    now = datetime.now(UTC)
    for subscription in subscriptions:
        typer.echo(_describe_line(subscription, now))


@digest_app.command("run-due")
def run_due_command(
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="Act as if it were this instant (ISO-8601 with an offset); default: now.",
            show_default=False,
        ),
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Post every digest due now that is not posted yet, then exit (exit code 1 if any failed).

    Safe to run from several places at once: each digest is posted once.
    """
    from bot.jobs.digests import Outcome  # noqa: PLC0415
    from bot.settings import SettingsError, load_settings  # noqa: PLC0415

    instant = _parse_now(now)
    try:
        settings = load_settings()
        if settings.teams_enabled:
            settings.teams_checked(host="127.0.0.1")  # the credentials; nothing listens here
    except SettingsError as error:
        raise fail(str(error)) from None
    if settings.slack_bot_token is None and not settings.teams_enabled:
        raise fail(
            "digest run-due posts with SLACK_BOT_TOKEN (Slack channels) or the TEAMS_ settings "
            "(Teams channels): set them"
        )
    with _scheduled_work(database_url or settings.database_url) as work:
        # Warnings from everything; each digest posted, skipped or failed from this module.
        logging.basicConfig(
            level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        logging.getLogger("bot.jobs.digests").setLevel(logging.INFO)
        with database_errors("use the database"):
            results = _run_due(settings, work, instant)
    counts = dict.fromkeys(Outcome, 0)
    for result in results:
        counts[result.outcome] += 1
        if result.outcome in {Outcome.POSTED, Outcome.FAILED, Outcome.SKIPPED}:
            key = result.period.key if result.period else "-"
            detail = f": {for_terminal(result.error)}" if result.error else ""
            typer.echo(f"{result.outcome.value} {result.subscription.channel_id} {key}{detail}")
    summary = ", ".join(f"{count} {outcome.value}" for outcome, count in counts.items() if count)
    typer.echo(f"Digests: {summary or 'no subscriptions'}")
    if counts[Outcome.FAILED]:
        raise typer.Exit(EXIT_SOME_FAILED)


# --- helpers -----------------------------------------------------------------------------------


@contextmanager
def _scheduled_work(database_url: str | None) -> Iterator[ScheduledWork]:
    """The scheduled work's service on the prepared database (schema at head), closed after."""
    from bot.bootstrap import open_scheduled_work  # noqa: PLC0415

    url = database_url_or_default(database_url)
    with database_errors("open the database"):
        work = open_scheduled_work(url)
    with work:
        yield work


@contextmanager
def _sessions(database_url: str | None) -> Iterator[sessionmaker[Session]]:
    """Sessions on the prepared database (schema at head); the engine is disposed after."""
    from bot.bootstrap import prepare_database  # noqa: PLC0415
    from storage import make_session_factory  # noqa: PLC0415

    url = database_url_or_default(database_url)
    with database_errors("open the database"):
        engine = prepare_database(url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _run_due(settings: Settings, work: ScheduledWork, instant: datetime) -> list[RunResult]:
    """The digests due at `instant`, posted with each platform that is set up."""
    from bot.bootstrap import (  # noqa: PLC0415
        TeamsNotInstalledError,
        run_due_digests_now,
        teams_sender,
    )

    try:
        teams = teams_sender(settings)
    except TeamsNotInstalledError as error:
        raise fail(str(error)) from None
    return run_due_digests_now(settings, work, instant, teams=teams)


def _parse_cadence(value: str) -> Cadence:
    try:
        return Cadence(value.strip().lower())
    except ValueError:
        choices = ", ".join(cadence.value for cadence in Cadence)
        raise ScheduleError(f"unknown cadence {value!r}: use one of {choices}") from None


def _parse_duration(value: str) -> timedelta:
    match = _DURATION.fullmatch(value.strip().lower())
    if match is None:
        raise fail(
            f"invalid --grace {value!r}: use a number of minutes, hours or days: 90m, 24h, 2d"
        )
    return timedelta(**{_DURATION_UNITS[match.group(2)]: int(match.group(1))})


def _duration_text(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise fail(
            f"invalid --now {value!r}: use ISO-8601 with an offset, e.g. 2026-03-02T09:00:00+01:00"
        ) from None
    if parsed.utcoffset() is None:
        raise fail(
            f"--now {value!r} has no UTC offset: add one, e.g. {value.strip()}+01:00"
            f" or {value.strip()}Z"
        )
    return parsed.astimezone(UTC)


def _describe_line(subscription: Subscription, now: datetime) -> str:
    where = subscription.channel_id
    if subscription.workspace_id:
        where = f"{subscription.workspace_id}/{where}"
    period = latest_due(subscription, now)
    last = f"last due {period.key}" if period else "not due yet"
    grace = _duration_text(subscription.grace)
    return f"{where}  {subscription.describe()}  grace {grace}  {last}"
