"""The portfolio commands: import, list, show, export and delete, on SQLite and PostgreSQL."""

import csv
import json
from pathlib import Path

import pytest
import yaml
from samples import GOOD, NOT_A_CHECK, NOT_A_NUMBER
from typer.testing import CliRunner, Result

from advisor import AuditAction, parse_proposal
from bot.cli.main import app
from storage import audit_entries, make_engine, make_session_factory

runner = CliRunner()

OTHER = {
    "title": "Churn early warning",
    "problem": "Our competitors launched AI assistants and we cannot afford to fall behind.",
    "origin": "competitor_move",
    "models": 3,
    "serving": "online",
}
# What a spreadsheet runs as a formula when a cell starts with it (CSV injection), and text that
# only looks like numbers or like cells the export has quoted already.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_FIELDS = ("title", "problem", "business_owner", "kpi", "operating_plan", "notes")
FORMULAS = [
    {**OTHER, **dict.fromkeys(TEXT_FIELDS, f'{start}HYPERLINK("http://evil.example","x")')}
    for start in FORMULA_STARTS
] + [
    {**OTHER, "title": title}
    for title in ("-1+1", "'=1+1", "''@SUM(A1)", "'Tis the season", "'", "a=1")
]
INJECTED = "\x1b]8;;http://x\x1b\\Click me\x1b]8;;\x1b\\ [bold]x[/bold] \u202e"


pytestmark = pytest.mark.usefixtures("plain_terminal")


def cli(url: str, *args: str, input: str | None = None) -> Result:
    return runner.invoke(app, [*args, "--database-url", url], input=input)


def write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def write_jsonl(path: Path, items: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def csv_rows(items: list[dict[str, object]]) -> tuple[list[str], list[list[object]]]:
    header = list(dict.fromkeys(key for item in items for key in item))
    return header, [[_csv_cell(item.get(key)) for key in header] for item in items]


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def exported(url: str) -> list[dict[str, object]]:
    result = cli(url, "export", "--format", "json")
    assert result.exit_code == 0, result.output
    documents: list[dict[str, object]] = json.loads(result.stdout)
    return documents


def stored_proposals(url: str) -> list[object]:
    return [parse_proposal(document["proposal"]) for document in exported(url)]


# --- import ------------------------------------------------------------------------------------


def test_import_yaml_stores_and_summarises(tmp_path: Path, migrated_url: str) -> None:
    result = cli(migrated_url, "import", str(write_yaml(tmp_path / "p.yaml", [GOOD, OTHER])))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 2 use cases (ids 1–2)"
    assert stored_proposals(migrated_url) == [parse_proposal(GOOD), parse_proposal(OTHER)]


def test_import_jsonl(tmp_path: Path, sqlite_url: str) -> None:
    result = cli(sqlite_url, "import", str(write_jsonl(tmp_path / "p.jsonl", [GOOD, OTHER])))
    assert result.exit_code == 0, result.output
    assert stored_proposals(sqlite_url) == [parse_proposal(GOOD), parse_proposal(OTHER)]


def test_import_json_array_and_one_item(tmp_path: Path, sqlite_url: str) -> None:
    (tmp_path / "p.json").write_text(json.dumps([GOOD]), encoding="utf-8")
    result = cli(sqlite_url, "import", str(tmp_path / "p.json"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 1 use case (id 1)"


def test_import_csv_with_strings_for_numbers_and_yes_no(tmp_path: Path, sqlite_url: str) -> None:
    header, rows = csv_rows([GOOD, OTHER])
    result = cli(sqlite_url, "import", str(write_csv(tmp_path / "p.csv", header, rows)))
    assert result.exit_code == 0, result.output
    assert stored_proposals(sqlite_url) == [parse_proposal(GOOD), parse_proposal(OTHER)]


def test_csv_cells_may_span_lines_and_carry_a_bom(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        '\ufefftitle,problem,models\nA,"two\nlines",2\nB,,many\n', encoding="utf-8", newline=""
    )
    result = cli(sqlite_url, "import", str(path))
    assert result.exit_code == 2
    # Line 4 is where the second record starts, after the two-line cell of the first.
    assert f"{path}:4: field 'models': 'many' is not a whole number" in result.stderr


def test_one_bad_row_stores_nothing_and_names_line_and_field(
    tmp_path: Path, migrated_url: str
) -> None:
    bad = {**OTHER, "title": "Broken", "retraining": "hourly"}
    path = write_jsonl(tmp_path / "p.jsonl", [GOOD, OTHER, bad, GOOD])
    result = cli(migrated_url, "import", str(path))
    assert result.exit_code == 2
    assert f"{path}:3: field 'retraining': 'hourly' is not allowed" in result.stderr
    assert "1 invalid proposal; nothing was imported" in result.stderr
    listed = cli(migrated_url, "list")
    assert listed.exit_code == 0, listed.output
    assert "No use cases yet." in listed.stdout
    assert exported(migrated_url) == []


def test_bad_csv_row_names_its_line_and_field(tmp_path: Path, sqlite_url: str) -> None:
    header, rows = csv_rows([GOOD, OTHER, GOOD])
    rows[1][header.index("origin")] = "gut feeling"
    path = write_csv(tmp_path / "p.csv", header, rows)
    result = cli(sqlite_url, "import", str(path))
    assert result.exit_code == 2
    assert f"{path}:3: field 'origin': 'gut_feeling' is not allowed" in result.stderr
    assert "No use cases yet." in cli(sqlite_url, "list").stdout


def test_a_yaml_item_names_the_line_of_its_bad_field(tmp_path: Path, sqlite_url: str) -> None:
    path = write_yaml(tmp_path / "p.yaml", [GOOD, {**OTHER, "models": -1}])
    result = cli(sqlite_url, "import", str(path))
    assert result.exit_code == 2
    line = path.read_text(encoding="utf-8").splitlines().index("  models: -1") + 1
    assert f"{path}:{line}: field 'models': -1 is negative" in result.stderr


def test_skip_invalid_stores_the_good_rows(tmp_path: Path, migrated_url: str) -> None:
    bad = {"title": "", "models": "x"}
    path = write_jsonl(tmp_path / "p.jsonl", [GOOD, bad, OTHER])
    result = cli(migrated_url, "import", "--skip-invalid", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 2 use cases (ids 1–2)"
    assert f"{path}:2: " in result.stderr
    assert "skipped 1 invalid proposal" in result.stderr
    assert stored_proposals(migrated_url) == [parse_proposal(GOOD), parse_proposal(OTHER)]


def test_skip_invalid_with_nothing_valid_fails(tmp_path: Path, sqlite_url: str) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"title": ""}])
    result = cli(sqlite_url, "import", "--skip-invalid", str(path))
    assert result.exit_code == 2
    assert "no valid proposals; nothing was imported" in result.stderr


def test_unknown_csv_column_is_named(tmp_path: Path, sqlite_url: str) -> None:
    path = write_csv(tmp_path / "p.csv", ["title", "budget"], [["A", "1"]])
    result = cli(sqlite_url, "import", str(path))
    assert result.exit_code == 2
    assert f"{path}:1: unknown column 'budget'" in result.stderr


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("p.csv", ""),
        ("p.csv", "title,problem\n"),
        ("p.jsonl", "\n\n"),
        ("p.yaml", ""),
        ("p.json", "[]"),
    ],
)
def test_empty_file_is_a_clear_error(
    tmp_path: Path, sqlite_url: str, name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = cli(sqlite_url, "import", str(path))
    assert result.exit_code == 2
    assert "holds no proposals" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_extension_lists_the_supported_ones(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "p.xlsx"
    path.write_text("x", encoding="utf-8")
    result = cli(sqlite_url, "import", str(path))
    assert result.exit_code == 2
    assert "unsupported file type '.xlsx'; use .csv, .json, .jsonl, .yaml, .yml" in result.stderr


def test_missing_file(tmp_path: Path, sqlite_url: str) -> None:
    result = cli(sqlite_url, "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "nope.csv: no such file" in result.stderr


def test_import_help_documents_skip_invalid() -> None:
    result = runner.invoke(app, ["import", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--skip-invalid" in result.stdout
    assert "exit 0" in result.stdout


# --- export round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_export_reimports_to_equal_proposals(
    tmp_path: Path, migrated_url: str, export_format: str
) -> None:
    nasty = {**OTHER, "title": 'Quotes " and, commas', "notes": "line one\nline two; three"}
    # What an interview kept besides the values travels too: the words typed, the guesses.
    kept = {
        **GOOD,
        "title": "Said in sentences",
        "said": {"origin": 'our CEO asked, "=1+1", ünïcode', "follow_up.fomo": "one\ntwo"},
        "uncertain": ["annual_value_eur"],
        "followed_up": ["fomo"],
    }
    source = write_yaml(tmp_path / "p.yaml", [GOOD, OTHER, nasty, *FORMULAS, kept])
    assert cli(migrated_url, "import", str(source)).exit_code == 0
    target = tmp_path / f"export.{export_format}"
    result = cli(migrated_url, "export", "--format", export_format, "--output", str(target))
    assert result.exit_code == 0, result.output
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    reimported = cli(copy, "import", str(target))
    assert reimported.exit_code == 0, reimported.output
    assert stored_proposals(copy) == stored_proposals(migrated_url)
    assert stored_proposals(copy) == [
        parse_proposal(item) for item in (GOOD, OTHER, nasty, *FORMULAS, kept)
    ]


def test_a_csv_that_is_no_export_keeps_its_quotes(tmp_path: Path, sqlite_url: str) -> None:
    # The quote is the export's own escape; in a CSV someone wrote, it is part of the text.
    path = write_csv(tmp_path / "p.csv", ["title", "problem"], [["'=1+1", "'-"]])
    assert cli(sqlite_url, "import", str(path)).exit_code == 0
    [proposal] = stored_proposals(sqlite_url)
    assert (proposal.title, proposal.problem) == ("'=1+1", "'-")


def test_no_exported_csv_cell_starts_a_formula(tmp_path: Path, sqlite_url: str) -> None:
    assert cli(sqlite_url, "import", str(write_yaml(tmp_path / "p.yaml", FORMULAS))).exit_code == 0
    target = tmp_path / "export.csv"
    assert cli(sqlite_url, "export", "--format", "csv", "--output", str(target)).exit_code == 0
    on_stdout = cli(sqlite_url, "export", "--format", "csv").stdout
    with target.open(encoding="utf-8", newline="") as handle:
        in_file = list(csv.DictReader(handle))
    for rows in (in_file, list(csv.DictReader(on_stdout.splitlines()))):
        assert len(rows) == len(FORMULAS)
        for row in rows:
            for column, cell in row.items():
                assert not cell.startswith(FORMULA_STARTS), (column, cell)
    titles = [row["title"] for row in in_file]
    assert titles[0] == '\'=HYPERLINK("http://evil.example","x")'
    assert titles[-6:] == ["'-1+1", "''=1+1", "'''@SUM(A1)", "'Tis the season", "'", "a=1"]


def test_export_csv_columns(tmp_path: Path, sqlite_url: str) -> None:
    cli(sqlite_url, "import", str(write_yaml(tmp_path / "p.yaml", [GOOD])))
    result = cli(sqlite_url, "export", "--format", "csv")
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(result.stdout.splitlines()))
    assert list(row)[:11] == [
        "id", "title", "status", "platform", "proposer", "created_at", "tier",
        "business_case_score", "mlops_need_score", "readiness_score", "flags",
    ]  # fmt: skip
    assert row["id"] == "1"
    assert row["tier"] == "minimum_viable_process"
    assert row["flags"] == "vendor_push"
    assert row["annual_value_eur"] == "90000.0"
    assert row["security_gaps"] == "false"


def test_export_json_shape(tmp_path: Path, sqlite_url: str) -> None:
    cli(sqlite_url, "import", str(write_yaml(tmp_path / "p.yaml", [GOOD])))
    (document,) = exported(sqlite_url)
    assert set(document) == {
        "id", "title", "status", "platform", "proposer_id", "proposer_name", "created_at",
        "proposal", "assessment",
    }  # fmt: skip
    assert document["title"] == GOOD["title"]
    assert isinstance(document["assessment"], dict)
    assert document["assessment"]["tier"] == "minimum_viable_process"


# --- list, show, delete ------------------------------------------------------------------------


def test_list_shows_titles_tiers_and_scores(tmp_path: Path, migrated_url: str) -> None:
    cli(migrated_url, "import", str(write_yaml(tmp_path / "p.yaml", [GOOD, OTHER])))
    result = cli(migrated_url, "list")
    assert result.exit_code == 0, result.output
    assert "Invoice coding assistant" in result.stdout
    assert "Churn early warning" in result.stdout
    assert "minimum_viable_process" in result.stdout
    assert result.stdout.index("Churn early warning") < result.stdout.index("Invoice coding")
    limited = cli(migrated_url, "list", "--limit", "1")
    assert "Churn early warning" in limited.stdout
    assert "Invoice coding assistant" not in limited.stdout


def test_show_prints_the_proposal_verdict_and_history(tmp_path: Path, sqlite_url: str) -> None:
    cli(sqlite_url, "import", str(write_yaml(tmp_path / "p.yaml", [GOOD])))
    result = cli(sqlite_url, "show", "1")
    assert result.exit_code == 0, result.output
    assert "Finance operations lead" in result.stdout
    assert "Start small: a Minimum Viable Process" in result.stdout
    assert "Assessments: 1" in result.stdout


def test_show_of_an_unknown_id(sqlite_url: str) -> None:
    result = cli(sqlite_url, "show", "42")
    assert result.exit_code == 2
    assert "no use case with id 42" in result.stderr


def test_delete_removes_and_audits_only_the_fact(tmp_path: Path, migrated_url: str) -> None:
    cli(migrated_url, "import", str(write_yaml(tmp_path / "p.yaml", [GOOD, OTHER])))
    result = cli(migrated_url, "delete", "1", "--yes")
    assert result.exit_code == 0, result.output
    assert [document["id"] for document in exported(migrated_url)] == [2]
    assert cli(migrated_url, "show", "1").exit_code == 2
    engine = make_engine(migrated_url)
    try:
        with make_session_factory(engine)() as session:
            entries = audit_entries(session)
    finally:
        engine.dispose()
    assert [(entry.action, entry.use_case_id) for entry in entries] == [
        (AuditAction.DELETE, 1),
        (AuditAction.IMPORT, None),
    ]
    assert entries[0].details == {}
    assert "Invoice" not in repr(entries)


def test_delete_asks_first(tmp_path: Path, sqlite_url: str) -> None:
    cli(sqlite_url, "import", str(write_yaml(tmp_path / "p.yaml", [GOOD])))
    declined = cli(sqlite_url, "delete", "1", input="n\n")
    assert declined.exit_code == 1
    assert "Delete use case 1 (Invoice coding assistant)" in declined.output
    assert [document["id"] for document in exported(sqlite_url)] == [1]
    confirmed = cli(sqlite_url, "delete", "1", input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert exported(sqlite_url) == []


def test_delete_of_an_unknown_id(sqlite_url: str) -> None:
    result = cli(sqlite_url, "delete", "7", "--yes")
    assert result.exit_code == 2
    assert "no use case with id 7" in result.stderr


@pytest.mark.parametrize("command", ["show", "delete"])
def test_an_id_no_use_case_can_have_is_a_clear_error(migrated_url: str, command: str) -> None:
    confirmed = ["--yes"] if command == "delete" else []
    for typed in NOT_A_CHECK:
        result = cli(migrated_url, command, typed, *confirmed)
        assert result.exit_code == 2, (typed, result.output)
        assert result.stderr == f"mlops-advisor: no use case with id {typed.lstrip('#')}\n"
    # "-3" is no id either, but the command line reads it as an option it does not know.
    for typed in [typed for typed in NOT_A_NUMBER if not typed.startswith("-")]:
        result = cli(migrated_url, command, typed, *confirmed)
        assert result.exit_code == 2, (typed, result.output)
        assert result.stderr.startswith("mlops-advisor: not a use case id: "), typed
        assert len(result.stderr.splitlines()) == 1


# --- what a person typed, and database errors --------------------------------------------------


def test_injected_text_is_printed_literally(tmp_path: Path, sqlite_url: str) -> None:
    proposal = {**GOOD, "title": f"Title {INJECTED}", "business_owner": INJECTED}
    cli(sqlite_url, "import", str(write_yaml(tmp_path / "p.yaml", [proposal])))
    outputs = {
        "list": cli(sqlite_url, "list"),
        "show": cli(sqlite_url, "show", "1"),
        "export csv": cli(sqlite_url, "export", "--format", "csv"),
        "export json": cli(sqlite_url, "export", "--format", "json"),
        "delete": cli(sqlite_url, "delete", "1", input="n\n"),
    }
    for name, result in outputs.items():
        assert "\x1b" not in result.output, name
        assert "\u202e" not in result.output, name
    for name in ("list", "show", "export csv", "delete"):
        assert "[bold]x[/bold]" in outputs[name].output, name
    # JSON keeps the exact text, escaped: it is data, and the escapes cannot act on a terminal.
    assert json.loads(outputs["export json"].stdout)[0]["proposal"]["business_owner"] == (
        INJECTED.strip()
    )


def test_injected_text_in_an_error_message_is_neutralised(tmp_path: Path, sqlite_url: str) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{**GOOD, "origin": INJECTED}])
    result = cli(sqlite_url, "import", str(path))
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr
    assert "field 'origin'" in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "the database URL is not valid"),
        ("postgresql+psycopg://u@127.0.0.1:notaport/db", "the database URL is not valid"),
        ("nosuchdb://x", "a kind of database this installation cannot use"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/db", "cannot open the database"),
    ],
)
def test_database_errors_are_one_line(url: str, message: str) -> None:
    result = cli(url, "list")
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_database_behind_the_schema_is_not_upgraded_behind_its_back(database_url: str) -> None:
    result = cli(database_url, "list")
    if database_url.startswith("sqlite"):
        # The embedded file belongs to this installation: it is brought up to date on open.
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2
    assert "run `mlops-advisor db upgrade` first" in result.stderr


def test_database_url_comes_from_the_environment(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    result = runner.invoke(app, ["import", str(write_yaml(tmp_path / "p.yaml", [GOOD]))])
    assert result.exit_code == 0, result.output
    assert [document["id"] for document in exported(sqlite_url)] == [1]
