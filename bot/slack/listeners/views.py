"""The form's modal: a page submitted (answered before the ack), the form closed."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack.blocks import FORM_CALLBACK_ID

if TYPE_CHECKING:
    from bot.slack.listeners import Deps

__all__ = ["register"]


def register(app: AsyncApp, deps: Deps) -> None:
    # A page is validated before the ack: the ack carries its errors or the next page.
    app.view(FORM_CALLBACK_ID)(deps.forms.submit)
    app.view_closed(FORM_CALLBACK_ID)(deps.acknowledger.after_ack(partial(on_closed, deps)))


async def on_closed(deps: Deps, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
    await ack()
    await deps.forms.closed(body, view)
