"""`mlops-advisor chat`: the interview in a real terminal process, killed and resumed."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor import CATALOGUE, Tier
from bot.bootstrap import open_advisor

# (answer, the question it answers); choices are typed as numbers, like pressing a button.
TRANSCRIPT = [
    ("Invoice matching", "title"),
    ("1", "origin"),
    ("Clerks match 4,000 supplier invoices a week by hand and make mistakes", "problem"),
    ("Head of accounts payable", "business_owner"),
    ("Invoices matched without touch", "kpi"),
    ("€250k", "annual_value"),
    ("60k a year", "annual_cost"),
    ("about 4000 a week", "new_data"),
    ("monthly", "retraining"),
    ("one", "models"),
    ("batch", "serving"),
    ("1", "data_scientists"),
    ("1", "ml_engineers"),
    ("yes", "data_access"),
    ("no", "security_gaps"),
    ("1", "pilot_status"),
    ("The AP systems team runs it monthly and is paged on failures", "operating_plan"),
    ("skip", "notes"),
]


class Terminal:
    """A `chat` process with its output read in the background, so waits can time out."""

    def __init__(self, database_url: str, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--as", "tester", "--database-url", database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=cwd,
            env={**os.environ, "COLUMNS": "200"},
        )
        self.output: queue.Queue[str] = queue.Queue()
        self.seen = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for chunk in iter(lambda: self.process.stdout.read(1), ""):  # type: ignore[union-attr]
            self.output.put(chunk)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            try:
                self.seen += self.output.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"waited for {text!r}; the terminal shows:\n{self.seen}")

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.seen = ""
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


@pytest.fixture
def terminals(database_url: str, tmp_path: Path) -> Iterator[list[Terminal]]:
    from bot.bootstrap import prepare_database

    prepare_database(database_url, upgrade_schema=True).dispose()
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def prompt(question_id: str) -> str:
    question = CATALOGUE.question(question_id)
    assert question is not None
    return question.prompt


@pytest.mark.parametrize("killed_after", [1, 6, 16])
def test_killed_chat_resumes_with_every_answer_kept(
    database_url: str, tmp_path: Path, terminals: list[Terminal], killed_after: int
) -> None:
    terminal = Terminal(database_url, tmp_path)
    terminals.append(terminal)
    terminal.wait_for(prompt("title"))
    for answer, _ in TRANSCRIPT[:killed_after]:
        terminal.type(answer)
    # The next question is shown only after the answer was saved: kill it right there.
    terminal.wait_for(prompt(TRANSCRIPT[killed_after][1]))
    terminal.kill()

    terminal = Terminal(database_url, tmp_path)
    terminals.append(terminal)
    terminal.wait_for(f"Resuming your interview: {killed_after} answers kept.")
    terminal.wait_for(prompt(TRANSCRIPT[killed_after][1]))
    for answer, _ in TRANSCRIPT[killed_after:]:
        terminal.type(answer)
    terminal.wait_for("Stored as use case #1.")
    assert terminal.process.wait(timeout=30) == 0

    with open_advisor(database_url) as advisor:
        [stored] = advisor.use_cases()
    proposal = stored.proposal
    assert proposal.title == "Invoice matching"
    assert proposal.origin.value == "business_need"
    assert proposal.annual_value_eur == 250_000
    assert proposal.annual_cost_eur == 60_000
    assert proposal.new_data_per_week == 4000
    assert (proposal.ml_engineers, proposal.data_scientists) == (1, 1)
    assert proposal.operating_plan == TRANSCRIPT[16][0]
    assert stored.latest is not None
    assert stored.latest.assessment.tier is Tier.MINIMUM_VIABLE_PROCESS


def test_reprompts_and_cancel_in_the_terminal(
    database_url: str, tmp_path: Path, terminals: list[Terminal]
) -> None:
    terminal = Terminal(database_url, tmp_path)
    terminals.append(terminal)
    terminal.wait_for(prompt("title"))
    terminal.type("Forecast bread")
    terminal.wait_for(prompt("origin"))
    terminal.type("1")
    terminal.wait_for(prompt("problem"))
    terminal.type("Stores throw away 8% of bread every Monday and run out on Saturdays")
    terminal.wait_for(prompt("business_owner"))
    terminal.type("Head of fresh")
    terminal.wait_for(prompt("kpi"))
    terminal.type("Waste per store")
    terminal.wait_for(prompt("annual_value"))
    terminal.type("lots of money")
    terminal.wait_for("For example:")
    terminal.wait_for(prompt("annual_value"))
    terminal.type("cancel")
    terminal.wait_for("Cancelled. Nothing was stored.")
    assert terminal.process.wait(timeout=30) == 0
    with open_advisor(database_url) as advisor:
        assert advisor.use_cases() == []


def test_end_of_input_keeps_the_answers(
    database_url: str, tmp_path: Path, terminals: list[Terminal]
) -> None:
    terminal = Terminal(database_url, tmp_path)
    terminals.append(terminal)
    terminal.wait_for(prompt("title"))
    terminal.type("Churn radar")
    terminal.wait_for(prompt("origin"))
    assert terminal.process.stdin is not None
    terminal.process.stdin.close()
    terminal.wait_for("Your answers are saved.")
    assert terminal.process.wait(timeout=30) == 0
    with open_advisor(database_url) as advisor:
        step = advisor.current("cli:tester")
    assert step.state.history == ("title",)


def test_list_and_show_typed_mid_interview_are_commands_and_the_question_waits(
    database_url: str, tmp_path: Path, terminals: list[Terminal]
) -> None:
    terminal = Terminal(database_url, tmp_path)
    terminals.append(terminal)
    terminal.wait_for(prompt("title"))
    for answer, _ in TRANSCRIPT[:5]:
        terminal.type(answer)
    terminal.wait_for(prompt("annual_value"))
    terminal.type("list")
    terminal.wait_for("You have no checks yet.")
    terminal.wait_for(prompt("annual_value"))
    terminal.type("show 7")
    terminal.wait_for("You have no check #7.")
    terminal.wait_for(prompt("annual_value"))
    for answer, _ in TRANSCRIPT[5:]:
        terminal.type(answer)
    terminal.wait_for("Stored as use case #1.")
    assert terminal.process.wait(timeout=30) == 0
    with open_advisor(database_url) as advisor:
        [stored] = advisor.use_cases()
    assert stored.proposal.annual_value_eur == 250_000
