"""Commands executed once against the service, for every channel; permissions decided here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from advisor import Platform, UseCase
from advisor.portfolio import parse_use_case_number
from advisor.schedule import ScheduleError, is_teams_channel, parse_channel_id, schedule_from_words
from bot.blocking import call_service
from bot.commands.model import (
    Answer,
    Command,
    Delete,
    DigestList,
    DigestPreview,
    DigestSubscribe,
    DigestUnsubscribe,
    DigestUsage,
    FollowUpStatus,
    FollowUpText,
    Help,
    HomeTab,
    ListMine,
    OpenForm,
    Press,
    Profile,
    Show,
    Start,
    StartInPrivate,
    Where,
    Who,
)
from bot.commands.parse import Surface, parse
from bot.commands.replies import (
    AlreadyAnswered,
    Deleted,
    DigestNameNotLink,
    DigestNeedsChannel,
    DigestPreviewed,
    DigestRefused,
    DigestUsageReply,
    FilesNotRead,
    FollowUpClosed,
    FollowUpRecorded,
    FormRequested,
    HelpReply,
    Home,
    NeedNumber,
    NoInterviewHere,
    NotStarted,
    NotYours,
    NoVerdictYet,
    Progress,
    Reply,
    StartOffer,
    Subscribed,
    SubscriptionList,
    UnderWay,
    Unsubscribed,
    UseCaseList,
    Verdict,
)
from bot.service import Advisor, Proposer, Turn
from bot.settings import Settings

__all__ = ["Commands"]

_LIST_LIMIT: Final = 20
_HOME_LIMIT: Final = 40
_PREVIEW_DAYS: Final = 7
_DEFAULT_TIME_ZONE: Final = "UTC"
# A channel Slack linked in command text: <#C123|name> or <#C123>.
_CHANNEL_LINK: Final = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")


class Commands:
    """The command layer: one command in, the replies out, whatever the channel."""

    def __init__(self, advisor: Advisor, admins: Mapping[Platform, frozenset[str]]) -> None:
        self._advisor = advisor
        self._admins = admins

    @classmethod
    def for_settings(cls, advisor: Advisor, settings: Settings) -> Commands:
        """The command layer with the deployment's admins on each platform."""
        return cls(
            advisor,
            {
                Platform.SLACK: settings.mlops_advisor_admins,
                Platform.TEAMS: settings.mlops_advisor_teams_admins,
            },
        )

    async def on_text(
        self,
        text: str,
        surface: Surface,
        who: Who,
        where: Where,
        *,
        files: bool = False,
        inbox_event: int | None = None,
    ) -> list[Reply]:
        """What typed words mean here, executed: most words are the answer to an interview
        waiting here, the rest are commands."""
        key = where.interview_key
        in_interview = key is not None and await call_service(self._advisor.is_active, key)
        command = parse(text, surface, in_interview=in_interview)
        if isinstance(command, Answer):
            if files and not text.strip():
                return [FilesNotRead()]
            command = Answer(command.text, inbox_event)
        return await self.execute(command, who, where)

    async def execute(self, command: Command, who: Who, where: Where) -> list[Reply]:
        """Carry the command out; the replies say what happened, for the adapter to render."""
        match command:
            case Start():
                return await self._start(command, who, where)
            case StartInPrivate():
                return [StartOffer(who.name)]
            case OpenForm():
                return [FormRequested(command.title)]
            case Answer():
                return [Progress(await self._answer(command, who, where))]
            case Press():
                return await self._press(command, who, where)
            case ListMine():
                mine = await call_service(
                    self._advisor.use_cases, proposer_id=who.user_id, limit=_LIST_LIMIT
                )
                return [UseCaseList(tuple(mine))]
            case Show() | Delete():
                return await self._show_or_delete(command, who)
            case Help():
                return [HelpReply(in_channel=where.in_channel, in_group_chat=where.in_group_chat)]
            case HomeTab():
                return [await self._home(who, where)]
            case FollowUpText() | FollowUpStatus():
                return await self._follow_up(command, who, where)
            case DigestSubscribe() | DigestUnsubscribe():
                return [await self._digest_change(command, who, where)]
            case DigestList():
                return [await self._digest_list(where)]
            case DigestPreview():
                data = await call_service(
                    self._advisor.digest_data,
                    days=_PREVIEW_DAYS,
                    workspace_id=where.preview_workspace,
                )
                return [DigestPreviewed(data)]
            case DigestUsage():
                return [DigestUsageReply()]

    def is_admin(self, who: Who) -> bool:
        """Whether the deployment made them the advisor's admin on their platform."""
        return who.user_id in self._admins.get(who.platform, frozenset())

    # The interview ---------------------------------------------------------------------------

    async def _start(self, command: Start, who: Who, where: Where) -> list[Reply]:
        key = _key(where)
        if await call_service(self._advisor.is_active, key):
            return [UnderWay(await call_service(self._advisor.current, key))]
        step = await call_service(self._advisor.current, key)
        if command.title:
            step = (await self._answer(Answer(command.title), who, where)).step
        return [Progress(Turn(step=step))]

    async def _answer(self, command: Answer, who: Who, where: Where) -> Turn:
        return await call_service(
            self._advisor.answer,
            _key(where),
            command.text,
            proposer=Proposer(id=who.user_id, name=who.name),
            place=where.place,
            inbox_event=command.inbox_event,
        )

    async def _press(self, command: Press, who: Who, where: Where) -> list[Reply]:
        key = _key(where)
        if not await call_service(self._advisor.is_active, key):
            return [NoInterviewHere()]
        pressed = await call_service(
            self._advisor.answer_button,
            key,
            command.value,
            at=command.at,
            proposer=Proposer(id=who.user_id, name=who.name),
            place=where.place,
            inbox_event=command.inbox_event,
        )
        return [AlreadyAnswered() if pressed is None else Progress(pressed)]

    # The portfolio ---------------------------------------------------------------------------

    async def _show_or_delete(self, command: Show | Delete, who: Who) -> list[Reply]:
        verb = "show" if isinstance(command, Show) else "delete"
        number = parse_use_case_number(command.argument)
        if number is None:
            return [NeedNumber(verb)]
        use_case = (
            None if number.id is None else await call_service(self._advisor.use_case, number.id)
        )
        # Someone else's private answers never leak: an unknown and a foreign check look alike.
        if use_case is None or not self._may_see(who, use_case):
            return [NotYours(number.typed)]
        if isinstance(command, Show):
            return [NoVerdictYet() if use_case.latest is None else Verdict(use_case)]
        deleted = await call_service(self._advisor.delete, use_case.id, actor=who.actor)
        return [Deleted(use_case.id, now=deleted)]

    def _may_see(self, who: Who, use_case: UseCase) -> bool:
        return use_case.proposer_id == who.user_id or self.is_admin(who)

    async def _home(self, who: Who, where: Where) -> Home:
        mine = await call_service(
            self._advisor.use_cases, proposer_id=who.user_id, limit=_HOME_LIMIT
        )
        totals = None
        if self.is_admin(who):
            totals = await call_service(
                self._advisor.summary, workspace_id=where.place.workspace_id or None
            )
        return Home(tuple(mine), totals)

    # Follow-ups ------------------------------------------------------------------------------

    async def _follow_up(
        self, command: FollowUpText | FollowUpStatus, who: Who, where: Where
    ) -> list[Reply]:
        """The proposer's answer to the follow-up open where they answered."""
        typed = command.text if isinstance(command, FollowUpText) else None
        status = command.status if isinstance(command, FollowUpStatus) else None
        found = None
        if typed != "":
            found = await call_service(
                self._advisor.open_follow_up,
                where.place.channel_id or "",
                where.place.thread_id,
                platform=who.platform,
                proposer_id=who.user_id,
            )
        done = None
        if found is not None:
            done = await call_service(
                self._advisor.answer_follow_up,
                found[0],
                found[1].id,
                actor=who.actor,
                pilot_status=status,
                text=typed,
            )
        if done is None:
            if isinstance(command, FollowUpStatus):
                return [FollowUpClosed()]
            return [NotStarted()] if command.say_not_started else []
        assert done.use_case.latest is not None  # re-assessed in the same transaction
        return [
            FollowUpRecorded(
                before=done.before,
                after=done.use_case.latest.assessment.tier,
                pilot_status=done.pilot_status,
                noted=done.noted,
                realised_value=done.realised_value,
            )
        ]

    # Digests ---------------------------------------------------------------------------------

    async def _digest_change(
        self, command: DigestSubscribe | DigestUnsubscribe, who: Who, where: Where
    ) -> Reply:
        profile = await who.profile() if who.profile is not None else Profile()
        if not (self.is_admin(who) or profile.is_workspace_admin):
            return DigestRefused()
        if command.channel_named:
            if command.channel is None:
                return DigestUsageReply()
            channel = _linked_channel(command.channel)
            if channel is None:
                return DigestNameNotLink()
        elif where.digest_channel is None:
            return DigestNeedsChannel()
        else:
            channel = where.digest_channel
        here = not command.channel_named
        if isinstance(command, DigestUnsubscribe):
            removed = await call_service(
                self._advisor.unsubscribe_digest, channel, workspace_id=where.digest_workspace
            )
            return Unsubscribed(
                channel, removed=removed, here=here, in_group_chat=where.in_group_chat
            )
        zone = profile.time_zone or _DEFAULT_TIME_ZONE
        try:
            schedule = schedule_from_words(command.schedule, default_tz=zone)
        except ScheduleError as error:
            return DigestUsageReply(str(error))
        subscription = await call_service(
            self._advisor.subscribe_digest,
            channel_id=channel,
            workspace_id=where.digest_workspace,
            **schedule,
        )
        return Subscribed(subscription, here=here, in_group_chat=where.in_group_chat)

    async def _digest_list(self, where: Where) -> SubscriptionList:
        subscriptions = await call_service(self._advisor.digest_subscriptions)
        made_here = tuple(
            subscription
            for subscription in subscriptions
            if subscription.workspace_id == where.digest_workspace
        )
        return SubscriptionList(made_here, here=where.digest_channel)


def _key(where: Where) -> str:
    if where.interview_key is None:
        raise ValueError("no interview runs here")
    return where.interview_key


def _linked_channel(word: str) -> str | None:
    """The channel id of a linked channel (<#C123|name>) or of a raw id; None for a name."""
    linked = _CHANNEL_LINK.fullmatch(word)
    if linked:
        return linked.group(1)
    if word.startswith("#") or is_teams_channel(word):
        # A Teams channel subscribes from Teams (or the command line), where it can be named.
        return None
    try:
        return parse_channel_id(word)
    except ScheduleError:
        return None
