"""The command layer's replies sent to Slack: in the thread for all, or to the asker alone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient

from advisor import Platform, UseCase
from bot.commands.replies import FormRequested, Home, Progress, Reply
from bot.slack.blocks import (
    VIEW_BLOCKS_MAX,
    portfolio_totals_blocks,
    root_blocks,
    use_case_list_blocks,
    verdict_text,
)
from bot.slack.places import SlackThread
from bot.slack.render import SlackMessage, slack_message, thread_verdict

__all__ = ["FormOpener", "Outbox", "post_verdict", "send"]

# Opens the form for a FormRequested reply: the Outbox's trigger, channel and team; the title.
FormOpener = Callable[["Outbox", str], Awaitable[None]]
# Answers the asker alone, as Bolt's `respond` does (through the request's response_url).
Respond = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Outbox:
    """Where one request's replies go: its thread, if any, and the person who asked."""

    client: AsyncWebClient
    user: str
    team: str
    channel: str | None
    thread: SlackThread | None = None
    respond: Respond | None = None
    # A button's answer must not replace the message that holds the button.
    keep_original: bool = False
    trigger_id: str | None = None

    def in_thread(self, thread: SlackThread) -> Outbox:
        return replace(self, thread=thread, channel=thread.channel)


async def send(replies: Sequence[Reply], out: Outbox, open_form: FormOpener) -> None:
    """Send each reply where it belongs."""
    for reply in replies:
        if isinstance(reply, FormRequested):
            await open_form(out, reply.title)
        elif isinstance(reply, Home):
            await _publish_home(out, reply)
        else:
            await _post(out, slack_message(reply))
            if isinstance(reply, Progress) and reply.turn.use_case is not None:
                assert out.thread is not None  # a verdict is posted in its thread
                await _show_verdict_on_root(out.client, out.thread, reply.turn.use_case)


async def post_verdict(client: AsyncWebClient, thread: SlackThread, use_case: UseCase) -> None:
    """Post a stored check's verdict in its thread (as a finished form does)."""
    out = Outbox(client=client, user=thread.proposer, team=thread.team, channel=thread.channel)
    await _post(out.in_thread(thread), thread_verdict(use_case))
    await _show_verdict_on_root(client, thread, use_case)


async def _post(out: Outbox, message: SlackMessage) -> None:
    if message.public and out.thread is not None:
        await out.client.chat_postMessage(
            channel=out.thread.channel,
            thread_ts=out.thread.root_ts,
            text=message.text,
            blocks=message.blocks,
            metadata=message.metadata,
        )
    elif out.respond is not None:
        extra = {"replace_original": False} if out.keep_original else {}
        await out.respond(
            text=message.text, blocks=message.blocks, response_type="ephemeral", **extra
        )
    elif out.channel is not None:
        await out.client.chat_postEphemeral(
            channel=out.channel,
            user=out.user,
            text=message.text,
            blocks=message.blocks,
            thread_ts=out.thread.root_ts if out.thread else None,
        )


async def _show_verdict_on_root(
    client: AsyncWebClient, thread: SlackThread, use_case: UseCase
) -> None:
    """The root message shows the verdict too, for whoever scrolls the channel."""
    assert use_case.latest is not None  # stored with its assessment, in one transaction
    assessment = use_case.latest.assessment
    blocks = root_blocks(
        thread.proposer, use_case.title, tier=assessment.tier, use_case_id=use_case.id
    )
    await client.chat_update(
        channel=thread.channel,
        ts=thread.root_ts,
        text=verdict_text(use_case.title, assessment),
        blocks=[block.to_dict() for block in blocks],
    )


async def _publish_home(out: Outbox, home: Home) -> None:
    blocks: list[Block] = []
    if home.totals is not None:
        blocks += portfolio_totals_blocks(home.totals)
    blocks += use_case_list_blocks(
        home.use_cases,
        heading="Your MLOps checks",
        max_blocks=VIEW_BLOCKS_MAX - len(blocks),
        links=await _thread_links(out.client, home.use_cases),
    )
    await out.client.views_publish(
        user_id=out.user, view={"type": "home", "blocks": [b.to_dict() for b in blocks]}
    )


async def _thread_links(client: AsyncWebClient, use_cases: Sequence[UseCase]) -> dict[int, str]:
    """Permalinks to the checks' threads, asked of Slack together; a check whose thread is
    gone (or in another workspace) is listed without one."""

    async def link(use_case: UseCase) -> tuple[int, str | None]:
        try:
            found = await client.chat_getPermalink(
                channel=use_case.channel_id or "", message_ts=use_case.thread_id or ""
            )
        except SlackApiError:
            return use_case.id, None
        return use_case.id, found.get("permalink")

    found = await asyncio.gather(
        *(
            link(use_case)
            for use_case in use_cases
            if use_case.platform is Platform.SLACK and use_case.channel_id and use_case.thread_id
        )
    )
    return {use_case_id: permalink for use_case_id, permalink in found if permalink}
