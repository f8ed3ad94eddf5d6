"""The words a person typed, parsed once into a command, whichever channel they came through."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from advisor.portfolio import parse_use_case_number
from bot.commands.model import (
    Answer,
    Command,
    Delete,
    DigestList,
    DigestPreview,
    DigestSubscribe,
    DigestUnsubscribe,
    DigestUsage,
    FollowUpText,
    Help,
    ListMine,
    OpenForm,
    Show,
    Start,
    StartInPrivate,
)

__all__ = ["START_WORDS", "Surface", "parse"]

# The command's name (Teams has no slash commands: people type it) and its short form.
START_WORDS: Final = frozenset({"mlops-check", "new"})


class Surface(StrEnum):
    """Where the words were typed, which decides what they can mean."""

    SLASH = "slash"  # after Slack's /mlops-check
    SLACK_THREAD = "slack_thread"  # a reply in a Slack thread
    PRIVATE_CHAT = "private_chat"  # a message in a Teams 1:1 chat
    CHANNEL = "channel"  # an @mention in a Teams channel or group chat


def parse(text: str, surface: Surface, *, in_interview: bool = False) -> Command:
    """The command `text` means on `surface`; `in_interview` when the person's interview there
    waits for an answer, so that most words are that answer."""
    match surface:
        case Surface.SLASH:
            return _slash(text)
        case Surface.SLACK_THREAD:
            if in_interview:
                return _any_time(text) or Answer(text)
            return FollowUpText(text.strip())
        case Surface.PRIVATE_CHAT:
            return _private_chat(text, in_interview=in_interview)
        case Surface.CHANNEL:
            return _channel(text)


def _slash(text: str) -> Command:
    verb, _, rest = text.strip().partition(" ")
    match verb.lower():
        case "" | "new":
            return Start(rest.strip())
        case "form":
            return OpenForm(rest.strip())
        case "list":
            return ListMine()
        case "show":
            return Show(rest.strip())
        case "delete":
            return Delete(rest.strip())
        case "digest":
            return _digest(rest.split(), channel_named=True)
        case _:
            return Help()


def _private_chat(text: str, *, in_interview: bool) -> Command:
    verb, _, rest = text.partition(" ")
    if verb.lower().lstrip("/") in START_WORDS:
        return Start(rest.strip())
    if in_interview:
        return _any_time(text) or Answer(text)
    if text.lower() == "list":
        return ListMine()
    if verb.lower() == "show":
        return Show(rest)
    if verb.lower() == "delete":
        return Delete(rest)
    if text.lower() in {"help", "?"}:
        return Help()
    return FollowUpText(text, say_not_started=True)


def _channel(text: str) -> Command:
    words = text.split()
    verb = words[0].lower().lstrip("/") if words else ""
    if verb in START_WORDS:
        return StartInPrivate()
    if verb == "digest":
        return _digest(words[1:], channel_named=False)
    return Help()


def _any_time(text: str) -> Command | None:
    """The commands that work in the middle of an interview: only a message that is nothing but
    the command, so that an answer which merely contains the word stays an answer."""
    words = text.split()
    if len(words) == 1 and words[0].lower() == "list":
        return ListMine()
    if (
        len(words) == 2
        and words[0].lower() == "show"
        and parse_use_case_number(words[1]) is not None
    ):
        return Show(words[1])
    return None


def _digest(words: list[str], *, channel_named: bool) -> Command:
    """`digest subscribe|unsubscribe|list|preview …`; with `channel_named` (Slack) the channel
    is the first word after the action, otherwise it is the channel the words were typed in."""
    action = words[0].lower() if words else ""
    rest = tuple(words[1:])
    match action:
        case "subscribe" if channel_named:
            return DigestSubscribe(rest[0] if rest else None, rest[1:], channel_named=True)
        case "subscribe":
            return DigestSubscribe(None, rest)
        case "unsubscribe" if channel_named:
            return DigestUnsubscribe(rest[0] if len(rest) == 1 else None, channel_named=True)
        case "unsubscribe":
            return DigestUnsubscribe(None)
        case "list":
            return DigestList()
        case "preview":
            return DigestPreview()
        case _:
            return DigestUsage()
