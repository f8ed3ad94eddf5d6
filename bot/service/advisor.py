"""The advisor service: interviews, forms, the portfolio and the inbox, over one database."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from advisor import (
    CATALOGUE,
    DEFAULT,
    Ask,
    Cadence,
    Cancelled,
    Catalogue,
    DigestData,
    Done,
    InterviewState,
    PilotStatus,
    Platform,
    Policy,
    PortfolioSummary,
    Position,
    Proposal,
    SessionStatus,
    Step,
    StoredAssessment,
    Subscription,
    Tier,
    UseCase,
    UseCaseStatus,
    advance,
    assess,
    start,
    summarize_portfolio,
)
from advisor.follow_up import follow_up_note, realised_value
from advisor.proposal import MAX_TEXT_LENGTH
from bot.service.clock import utc_now
from bot.service.jobs import ScheduledWork
from storage import (
    NEW_SESSION,
    InboxEvent,
    StaleSessionError,
    add_assessment,
    assessment_history,
    claim_event,
    create_use_case,
    delete_use_case,
    finish_inbox_event,
    forget_inbox_events,
    get_use_case,
    import_use_cases,
    list_use_cases,
    load_session,
    mark_inbox_event_applied,
    receive_inbox_event,
    save_session,
    session_status,
    session_use_case_id,
    take_next_inbox_event,
    update_proposal,
    waiting_inbox_threads,
)

__all__ = ["Advisor", "FollowUpAnswered", "FormSession", "Place", "Proposer", "Turn", "utc_now"]

logger = logging.getLogger(__name__)

# Two replicas answering the same interview at once: the loser reloads and applies its answer to
# the winner's state. More than a few collisions in a row means something else is wrong.
_SAVE_ATTEMPTS: Final = 3
# Processed requests stay in the inbox as claims against late retries (Slack retries for about
# five minutes), then go: they hold what people typed.
_INBOX_KEPT: Final = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Proposer:
    """Who is talking to the advisor."""

    id: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """Where a use case lives: the platform, and its workspace, channel and thread there."""

    platform: Platform = Platform.CLI
    workspace_id: str | None = None
    channel_id: str | None = None
    thread_id: str | None = None


@dataclass(frozen=True, slots=True)
class FormSession:
    """A form's saved state: the adapter's JSON, its version (for `save_form_session`), status."""

    data: dict[str, Any]
    version: int
    status: SessionStatus


@dataclass(frozen=True, slots=True)
class FollowUpAnswered:
    """A follow-up's answer applied: the tier before, the re-assessed use case, and what the
    answer changed (the pilot status; the notes, with the realised value they name)."""

    before: Tier | None
    use_case: UseCase
    pilot_status: PilotStatus | None
    noted: bool
    realised_value: float | None


@dataclass(frozen=True, slots=True)
class Turn:
    """The engine's step after an answer, and the stored use case once the interview is done."""

    step: Step
    use_case: UseCase | None = None


class Advisor:
    """The advisor's use cases: interviews, assessments and the portfolio, over one database."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        policy: Policy = DEFAULT,
        catalogue: Catalogue = CATALOGUE,
        clock: Callable[[], datetime] = utc_now,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self.policy = policy
        self.catalogue = catalogue
        self._clock = clock
        self._on_close = on_close

    def close(self) -> None:
        """Release the database connections."""
        if self._on_close is not None:
            self._on_close()

    def __enter__(self) -> Advisor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # Interviews ---------------------------------------------------------------------------

    def current(self, key: str) -> Step:
        """The question an interview is waiting on; a new interview if none is under way."""
        with self._sessions.begin() as session:
            # A finished or cancelled interview under the same key (a Teams chat is one long
            # conversation) is not resumed: a new one starts, active.
            waiting = self._open_step(session, key)
            if waiting is not None:
                return waiting
            loaded = load_session(session, key)
            # The earlier interview's moves carry on, so none of its buttons answers this one.
            earlier = None if loaded is None else InterviewState.model_validate(loaded[0])
            first = start(self.catalogue, after=earlier)
            save_session(
                session,
                key,
                first.state.model_dump(mode="json"),
                NEW_SESSION if loaded is None else loaded[1],
                now=self._clock(),
                status=SessionStatus.ACTIVE,
            )
            return first

    def answer(
        self,
        key: str,
        text: str,
        *,
        proposer: Proposer,
        place: Place,
        inbox_event: int | None = None,
    ) -> Turn:
        """Apply one answer to the interview under `key`, saved before this returns.

        When the answer finishes the interview, the proposal is assessed and stored as a use
        case in the same transaction, so a verdict is never shown without being kept. An answer
        that came through the inbox (`inbox_event`) is applied once: taken over after a crash
        that cut its reply short, it changes nothing and the turn repeats the open question.
        """
        turn = self._answer_saved(key, text, proposer, place, at=None, inbox_event=inbox_event)
        assert turn is not None  # only an answer tied to a position can come too late
        return turn

    def answer_button(
        self,
        key: str,
        text: str,
        *,
        at: Position | None,
        proposer: Proposer,
        place: Place,
        inbox_event: int | None = None,
    ) -> Turn | None:
        """Apply a button's answer if the interview is still at the position the button was
        posted at (`InterviewState.position`); as `answer` otherwise.

        None, with nothing changed, when it has moved on: a double click, a replayed press or a
        button of an older question. The check is made in the transaction that saves, and again
        after a concurrent save, so of two presses racing for one question exactly one counts.
        A button with no position (posted before buttons carried one) answers the open question.
        """
        return self._answer_saved(key, text, proposer, place, at=at, inbox_event=inbox_event)

    def _answer_saved(
        self,
        key: str,
        text: str,
        proposer: Proposer,
        place: Place,
        *,
        at: Position | None,
        inbox_event: int | None,
    ) -> Turn | None:
        for attempt in range(1, _SAVE_ATTEMPTS + 1):
            try:
                with self._sessions.begin() as session:
                    if inbox_event is not None and not mark_inbox_event_applied(
                        session, inbox_event, self._clock()
                    ):
                        return self._replayed_turn(session, key)
                    return self._answer(session, key, text, proposer, place, at=at)
            except StaleSessionError:
                if attempt == _SAVE_ATTEMPTS:
                    raise
                logger.info("interview %s was saved by another writer; retrying", key)
        raise AssertionError("unreachable")  # pragma: no cover

    def _answer(
        self,
        session: Session,
        key: str,
        text: str,
        proposer: Proposer,
        place: Place,
        *,
        at: Position | None,
    ) -> Turn | None:
        now = self._clock()
        loaded = load_session(session, key)
        version = NEW_SESSION if loaded is None else loaded[1]
        state = (
            start(self.catalogue).state
            if loaded is None
            else InterviewState.model_validate(loaded[0])
        )
        if at is not None and (loaded is None or state.position != at):
            # Decided on the state this transaction read: when another writer saved since, the
            # save below fails and the retry decides again on what that writer left.
            logger.info("a button of interview %s was pressed after it moved on", key)
            return None
        if state.current is None:
            # The last interview finished: a new one begins, its moves following on.
            state = start(self.catalogue, after=state).state
        step = advance(self.catalogue, state, text, policy=self.policy)
        use_case = None
        saved_state, status = step.state, SessionStatus.ACTIVE
        if isinstance(step, Done):
            use_case = self._store(session, step.proposal, proposer, place, now)
            status = SessionStatus.FINISHED
        elif isinstance(step, Cancelled):
            # Nothing is kept of a cancelled interview; the next message starts afresh.
            saved_state = start(self.catalogue, after=step.state).state
            status = SessionStatus.ABANDONED
        save_session(
            session,
            key,
            saved_state.model_dump(mode="json"),
            version,
            now=now,
            use_case_id=use_case.id if use_case else None,
            status=status,
        )
        return Turn(step=step, use_case=use_case)

    def _store(
        self, session: Session, proposal: Proposal, proposer: Proposer, place: Place, now: datetime
    ) -> UseCase:
        created = create_use_case(
            session,
            proposal,
            now=now,
            proposer_id=proposer.id,
            proposer_name=proposer.name,
            platform=place.platform,
            workspace_id=place.workspace_id,
            channel_id=place.channel_id,
            thread_id=place.thread_id,
            status=UseCaseStatus.ASSESSED,
        )
        add_assessment(session, created.id, assess(proposal, self.policy), self.policy.version, now)
        stored = get_use_case(session, created.id)
        assert stored is not None  # created in this very transaction
        return stored

    def _open_step(self, session: Session, key: str) -> Ask | None:
        """The question the interview under `key` waits on; None when it waits on none."""
        loaded = load_session(session, key)
        if loaded is None or session_status(session, key) is not SessionStatus.ACTIVE:
            return None
        state = InterviewState.model_validate(loaded[0])
        question = (
            None if state.current is None else self.catalogue.question(state.current, self.policy)
        )
        return None if question is None else Ask(question=question, state=state)

    def _replayed_turn(self, session: Session, key: str) -> Turn:
        """The turn an answer already applied led to, told again: the open question, the
        verdict, or the cancellation."""
        waiting = self._open_step(session, key)
        if waiting is not None:
            return Turn(step=waiting)
        loaded = load_session(session, key)
        assert loaded is not None  # the answer was applied to it
        state = InterviewState.model_validate(loaded[0])
        use_case_id = session_use_case_id(session, key)
        use_case = None if use_case_id is None else get_use_case(session, use_case_id)
        if use_case is None:  # cancelled (or the check deleted since)
            return Turn(step=Cancelled(state=state))
        return Turn(step=Done(proposal=use_case.proposal, state=state), use_case=use_case)

    def is_active(self, key: str) -> bool:
        """Whether an interview under `key` is waiting for an answer (not finished, cancelled,
        or never started): a chat thread only listens while it is."""
        with self._sessions() as session:
            return session_status(session, key) is SessionStatus.ACTIVE

    # Forms (a whole interview in one go, e.g. a Slack modal) --------------------------------

    def form_session(self, key: str) -> FormSession | None:
        """A form's state as its adapter saved it (any JSON object), or None if there is none.

        Forms keep their sessions apart from chat interviews by their keys' prefix; the
        engine's state is inside `data`, in whatever shape the adapter chose.
        """
        with self._sessions() as session:
            loaded = load_session(session, key)
            status = session_status(session, key)
        if loaded is None or status is None:
            return None
        return FormSession(data=loaded[0], version=loaded[1], status=status)

    def save_form_session(
        self,
        key: str,
        data: dict[str, Any],
        *,
        version: int,
        status: SessionStatus = SessionStatus.ACTIVE,
    ) -> int | None:
        """Save a form's state if nobody did since `version` (NEW_SESSION creates it).

        Returns the new version, or None when another request saved first (the same page sent
        twice): the caller must not act on its answers.
        """
        try:
            with self._sessions.begin() as session:
                return save_session(session, key, data, version, now=self._clock(), status=status)
        except StaleSessionError:
            return None

    def store_proposal(
        self,
        proposal: Proposal,
        *,
        proposer: Proposer,
        place: Place,
        session_key: str | None = None,
    ) -> UseCase:
        """Assess and store a complete proposal as a use case, exactly as a finished interview.

        With `session_key`, the form session that collected it is linked to the use case in the
        same transaction, so deleting the use case deletes the answers kept there too.
        """
        for attempt in range(1, _SAVE_ATTEMPTS + 1):
            try:
                with self._sessions.begin() as session:
                    now = self._clock()
                    use_case = self._store(session, proposal, proposer, place, now)
                    loaded = load_session(session, session_key) if session_key else None
                    if session_key is not None and loaded is not None:
                        save_session(
                            session,
                            session_key,
                            loaded[0],
                            loaded[1],
                            now=now,
                            use_case_id=use_case.id,
                            status=SessionStatus.FINISHED,
                        )
                    return use_case
            except StaleSessionError:
                if attempt == _SAVE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # Platform plumbing ----------------------------------------------------------------------

    def first_delivery(self, event_id: str) -> bool:
        """True the first time a platform event is seen; False for its retries, on any replica."""
        with self._sessions.begin() as session:
            return claim_event(session, event_id, self._clock())

    # The inbox (storage.inbox): requests stored before they are acknowledged ------------------

    def receive(
        self, delivery_key: str, thread_key: str, sent_ts: str, payload: dict[str, Any]
    ) -> int | None:
        """Store a request before it is acknowledged: its inbox id, or None for a retry or a
        replay of one stored before."""
        with self._sessions.begin() as session:
            return receive_inbox_event(
                session, delivery_key, thread_key, sent_ts, payload, now=self._clock()
            )

    def take_next(self, thread_key: str, *, stale_after: timedelta) -> InboxEvent | None:
        """Claim the thread's oldest unprocessed request, unless another worker holds it."""
        now = self._clock()
        with self._sessions.begin() as session:
            return take_next_inbox_event(session, thread_key, now, stale_before=now - stale_after)

    def finish(self, event_id: int) -> None:
        """Mark an inbox request processed."""
        with self._sessions.begin() as session:
            finish_inbox_event(session, event_id, self._clock())

    def waiting_threads(self, *, unclaimed_for: timedelta, stale_after: timedelta) -> list[str]:
        """Threads whose requests nobody processes (their process died); drops processed
        requests older than a day on the way, as no platform retries that late."""
        now = self._clock()
        with self._sessions.begin() as session:
            forget_inbox_events(session, before=now - _INBOX_KEPT)
            return waiting_inbox_threads(
                session, received_before=now - unclaimed_for, stale_before=now - stale_after
            )

    def ping(self) -> bool:
        """Whether the database answers."""
        try:
            with self._sessions() as session:
                session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            logger.warning("the database does not answer", exc_info=True)
            return False
        return True

    # The portfolio ------------------------------------------------------------------------

    def import_proposals(
        self, proposals: Iterable[Proposal], *, actor: str, proposer: Proposer | None = None
    ) -> list[int]:
        """Assess and store proposals in one transaction: all of them or none.

        `proposals` may be a generator: each one is assessed as the store takes its batch, so a
        large import never holds every assessment at once. An exception the generator raises
        rolls the whole import back and propagates.
        """
        items = ((proposal, assess(proposal, self.policy)) for proposal in proposals)
        with self._sessions.begin() as session:
            return import_use_cases(
                session,
                items,
                policy_version=self.policy.version,
                now=self._clock(),
                proposer_id=proposer.id if proposer else None,
                proposer_name=proposer.name if proposer else None,
                actor=actor,
            )

    def use_cases(
        self,
        *,
        proposer_id: str | None = None,
        workspace_id: str | None = None,
        limit: int | None = None,
    ) -> list[UseCase]:
        with self._sessions() as session:
            return list_use_cases(
                session, proposer_id=proposer_id, workspace_id=workspace_id, limit=limit
            )

    def summary(self, *, workspace_id: str | None = None) -> PortfolioSummary:
        """The portfolio (of one workspace, or all) in numbers."""
        return summarize_portfolio(self.use_cases(workspace_id=workspace_id))

    def use_case(self, use_case_id: int) -> UseCase | None:
        with self._sessions() as session:
            return get_use_case(session, use_case_id)

    def history(self, use_case_id: int) -> list[StoredAssessment]:
        with self._sessions() as session:
            return assessment_history(session, use_case_id)

    def delete(self, use_case_id: int, *, actor: str) -> bool:
        """Remove a use case with its answers and assessments; the audit log keeps the fact."""
        with self._sessions.begin() as session:
            return delete_use_case(session, use_case_id, actor, self._clock())

    # Follow-ups after a verdict (see bot.jobs.follow_ups) -----------------------------------------

    def open_follow_up(
        self,
        channel_id: str,
        thread_id: str | None,
        *,
        platform: Platform = Platform.SLACK,
        proposer_id: str | None = None,
    ) -> tuple[int, UseCase] | None:
        """The posted, unanswered follow-up in a Slack thread or a Teams chat (its id) and its
        use case; only among `proposer_id`'s use cases if given."""
        from storage.follow_up_repository import open_follow_up  # noqa: PLC0415

        with self._sessions() as session:
            found = open_follow_up(
                session,
                channel_id=channel_id,
                thread_id=thread_id,
                platform=platform,
                proposer_id=proposer_id,
            )
            use_case = None if found is None else get_use_case(session, found.use_case_id)
        return None if found is None or use_case is None else (found.id, use_case)

    def answer_follow_up(
        self,
        follow_up_id: int,
        use_case_id: int,
        *,
        actor: str,
        pilot_status: PilotStatus | None = None,
        text: str | None = None,
    ) -> FollowUpAnswered | None:
        """Apply the proposer's answer to a follow-up: the pilot status, or typed text appended
        to the notes (with the realised value it names); then re-assess, keeping the history.

        Returns what changed, with the tier before; None if the follow-up was already answered
        (the first answer wins).
        """
        from storage.follow_up_repository import record_follow_up_answer  # noqa: PLC0415

        now = self._clock()
        with self._sessions.begin() as session:
            use_case = get_use_case(session, use_case_id)
            if use_case is None:
                return None
            answer = pilot_status.value if pilot_status is not None else (text or "")
            if not record_follow_up_answer(session, follow_up_id, answer, now):
                return None
            before = use_case.latest.assessment.tier if use_case.latest else None
            changes: dict[str, Any] = {}
            value = None
            if pilot_status is not None:
                changes["pilot_status"] = pilot_status
            if text:
                value = realised_value(text)
                line = follow_up_note(text, now, value)
                notes = f"{use_case.proposal.notes}\n{line}" if use_case.proposal.notes else line
                changes["notes"] = notes[-MAX_TEXT_LENGTH:]
                if use_case.proposal.operating_plan is None:
                    # One of the questions is who runs it: with no plan on record, the reply is
                    # the best statement of one there is.
                    changes["operating_plan"] = text[:MAX_TEXT_LENGTH]
            proposal = Proposal.model_validate({**use_case.proposal.model_dump(), **changes})
            update_proposal(session, use_case_id, proposal, actor=actor, now=now)
            add_assessment(
                session, use_case_id, assess(proposal, self.policy), self.policy.version, now
            )
            updated = get_use_case(session, use_case_id)
            assert updated is not None and updated.latest is not None  # in this transaction
            return FollowUpAnswered(
                before=before,
                use_case=updated,
                pilot_status=pilot_status,
                noted=bool(text),
                realised_value=value,
            )

    # Leadership digests --------------------------------------------------------------------

    def subscribe_digest(
        self,
        *,
        channel_id: str,
        cadence: Cadence,
        day: int,
        at: time,
        tz: str,
        workspace_id: str | None = None,
    ) -> Subscription:
        """Subscribe a channel to digests, or change its schedule (see `storage.subscribe`)."""
        from storage import subscribe  # noqa: PLC0415

        with self._sessions.begin() as session:
            return subscribe(
                session,
                channel_id=channel_id,
                cadence=cadence,
                day=day,
                at=at,
                tz=tz,
                workspace_id=workspace_id,
                now=self._clock(),
            )

    def unsubscribe_digest(self, channel_id: str, *, workspace_id: str | None = None) -> bool:
        """Stop a channel's digests; False if it had no subscription."""
        from storage import unsubscribe  # noqa: PLC0415

        with self._sessions.begin() as session:
            return unsubscribe(session, channel_id, workspace_id=workspace_id)

    def digest_subscriptions(self) -> list[Subscription]:
        """Every digest subscription, oldest first."""
        from storage import list_subscriptions  # noqa: PLC0415

        with self._sessions() as session:
            return list_subscriptions(session)

    def digest_data(self, *, days: int = 7, workspace_id: str | None = None) -> DigestData:
        """The digest's data for the last `days` days (of one workspace, or all)."""
        return self.scheduled_work().recent_digest(days=days, workspace_id=workspace_id)

    def scheduled_work(self) -> ScheduledWork:
        """The scheduled work's service (digests, follow-ups) on this advisor's database, policy
        and clock; closing the advisor closes the database."""
        return ScheduledWork(self._sessions, policy=self.policy, clock=self._clock)
