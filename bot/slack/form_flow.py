"""`/mlops-check form`: the interview as a paged modal, its pages stored as they are submitted.

The pure paging is `bot.slack.form`; the form's state lives in the database under
`FormMeta.key`, the modal's private_metadata only names it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Final

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from advisor import Proposal, SessionStatus
from bot.blocking import call_service
from bot.service import NEW_SESSION, Advisor, Proposer
from bot.slack.blocks import form_error_text, form_root_blocks, form_view
from bot.slack.form import (
    Finished,
    FormMeta,
    FormState,
    PageErrors,
    answers_from_values,
    new_form,
    page_questions,
    submit_page,
)
from bot.slack.places import SlackThread
from bot.slack.replies import Outbox, post_verdict
from bot.tasks import Tasks

__all__ = ["CANNOT_POST", "FormFlow"]

logger = logging.getLogger(__name__)

# Where the bot cannot post, Slack says so with one of these; the user is told what to do.
CANNOT_POST: Final = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
)
_FORM_CANNOT_POST_TEXT: Final = (
    "I can't post in the channel where you opened the form, so your check is here instead. "
    "Invite me there with `/invite @MLOps Advisor` to have the next one posted there."
)
_FORM_RESENT: Final = "This page was already sent. Close the form and run /mlops-check form again."
_FORM_LOST: Final = (
    "Sorry, something went wrong on my side while storing the check you described in the "
    "form. Please try again in a minute with /mlops-check form."
)


class FormFlow:
    """Opens the form, takes its pages (answering within Slack's 3 seconds), stores the
    finished check and posts its verdict, and forgets a form given up."""

    def __init__(self, advisor: Advisor, tasks: Tasks) -> None:
        self._advisor = advisor
        self._tasks = tasks

    async def open(self, out: Outbox, title: str) -> None:
        """Open the form's first page; the trigger id expires 3 seconds after the command."""
        form = new_form(self._advisor.catalogue, self._advisor.policy)
        meta = FormMeta(team=out.team, channel=out.channel or "", token=uuid.uuid4().hex)
        # The title was decoded with the rest of the command text: an input shows its initial
        # value literally, so it gets the text as typed.
        initial = {"title": title} if title else None
        await out.client.views_open(
            trigger_id=out.trigger_id, view=self._page(form, meta, initial=initial)
        )

    async def submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Answer a page within Slack's 3 seconds: the engine is pure, and the form's state is
        one row read and one written. Storing the use case and posting come after the ack."""
        meta = FormMeta.decode(view.get("private_metadata"))
        user = body["user"]["id"]
        if meta is None:
            logger.warning("a form submission without our private_metadata")
            await ack(response_action="clear")
            return
        saved = await call_service(self._advisor.form_session, meta.key(user))
        if saved is None:
            form, version = new_form(self._advisor.catalogue, self._advisor.policy), NEW_SESSION
        elif saved.status is SessionStatus.ACTIVE:
            form, version = FormState.model_validate(saved.data), saved.version
        else:
            await ack(response_action="clear")  # already finished (or closed) elsewhere
            return
        if meta.page != form.number:
            # An older page of this form (sent twice, or from another window): show the current.
            await ack(response_action="update", view=self._page(form, meta))
            return
        values = (view.get("state") or {}).get("values") or {}
        await self._take_page(ack, client, meta, user, form, version, values)

    async def _take_page(  # noqa: PLR0917 - one page's whole context
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        meta: FormMeta,
        user: str,
        form: FormState,
        version: int,
        values: dict[str, Any],
    ) -> None:
        outcome = submit_page(
            self._advisor.catalogue, form, answers_from_values(values), self._advisor.policy
        )
        if isinstance(outcome, PageErrors):
            errors = {block: form_error_text(reason) for block, reason in outcome.errors.items()}
            await ack(response_action="errors", errors=errors)
            return
        finished = isinstance(outcome, Finished)
        stored = await call_service(
            self._advisor.save_form_session,
            meta.key(user),
            outcome.form.model_dump(mode="json"),
            version=version,
            status=SessionStatus.FINISHED if finished else SessionStatus.ACTIVE,
        )
        if stored is None:
            await ack(response_action="errors", errors={form.page[0]: _FORM_RESENT})
        elif not isinstance(outcome, Finished):
            await ack(response_action="update", view=self._page(outcome.form, meta))
        else:
            await ack(response_action="clear")
            self._tasks.spawn(self._finish_or_say_so(client, meta, user, outcome.proposal))

    async def closed(self, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Cancel: nothing is kept of a form given up, as of a cancelled chat interview."""
        meta = FormMeta.decode(view.get("private_metadata"))
        if meta is None:
            return
        key = meta.key(body["user"]["id"])
        saved = await call_service(self._advisor.form_session, key)
        if saved is not None and saved.status is SessionStatus.ACTIVE:
            await call_service(
                self._advisor.save_form_session,
                key,
                {},
                version=saved.version,
                status=SessionStatus.ABANDONED,
            )

    def _page(
        self, form: FormState, meta: FormMeta, *, initial: dict[str, str] | None = None
    ) -> dict[str, Any]:
        questions = page_questions(self._advisor.catalogue, form, self._advisor.policy)
        return form_view(
            questions,
            page=form.number,
            private_metadata=meta.at_page(form.number).encode(),
            submit="Submit" if form.last else "Next",
            initial=initial,
        )

    async def _finish_or_say_so(
        self, client: AsyncWebClient, meta: FormMeta, user: str, proposal: Proposal
    ) -> None:
        try:
            await self._finish(client, meta, user, proposal)
        except Exception:
            # Nobody is looking at a closed modal: say so in a direct message, then report.
            logger.exception("a finished form could not be stored or posted")
            try:
                await client.chat_postMessage(channel=user, text=_FORM_LOST)
            except Exception:
                logger.exception("could not tell the user about the failure")

    async def _finish(
        self, client: AsyncWebClient, meta: FormMeta, user: str, proposal: Proposal
    ) -> None:
        """Post the root message where the form was opened (else in a DM), store, post verdict."""
        blocks = [b.to_dict() for b in form_root_blocks(user, proposal.title)]
        text = "An MLOps check has been described."
        try:
            root = await client.chat_postMessage(channel=meta.channel, text=text, blocks=blocks)
        except SlackApiError as error:
            if error.response.get("error") not in CANNOT_POST:
                raise
            # Ephemeral messages need the bot in the channel too: a direct message it is.
            await client.chat_postMessage(channel=user, text=_FORM_CANNOT_POST_TEXT)
            root = await client.chat_postMessage(channel=user, text=text, blocks=blocks)
        thread = SlackThread(
            team=meta.team, channel=root["channel"], root_ts=root["ts"], proposer=user
        )
        use_case = await call_service(
            self._advisor.store_proposal,
            proposal,
            proposer=Proposer(id=user),
            place=thread.place,
            session_key=meta.key(user),
        )
        await post_verdict(client, thread, use_case)
