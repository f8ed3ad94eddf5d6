"""The `mlops-advisor assess` command: readable verdicts, JSON, streaming JSONL and exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from samples import GOOD
from typer.testing import CliRunner

from bot.cli.main import app

runner = CliRunner()


def write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_assess_prints_a_readable_verdict(tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", str(write(tmp_path / "p.yaml", GOOD))])
    assert result.exit_code == 0, result.output
    assert "Invoice coding assistant" in result.output
    assert "Start small: a Minimum Viable Process" in result.output
    assert "vendor_push" in result.output and "origin: vendor_pitch" in result.output
    assert "Next steps" in result.output


def test_assess_json_prints_the_contract(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    result = runner.invoke(app, ["assess", "--json", str(path)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["tier"] == "minimum_viable_process"
    assert document["signals"][0] == {
        "flag": "vendor_push",
        "field": "origin",
        "evidence": "origin: vendor_pitch",
        "rule": "vendor_push.origin",
    }


def test_bad_field_in_a_yaml_list_names_file_line_and_field(tmp_path: Path) -> None:
    bad = {**GOOD, "origin": "salesman"}
    path = write(tmp_path / "many.yaml", [GOOD, bad])
    result = runner.invoke(app, ["assess", "--json", str(path)])
    assert result.exit_code == 2
    origin_line = path.read_text().splitlines().index("  origin: salesman") + 1
    assert f"many.yaml:{origin_line}: field 'origin': 'salesman' is not allowed" in result.output
    assert "Traceback" not in result.output


def test_invalid_json_and_missing_files_exit_2_with_a_message(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "x",\n  "models": }', encoding="utf-8")
    result = runner.invoke(app, ["assess", str(broken), str(tmp_path / "absent.yaml")])
    assert result.exit_code == 2
    assert "broken.json:2: not valid JSON" in result.output
    assert "absent.yaml: no such file" in result.output


def test_a_partial_policy_override_changes_only_what_it_names(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("tiers:\n  lightweight_below_need: 60\n", encoding="utf-8")
    proposal = write(tmp_path / "p.yaml", GOOD)
    default = runner.invoke(app, ["assess", "--json", str(proposal)])
    overridden = runner.invoke(app, ["assess", "--json", "--policy", str(policy), str(proposal)])
    assert json.loads(default.output)["tier"] == "minimum_viable_process"
    assert json.loads(overridden.output)["tier"] == "lightweight"


def test_examples_flag_assesses_the_bundled_proposals() -> None:
    result = runner.invoke(app, ["assess", "--examples", "--json"])
    assert result.exit_code == 0, result.output
    documents = json.loads(result.output)
    assert len(documents) == 12
    assert documents[0]["tier"] == "full_mlops"


def test_invalid_policy_is_refused_at_start_with_the_key(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: x\nweights: {}\n", encoding="utf-8")
    proposal = write(tmp_path / "p.yaml", GOOD)
    result = runner.invoke(app, ["assess", "--policy", str(policy), str(proposal)])
    assert result.exit_code == 2
    assert "policy.yaml" in result.output and "'weights'" in result.output
    env_result = runner.invoke(
        app, ["assess", str(proposal)], env={"MLOPS_ADVISOR_POLICY": str(policy)}
    )
    assert env_result.exit_code == 2
    assert "'weights'" in env_result.output


def test_echoed_text_cannot_inject_terminal_escapes_or_markup(tmp_path: Path) -> None:
    sneaky = {
        **GOOD,
        "title": "[bold red]Boss[/] \x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
        "notes": "The vendor pitched it \x1b[2J with [link=https://evil.example]a link[/link]",
    }
    result = runner.invoke(app, ["assess", str(write(tmp_path / "p.yaml", sneaky))])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "[bold red]Boss[/]" in result.output
    assert "[link=https://evil.example]" in result.output or "vendor pitched" in result.output


def run_module(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_jsonl_streams_one_answer_per_line_in_order_and_reports_bad_lines() -> None:
    lines = [
        json.dumps(GOOD),
        "{not json",
        json.dumps({**GOOD, "annual_value_eur": -1}),
        "",
        json.dumps({**GOOD, "origin": "business_need", "title": "second"}),
    ]
    result = run_module("assess", "--jsonl", "-", stdin="\n".join(lines) + "\n")
    assert result.returncode == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["tier"] == "minimum_viable_process"
    assert out[1]["line"] == 2 and "not valid JSON" in out[1]["error"]
    assert out[2]["line"] == 3 and out[2]["field"] == "annual_value_eur"
    assert "negative" in out[2]["error"]
    assert out[3]["tier"] == "minimum_viable_process"
    assert all(signal["flag"] != "vendor_push" for signal in out[3]["signals"])


def test_jsonl_all_good_exits_0_and_last_line_needs_no_newline() -> None:
    result = run_module("assess", "--jsonl", "-", stdin=json.dumps(GOOD))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tier"] == "minimum_viable_process"


def test_jsonl_answers_each_line_before_the_input_ends() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "assess", "--jsonl", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for title in ("first", "second"):
            process.stdin.write(json.dumps({**GOOD, "title": title}) + "\n")
            process.stdin.flush()
            # The answer arrives while stdin is still open: the output is streamed.
            assert json.loads(process.stdout.readline())["tier"] == "minimum_viable_process"
    finally:
        process.stdin.close()
        assert process.wait(timeout=30) == 0
        process.stdout.close()


@pytest.mark.parametrize("args", [["assess"], ["assess", "-"]])
def test_missing_or_misused_input_is_explained(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "mlops-advisor:" in result.output
