"""The command layer: what people type in any channel, parsed and executed once."""

from bot.commands.execute import Commands
from bot.commands.model import Command, Profile, Where, Who
from bot.commands.parse import Surface, parse

__all__ = ["Command", "Commands", "Profile", "Surface", "Where", "Who", "parse"]
