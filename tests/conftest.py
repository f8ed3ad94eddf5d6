"""What pytest leaves alone under tests/."""

# `make test-teams-client` (a browser, npm and Microsoft's Agents Playground), not `make test`:
# pytest never enters it, whichever folder it is run from.
collect_ignore = ["teams_client"]
