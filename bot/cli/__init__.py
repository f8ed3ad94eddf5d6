"""The `mlops-advisor` command line: the terminal interview, the portfolio, digests and `serve`."""
