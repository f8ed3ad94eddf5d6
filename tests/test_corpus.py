"""The labelled corpus (tests/corpus/): well-formed, split as documented, frozen half unchanged.

No accuracy is asserted here: `make eval` measures, docs/judgement.md reports.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from advisor import Flag, Tier, parse_proposal
from bot.cli.main import app

CORPUS = Path(__file__).parent / "corpus"
TUNING = CORPUS / "tuning.yaml"
FROZEN = CORPUS / "frozen.yaml"
# The frozen test half, pinned. Any edit fails here: the frozen half must not change; re-splitting
# or relabelling it needs a new issue (and a new pin, with the reason, in docs/judgement.md).
FROZEN_SHA256 = "a83b030182fba1b0b02f12c18d71ac117abba3f46a5766b8d4d9725855b76c3c"
REGISTERS = {
    "terse",
    "rambling",
    "typos",
    "bullets",
    "british",
    "american",
    "emoji",
    "non-native",
    "formal",
    "casual",
}
ENTRY_KEYS = {"id", "register", "hard_negative", "proposal", "expect"}
MIN_TOTAL = 160
MIN_HARD_NEGATIVES = 45
MIN_FLAG_POSITIVES_PER_HALF = 12
MIN_TIER_PER_HALF = 8


def load(path: Path) -> list[dict[str, Any]]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(entries, list)
    return entries


HALVES = {"tuning": load(TUNING), "frozen": load(FROZEN)}
ALL = [entry for entries in HALVES.values() for entry in entries]


def half_of(entry_id: str) -> str:
    """The documented split: frozen when the first byte of SHA-256(id) is even, tuning when odd."""
    return "frozen" if hashlib.sha256(entry_id.encode("utf-8")).digest()[0] % 2 == 0 else "tuning"


def test_the_frozen_half_is_unchanged() -> None:
    digest = hashlib.sha256(FROZEN.read_bytes()).hexdigest()
    assert digest == FROZEN_SHA256, (
        "tests/corpus/frozen.yaml changed: the frozen half must not change; "
        "re-splitting needs a new issue"
    )


def test_the_frozen_file_says_what_it_is() -> None:
    head = FROZEN.read_text(encoding="utf-8").splitlines()[:3]
    assert head[0].startswith("# THE FROZEN TEST HALF")
    assert any("tuned" in line for line in head) and any("refused" in line for line in head)


@pytest.mark.parametrize("entry", ALL, ids=[str(entry.get("id")) for entry in ALL])
def test_entry_is_a_valid_proposal_with_valid_labels(entry: dict[str, Any]) -> None:
    assert set(entry) <= ENTRY_KEYS and {"id", "register", "proposal", "expect"} <= set(entry)
    parse_proposal(entry["proposal"])
    expect = entry["expect"]
    assert set(expect) == {"tier", "flags"}
    Tier(expect["tier"])
    flags = [Flag(flag) for flag in expect["flags"]]
    assert len(flags) == len(set(flags)), "a flag is listed twice"
    assert entry["register"] and set(entry["register"]) <= REGISTERS
    assert entry.get("hard_negative", False) in (True, False)


def test_ids_are_unique_across_both_halves() -> None:
    ids = Counter(entry["id"] for entry in ALL)
    assert not [entry_id for entry_id, count in ids.items() if count > 1]


def test_the_split_is_the_documented_deterministic_one() -> None:
    for half, entries in HALVES.items():
        misplaced = [entry["id"] for entry in entries if half_of(entry["id"]) != half]
        assert not misplaced, f"in {half}.yaml but not by the documented split: {misplaced}"


def test_corpus_size_and_hard_negatives() -> None:
    assert len(ALL) >= MIN_TOTAL
    hard_negatives = [entry for entry in ALL if entry.get("hard_negative")]
    assert len(hard_negatives) >= MIN_HARD_NEGATIVES


@pytest.mark.parametrize("half", HALVES)
def test_every_flag_and_tier_is_well_represented_in_each_half(half: str) -> None:
    flags = Counter(flag for entry in HALVES[half] for flag in entry["expect"]["flags"])
    tiers = Counter(entry["expect"]["tier"] for entry in HALVES[half])
    assert {
        f.value: flags[f.value] for f in Flag if flags[f.value] < MIN_FLAG_POSITIVES_PER_HALF
    } == {}
    assert {t.value: tiers[t.value] for t in Tier if tiers[t.value] < MIN_TIER_PER_HALF} == {}


TINY = [
    {
        "id": "t1-right",
        "proposal": {
            "title": "Forecast call volumes",
            "problem": "Planners under-staff Monday mornings and queues exceed twenty minutes.",
            "origin": "business_need",
            "business_owner": "Workforce planning lead",
            "kpi": "Calls answered within 60 seconds",
            "annual_value_eur": 120000,
            "annual_cost_eur": 20000,
            "new_data_per_week": 700,
            "retraining": "monthly",
            "models": 1,
            "serving": "batch",
            "ml_engineers": 0,
            "data_scientists": 1,
            "security_gaps": False,
            "data_access": True,
            "operating_plan": "Planning analyst runs the forecast script weekly with backtests.",
        },
        "expect": {"tier": "lightweight", "flags": []},
    },
    {
        "id": "t2-wrong-on-purpose",
        "proposal": {"title": "Vendor idea", "origin": "vendor_pitch"},
        "expect": {"tier": "full_mlops", "flags": ["fomo"]},
    },
]


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_eval_prints_the_table_and_exits_0_without_thresholds(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(write(tmp_path, TINY))])
    assert result.exit_code == 0, result.output
    assert "2 proposals" in result.output
    assert "Tier accuracy: 0.50 (1/2)" in result.output
    assert "precision" in result.output and "recall" in result.output
    assert all(flag.value in result.output for flag in Flag)
    assert "t2-wrong-on-purpose" not in result.output  # errors only with --errors


def test_eval_errors_list_misses_and_misfires_with_evidence(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--errors", str(write(tmp_path, TINY))])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    (line,) = [line for line in lines if line.startswith("- t2-wrong-on-purpose:")]
    assert "tier full_mlops -> no_business_case" in line
    assert "missed fomo" in line and "misfired" in line and "vendor_push" in line
    assert "    vendor_push <- origin: 'origin: vendor_pitch' (vendor_push.origin)" in lines
    assert not any(line.startswith("- t1-right") for line in lines)


def test_eval_thresholds_decide_the_exit_code(tmp_path: Path) -> None:
    path = str(write(tmp_path, TINY))
    runner = CliRunner()
    missed = runner.invoke(app, ["eval", "--min-tier-accuracy", "0.9", path])
    assert missed.exit_code == 1
    assert "below threshold: tier accuracy 0.50 < 0.9" in missed.output
    met = runner.invoke(app, ["eval", "--min-tier-accuracy", "0.5", path])
    assert met.exit_code == 0, met.output
    flags = runner.invoke(app, ["eval", "--min-flag-score", "0.5", path])
    assert flags.exit_code == 1 and "vendor_push F1 0.00 < 0.5" in flags.output


def test_eval_refuses_a_bad_label_or_missing_file_with_exit_2(tmp_path: Path) -> None:
    bad = [{**TINY[0], "expect": {"tier": "platinum", "flags": []}}]
    result = CliRunner().invoke(app, ["eval", str(write(tmp_path, bad))])
    assert result.exit_code == 2
    assert "t1-right" in result.output and "bad label" in result.output
    absent = CliRunner().invoke(app, ["eval", str(tmp_path / "absent.yaml")])
    assert absent.exit_code == 2 and "no such file" in absent.output
