"""Slack's listeners, grouped by kind; each parses the payload, calls the command layer and
sends the replies."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.async_app import AsyncApp

from bot.commands import Commands
from bot.slack.acking import Acknowledger, on_error
from bot.slack.form_flow import FormFlow

__all__ = ["Deps", "register"]


@dataclass(frozen=True, slots=True)
class Deps:
    """What the listeners work with."""

    commands: Commands
    forms: FormFlow
    acknowledger: Acknowledger
    # With OAuth, digest subscriptions belong to the workspace they were made in.
    workspace_scoped: bool = False


def register(app: AsyncApp, deps: Deps) -> None:
    """Add every listener to the app, and the one error handler."""
    from bot.slack.listeners import actions, commands, events, messages, views  # noqa: PLC0415

    for kind in (commands, messages, actions, views, events):
        kind.register(app, deps)
    app.error(on_error)
