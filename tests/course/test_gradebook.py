"""minigrad-course gradebook: Canvas and Gradescope CSVs keyed by a roster's student ids."""

from __future__ import annotations

import csv

import pytest

from minigrad_course.cli import main
from minigrad_course.gradebook import GradebookError, export, read_roster

GRADES = """\
student,relu_test,square_test,total,max,status
alice,2,1,3,6,ok
bob,0,0,0,6,missing
zed,2,1,6,6,renamed
"""

ROSTER = """\
folder,id,name,email
alice,1001,"Liddell, Alice",alice@uni.example
bob,1002,Bob Stone,bob@uni.example
carol,1003,Carol Ng,carol@uni.example
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "grades.csv").write_text(GRADES)
    (tmp_path / "roster.csv").write_text("\ufeff" + ROSTER)  # Excel writes a BOM
    return tmp_path


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_and_gradescope_exports(files):
    matched = export(
        files / "grades.csv",
        files / "roster.csv",
        canvas=files / "canvas.csv",
        gradescope=files / "gradescope.csv",
        assignment="04 autograd (4711)",
    )
    assert rows(files / "canvas.csv") == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "04 autograd (4711)"],
        ["Points Possible", "", "", "", "", "6"],
        ["Liddell, Alice", "1001", "", "", "", "3"],
        ["Bob Stone", "1002", "", "", "", "0"],
    ]
    assert rows(files / "gradescope.csv") == [
        ["Name", "SID", "Email", "Total Score", "Max Points", "Status"],
        ["Liddell, Alice", "1001", "alice@uni.example", "3", "6", "Graded"],
        ["Bob Stone", "1002", "bob@uni.example", "0", "6", "Missing"],
    ]
    assert matched.unknown_folders == ["zed"]
    assert [s.folder for s in matched.not_graded] == ["carol"]


def test_cli_lists_unmatched_folders_and_roster_entries(files, capsys):
    argv = ["gradebook", str(files / "grades.csv"), "--roster", str(files / "roster.csv")]
    assert main([*argv, "--canvas", str(files / "c.csv")]) == 1  # zed has no roster entry
    out = capsys.readouterr().out
    assert "wrote " in out and "(2 students)" in out
    assert "graded but not on the roster: zed" in out
    assert "on the roster but not graded: carol (Carol Ng)" in out
    assert rows(files / "c.csv")[0][-1] == "grades"  # the assignment defaults to the CSV's name
    assert main(argv) == 2  # nothing asked for


@pytest.mark.parametrize(
    ("roster", "message"),
    [
        ("folder,id,name\nalice,1,A\n", "needs the columns folder, id, name, email; missing email"),
        ("folder,id,name,email\nalice,1,A,a\nbob,1,B,b\n", "id '1' also belongs to 'alice'"),
        ("folder,id,name,email\nalice,1,A,a\nalice,2,B,b\n", "line 3: folder 'alice' twice"),
        ("folder,id,name,email\n,1,A,a\n", "line 2: folder and id must not be empty"),
    ],
)
def test_bad_rosters_are_refused_with_the_reason(tmp_path, roster, message):
    path = tmp_path / "roster.csv"
    path.write_text(roster)
    with pytest.raises(GradebookError, match=message):
        read_roster(path)


def test_names_that_look_like_formulas_stay_text_and_match_their_row(tmp_path):
    """grades.csv writes the folder -rf as '-rf (never a formula): the gradebook looked up
    '-rf in the roster and lost the grade. A display name a student chose in the LMS, such
    as =HYPERLINK(...), went into canvas.csv as a formula."""
    from minigrad_course.report import csv_plain, csv_text, write_csv

    rows_in = [{"student": "-rf", "questions": {}, "total": 4.0, "max": 6.0, "status": "ok"}]
    write_csv(tmp_path / "grades.csv", [], rows_in)
    (tmp_path / "roster.csv").write_text(
        'folder,id,name,email\n-rf,1001,"=HYPERLINK(""http://x"")",@me\n'
    )
    matched = export(tmp_path / "grades.csv", tmp_path / "roster.csv", canvas=tmp_path / "c.csv")
    assert matched.unknown_folders == [] and [s.folder for s, _ in matched.rows] == ["-rf"]
    assert rows(tmp_path / "c.csv")[2] == ['\'=HYPERLINK("http://x")', "1001", "", "", "", "4"]
    for name in ("-rf", "'quoted", "''", "plain", "=1+1"):
        assert csv_plain(csv_text(name)) == name
