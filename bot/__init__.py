"""The shell around the pure core: command line, terminal interview, Slack app, service layer."""

__all__: list[str] = []
