"""The Slack adapter: the Bolt app, its HTTP server, Block Kit messages and the modal form."""

from bot.slack.blocks import (
    ANSWER_ACTION_PREFIX,
    METADATA_EVENT_TYPE,
    help_blocks,
    question_blocks,
    root_blocks,
    use_case_list_blocks,
    verdict_blocks,
    verdict_metadata,
    verdict_text,
)

__all__ = [
    "ANSWER_ACTION_PREFIX",
    "METADATA_EVENT_TYPE",
    "help_blocks",
    "question_blocks",
    "root_blocks",
    "use_case_list_blocks",
    "verdict_blocks",
    "verdict_metadata",
    "verdict_text",
]
