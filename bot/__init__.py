"""The shell: command line (and later Slack, Teams, scheduler and digests) around the pure core."""

__all__: list[str] = []
