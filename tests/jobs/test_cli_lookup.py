"""``gbess lookup``: JSON array in query order, per-row errors in place, CSV column input."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from jobs.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    code = main(["lookup", *argv, "--json", "--as-of", "2025-06-01"])
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    assert code == (1 if any("error" in row for row in rows) else 0)  # 1 when any row failed
    return rows


def test_queries_answer_in_order_with_errors_in_place(capsys: pytest.CaptureFixture[str]) -> None:
    queries = ("EC2R 8AH", "1200012345670", "S 01 801 001 1200012345679", "BA10 0AA")
    rows = _run(capsys, *queries)
    assert [r["query"] for r in rows] == [
        "EC2R 8AH",
        "1200012345670",
        "S 01 801 001 1200012345679",
        "BA10 0AA",
    ]
    assert rows[0]["gsp_group_id"] == "_C"
    assert rows[1] == {
        "query": "1200012345670",
        "error": {
            "type": "invalid-mpan",
            "detail": "check digit expected 9, got 0 in MPAN core 1200012345670",
        },
    }
    assert rows[2]["duos_tariff_name"] == "Domestic Aggregated or CT with Residual"
    assert rows[2]["duos_charging_year"] == "2025/26"
    assert rows[3]["match"] == "ambiguous"
    assert [c["gsp_group_id"] for c in rows[3]["candidates"]] == ["_H", "_L"]


def test_failed_rows_exit_1_with_a_count_unless_allowed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["lookup", "EC2R 8AH", "1200012345670", "--as-of", "2025-06-01"]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out.startswith("EC2R 8AH: ")  # every row is still printed
    assert "1200012345670: error (invalid-mpan)" in out
    assert err.strip().splitlines()[-1] == "gbess lookup: 1 of 2 queries failed"
    assert main([*argv, "--allow-failures"]) == 0
    out, err = capsys.readouterr()
    assert "1200012345670: error (invalid-mpan)" in out
    assert "1 of 2 queries failed" in err


def test_all_rows_answered_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "EC2R 8AH", "--as-of", "2025-06-01"]) == 0
    assert capsys.readouterr().err == ""


def test_file_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("\ufeffname,site\nbank,EC2R 8AH\nblank,\nni,BT1 1AA\n", encoding="utf-8")
    rows = _run(capsys, "--file", str(path), "--column", "site")
    assert [r.get("gsp_group_id") for r in rows] == ["_C", None, None]
    assert rows[1]["error"]["type"] == "validation-error"
    assert "Northern Ireland" in rows[2]["error"]["detail"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give at least one QUERY"),
        (["--file", "x.csv"], "--file needs --column"),
        (["--column", "site"], "--column needs --file"),
        (["M1", "--file", "x.csv", "--column", "a"], "not both"),
        (["--file", "/nonexistent/x.csv", "--column", "a"], "cannot read"),
        (["M1", "--as-of", "2025-02-30"], "--as-of"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["lookup", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_missing_column_names_the_columns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("name,site\n", encoding="utf-8")
    assert main(["lookup", "--file", str(path), "--column", "postcode"]) == 2
    assert "no column 'postcode' (columns: name, site)" in capsys.readouterr().err


def test_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["lookup", "1200012345679 M2 3JL", "BA10", "nope!", "--as-of", "2025-06-01"]
    assert main(argv) == 1  # "nope!" failed
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1200012345679 M2 3JL: 12 London Power Networks [DNO] _C London")
    assert out[1].startswith("    warning: postcode M2 3JL points to _G")
    assert "ambiguous: _H South England (20) or _L South West England (22)" in out[2]
    assert out[-1].startswith("nope!: error (invalid-postcode)")


def test_readme_example_matches_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    # The example moved with the section from README.md to docs/models.md (issue 18).
    readme = (Path(__file__).resolve().parents[2] / "docs" / "models.md").read_text("utf-8")
    section = readme.split("\n## Site lookup\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    command = block[0]
    expected = [line.removeprefix("# ") for line in block[1:] if line.startswith("# ")]
    assert main(shlex.split(command)[1:]) == 0
    actual = capsys.readouterr().out.splitlines()
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        if want.endswith("..."):
            assert got.startswith(want.removesuffix("..."))
        else:
            assert got == want


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("site;name\nEC2R 8AH;bank\n\nM2 3JL;gallery\n\n\n", "utf-8"),  # Excel, European locale
        ("name\tsite\r\nbank\tEC2R 8AH\r\n\r\ngallery\tM2 3JL\r\n", "utf-16"),  # "Unicode text"
        ("\ufeffname, site\nbank, EC2R 8AH\nblank\ngallery, M2 3JL\n", "utf-8"),  # short row
        ("site\nEC2R 8AH\n\nM2 3JL\n\n", "utf-8"),  # one column: the blank line is a blank cell
    ],
)
def test_file_rows_line_up_with_answers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, encoding: str
) -> None:
    # Answer n must be data row n: blank lines and short rows are empty queries (not
    # skipped), trailing blank lines are not rows, and ";"/tab files and UTF-16 are read.
    path = tmp_path / "sites.csv"
    path.write_text(content, encoding=encoding)
    rows = _run(capsys, "--file", str(path), "--column", "site")
    assert [r.get("gsp_group_id") for r in rows] == ["_C", None, "_G"]
    assert rows[1]["error"]["detail"].startswith("empty query")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("site,site\nEC2R 8AH,M2 3JL\n", "2 columns named 'site'"),
        ('site\n"EC2R 8AH\nM2 3JL\n', "cannot read"),  # unterminated quote
    ],
)
def test_file_ambiguities_are_usage_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["lookup", "--file", str(path), "--column", "site"]) == 2
    assert message in capsys.readouterr().err
