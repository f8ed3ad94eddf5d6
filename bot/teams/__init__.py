"""Microsoft Teams, the advisor's second adapter: `bot.teams.app` needs the `teams` extra."""
