"""The words people type, parsed once into commands: the same words mean the same everywhere."""

from __future__ import annotations

import pytest

from bot.commands import Surface, parse
from bot.commands.model import (
    Answer,
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


@pytest.mark.parametrize("surface", [Surface.SLACK_THREAD, Surface.PRIVATE_CHAT])
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("list", ListMine()),
        ("  LIST ", ListMine()),
        ("show 12", Show("12")),
        ("Show #3", Show("#3")),
    ],
)
def test_list_and_show_are_commands_in_the_middle_of_an_interview(
    surface: Surface, typed: str, meant: object
) -> None:
    assert parse(typed, surface, in_interview=True) == meant


@pytest.mark.parametrize("surface", [Surface.SLACK_THREAD, Surface.PRIVATE_CHAT])
@pytest.mark.parametrize(
    "typed",
    [
        "a list of customers",
        "list prices from the catalogue",
        "show the results to the planners",
        "show",
        "12",
        "help",  # the interview's own word: help on the open question
        "cancel",  # the interview's own word: drops the check
    ],
)
def test_an_answer_that_merely_contains_a_command_word_stays_an_answer(
    surface: Surface, typed: str
) -> None:
    assert parse(typed, surface, in_interview=True) == Answer(typed)


def test_a_private_chat_outside_an_interview_takes_the_commands() -> None:
    chat = Surface.PRIVATE_CHAT
    assert parse("mlops-check Churn model", chat) == Start("Churn model")
    assert parse("/mlops-check", chat, in_interview=True) == Start("")
    assert parse("list", chat) == ListMine()
    assert parse("show 4", chat) == Show("4")
    assert parse("delete 4", chat) == Delete("4")
    assert parse("?", chat) == Help()
    assert parse("the pilot went live in May", chat) == FollowUpText(
        "the pilot went live in May", say_not_started=True
    )


def test_a_slack_thread_without_an_interview_holds_follow_up_answers() -> None:
    assert parse("  list ", Surface.SLACK_THREAD) == FollowUpText("list")


def test_the_slash_command_subcommands() -> None:
    slash = Surface.SLASH
    assert parse("", slash) == Start("")
    assert parse("new  Churn model ", slash) == Start("Churn model")
    assert parse("form Churn", slash) == OpenForm("Churn")
    assert parse("LIST", slash) == ListMine()
    assert parse("what is this", slash) == Help()
    assert parse("digest subscribe <#C1|ops> weekly fri", slash) == DigestSubscribe(
        "<#C1|ops>", ("weekly", "fri"), channel_named=True
    )
    assert parse("digest subscribe", slash) == DigestSubscribe(None, (), channel_named=True)
    assert parse("digest unsubscribe a b", slash) == DigestUnsubscribe(None, channel_named=True)
    assert parse("digest Preview", slash) == DigestPreview()
    assert parse("digest", slash) == DigestUsage()


def test_a_channel_mention_starts_in_private_or_manages_this_channels_digest() -> None:
    channel = Surface.CHANNEL
    assert parse("mlops-check", channel) == StartInPrivate()
    assert parse("digest subscribe monthly", channel) == DigestSubscribe(None, ("monthly",))
    assert parse("digest unsubscribe", channel) == DigestUnsubscribe(None)
    assert parse("digest list", channel) == DigestList()
    assert parse("hello", channel) == Help()
