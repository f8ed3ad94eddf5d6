"""Terminal rendering of assessments with rich; every echoed word goes through `for_terminal`."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from advisor import CATALOGUE, Assessment, Tier
from bot.neutralise import for_terminal

__all__ = ["render_assessment"]

_TIER_STYLE = {
    Tier.NO_BUSINESS_CASE: "bold red",
    Tier.FIX_FOUNDATIONS_FIRST: "bold dark_orange",
    Tier.LIGHTWEIGHT: "bold green",
    Tier.MINIMUM_VIABLE_PROCESS: "bold cyan",
    Tier.FULL_MLOPS: "bold magenta",
}


def render_assessment(console: Console, title: str, assessment: Assessment) -> None:
    """Print one verdict: tier, the three scores, flags with evidence, setup and next steps."""
    scores = assessment.scores
    score_line = Text.assemble(
        ("Business case ", "dim"),
        (f"{scores.business_case:>3}", "bold"),
        ("   MLOps need ", "dim"),
        (f"{scores.mlops_need:>3}", "bold"),
        ("   Readiness ", "dim"),
        (f"{scores.readiness:>3}", "bold"),
    )
    parts: list[Text | Table | Group] = [
        Text(assessment.tier.label, style=_TIER_STYLE[assessment.tier]),
        score_line,
        Text.assemble(("Recommended setup: ", "bold"), assessment.recommended_setup),
    ]
    if assessment.signals:
        flags = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        flags.add_column("flag")
        flags.add_column("field", style="dim")
        flags.add_column("evidence")
        for signal in assessment.signals:
            flags.add_row(
                Text(signal.flag.value, style="yellow"),
                _source(signal.field),
                Text(f"\u201c{for_terminal(signal.evidence)}\u201d"),
            )
        parts.append(flags)
    parts.append(_numbered("Next steps:", assessment.next_steps, numbered=True))
    if assessment.follow_up_questions:
        parts.append(
            _numbered("Questions for the proposer:", assessment.follow_up_questions, numbered=False)
        )
    console.print(
        Panel(Group(*parts), title=Text(for_terminal(title), style="bold"), title_align="left")
    )


def _numbered(heading: str, lines: tuple[str, ...], *, numbered: bool) -> Group:
    items = Table.grid(padding=(0, 1))
    items.add_column(justify="right", no_wrap=True)
    items.add_column()
    for number, line in enumerate(lines, start=1):
        items.add_row(f"{number}." if numbered else "-", line)
    return Group(Text(heading, style="bold"), items)


def _source(field: str) -> str:
    """A free-text field by name; other words by the question they answered."""
    asked = CATALOGUE.asked_by(field)
    return field if asked is None else f"answer to \u201c{asked}\u201d"
