"""Release checks both ways (solutions pass; exercises fail only at their stubs), and the
student release: no answer in any file or archive, installable, with working commands."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import CHAPTER, solution_notebook, write
from nbformat.v4 import new_code_cell, new_notebook

from minigrad_course import notebook as nbf
from minigrad_course.build import build
from minigrad_course.chapters import all_chapters
from minigrad_course.cli import main
from minigrad_course.release import ReleaseError, release_course, secret_lines, verify

REPO = Path(__file__).resolve().parents[2]


def test_good_chapter_verifies(course, monkeypatch, capsys):
    report = verify("03", solutions_dir=course["solutions"])
    assert report.ok, report.text()
    monkeypatch.chdir(course["root"])
    assert main(["verify", "03"]) == 0
    assert "03_tiny: OK" in capsys.readouterr().out


def test_verify_finds_problems_in_both_directions(course):
    nb = solution_notebook()
    nb.cells[7].source = "assert True  # passes even with the stub"  # mean_test
    nb.cells[4].source = nb.cells[4].source.replace("x * x", "x + x")
    hidden = 'assert relu(np.array([-5.0]))[0] == 0, "hidden: relu(-5) should be 0"'
    nb.cells[3].source = hidden + "\n" + nb.cells[3].source
    write(nb, course["solutions"] / f"{CHAPTER}.ipynb")
    report = verify(CHAPTER, solutions_dir=course["solutions"])
    text = report.text()
    assert "solution cell 6 ('square_test') raised AssertionError" in text
    assert "test 'mean_test' with the stub answers is 'passed'" in text
    assert "hidden-test line also visible to students" in text


@pytest.mark.parametrize("chapter", [p.stem for p in all_chapters(REPO / "solutions")])
def test_repository_chapter_releases_cleanly(chapter):
    report = verify(chapter, solutions_dir=REPO / "solutions")
    assert report.ok, report.text()


# ---------------------------------------------------------------------------------------------
# The student release: minigrad-course release OUT [--wheel]

COURSE_FILES = (
    "LICENSE",
    "pyproject.toml",
    "environment.yml",
    "docs/gpu.md",
    "docs/static.md",
    ".jupyter/labconfig/default_setting_overrides.json",
)
NARRATIVE = "import minigrad\n\nx = minigrad.tensor([1.0, -2.0, 3.0])\nprint(minigrad.relu(x))"
HIDDEN_RELU = 'assert relu(np.array([-5.0]))[0] == 0, "hidden: relu(-5) should be 0"'
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


@pytest.fixture
def repo_course(course):
    """A small course repository: the real engine and tools, the tiny chapter 03_tiny."""
    root = course["root"]
    for part in ("minigrad", "minigrad_course"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in COURSE_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    narrative = new_notebook(cells=[new_code_cell(NARRATIVE)])
    narrative.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    write(narrative, root / "notebooks" / f"{CHAPTER}.ipynb")
    assert build([course["solutions"] / f"{CHAPTER}.ipynb"], course["exercises"]).ok
    return root


@pytest.fixture
def outside(tmp_path_factory):
    """A folder outside the course repository, for the release."""
    return tmp_path_factory.mktemp("release")


def release_in(root: Path, out: Path, *flags: str) -> int:
    """Run `minigrad-course release OUT` from the course root, as an instructor would."""
    cwd = Path.cwd()
    os.chdir(root)
    try:
        return main(["release", str(out), *flags])
    finally:
        os.chdir(cwd)


def test_release_is_the_student_course_without_solutions(repo_course, tmp_path, outside, capsys):
    out = outside / "student"
    assert release_in(repo_course, out) == 0, capsys.readouterr().err
    assert "no answer or hidden-test line" in capsys.readouterr().out
    for name in (*COURSE_FILES, "README.md", "Makefile", "minigrad/__init__.py"):
        assert (out / name).is_file(), name
    for name in ("minigrad_course/cli.py", "minigrad_course/data/sonnets.txt"):
        assert (out / name).is_file(), name
    assert (out / "exercises" / f"{CHAPTER}.ipynb").is_file()
    assert (out / "notebooks" / f"{CHAPTER}.ipynb").is_file()
    assert not (out / "solutions").exists() and not (out / "tests").exists()
    assert not list(out.rglob("__pycache__"))
    readme = (out / "README.md").read_text()
    assert 'pip install -e ".[lab]"' in readme and "minigrad-course check" in readme
    assert "pip install minigrad" not in readme
    assert "raise NotImplementedError()" in (out / "exercises" / f"{CHAPTER}.ipynb").read_text()
    # the course's JupyterLab settings (widgets saved with the notebook) reach the student's lab
    lab = subprocess.run(["make", "-n", "lab"], cwd=out, capture_output=True, text=True).stdout
    assert f'JUPYTER_CONFIG_PATH="{out}/.jupyter' in lab


def plant_in_narrative(root):
    nb = nbf.read_notebook(root / "notebooks" / f"{CHAPTER}.ipynb")
    nb.cells.append(new_code_cell("relu = lambda x: x\n" + HIDDEN_RELU))
    write(nb, root / "notebooks" / f"{CHAPTER}.ipynb")
    return f"notebooks/{CHAPTER}.ipynb: hidden-test line"


def plant_in_engine(root):
    with open(root / "minigrad" / "ops" / "activations.py", "a") as f:
        f.write("\n\ndef _relu(x):\n    return np.maximum(x, 0)\n")
    return "minigrad/ops/activations.py: answer line of 03_tiny.ipynb cell 3 ('relu')"


def plant_in_zip(root):
    with zipfile.ZipFile(root / "notebooks" / "extras.zip", "w") as archive:
        archive.writestr(
            "inside/notes.txt", 'assert square(-2) == 4, "hidden: square(-2) should be 4"'
        )
    return "notebooks/extras.zip!inside/notes.txt: hidden-test line"


def plant_in_tarball(root):
    with tarfile.open(root / "notebooks" / "backup.tar.gz", "w:gz") as archive:
        archive.add(root / "solutions" / f"{CHAPTER}.ipynb", arcname=f"old/{CHAPTER}.ipynb")
    return f"notebooks/backup.tar.gz!old/{CHAPTER}.ipynb: answer line"


def plant_in_solution(root):
    """An answer that the chapter's narrative shows verbatim: the instructor gave it away."""
    path = root / "solutions" / f"{CHAPTER}.ipynb"
    nb = nbf.read_notebook(path)
    nb.cells[6].source = nb.cells[6].source.replace(
        "mu = data.mean()", "mu = data.mean()\nx = minigrad.tensor([1.0, -2.0, 3.0])"
    )
    write(nb, path)
    return f"notebooks/{CHAPTER}.ipynb: answer line of 03_tiny.ipynb cell 7 ('mean')"


def plant_corrupt_archive(root):
    (root / "notebooks" / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    return "notebooks/broken.zip (unreadable archive: File is not a zip file): could not be scanned"


def plant_solutions_folder(root):
    (root / "notebooks" / "solutions").mkdir()
    (root / "notebooks" / "solutions" / "README.txt").write_text("answers: ask the instructor")
    return "notebooks/solutions/README.txt: a file from solutions/"


@pytest.mark.parametrize(
    "plant",
    [
        plant_in_narrative,
        plant_in_engine,
        plant_in_zip,
        plant_in_tarball,
        plant_in_solution,
        plant_solutions_folder,
        plant_corrupt_archive,
    ],
)
def test_release_fails_loudly_on_a_planted_answer(repo_course, tmp_path, outside, capsys, plant):
    expected = plant(repo_course)
    assert release_in(repo_course, outside / "student") == 1
    err = capsys.readouterr().err
    assert "gives answers away" in err and expected in err, err


def test_secret_lines_skip_short_lines_and_lines_the_sheets_show(course):
    secrets = secret_lines(course["solutions"])
    assert "return np.maximum(x, 0)" in secrets and HIDDEN_RELU in secrets
    assert "mu = data.mean()" in secrets
    assert "return x * x" not in secrets  # too short to tell an answer from any program
    nb = solution_notebook()
    nb.cells[1].source += "\nmu_hint = 'mu = data.mean()'"  # a given cell shows it anyway
    write(nb, course["solutions"] / f"{CHAPTER}.ipynb")
    assert "mu = data.mean()" not in secret_lines(course["solutions"])


def test_release_refuses_stale_exercises_and_unsafe_targets(repo_course, tmp_path, outside, capsys):
    assert release_in(repo_course, repo_course / "inside") == 1
    assert "inside the course repository" in capsys.readouterr().err
    (outside / "full").mkdir()
    (outside / "full" / "file").write_text("x")
    assert release_in(repo_course, outside / "full") == 1
    assert "is not empty" in capsys.readouterr().err
    nb = solution_notebook()
    nb.cells[0].source = "# Tiny chapter, edited after the last build"
    write(nb, repo_course / "solutions" / f"{CHAPTER}.ipynb")
    assert release_in(repo_course, outside / "student") == 1
    assert "exercises/ does not match solutions/" in capsys.readouterr().err


SHEET = re.compile(r"line of (\d\d)_")


@pytest.fixture(scope="module")
def course_leaks(tmp_path_factory):
    """What `release` finds of solutions/ in the current course: one line per leak."""
    out = tmp_path_factory.mktemp("release") / "student"
    try:
        return release_course(out, REPO, REPO / "solutions").leaks
    except ReleaseError as error:
        if "gives answers away" not in str(error):
            raise  # the release stopped before its scan: nothing was checked
        return str(error).splitlines()[1:]  # after the headline, one leak per line


def test_release_of_the_current_course_gives_no_answer_away(course_leaks):
    secrets = secret_lines(REPO / "solutions").values()
    sheets = {found.group(1) for where in secrets if (found := SHEET.search(where))}
    # the scan has answers to look for, of the sheets that used to leak among others
    assert {"01", "06", "07", "08", "09", "10"} <= sheets, sorted(sheets)
    assert not course_leaks, "\n".join(course_leaks)


def fresh_venv(folder: Path) -> Path:
    """A venv without pip that sees this environment's packages (a .pth line), not its
    minigrad: the editable install here is a finder that a .pth path does not load."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "shared.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def pip_install(python: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + ["--no-build-isolation", *args],
        capture_output=True,
        text=True,
        env=CLEAN_ENV,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def run(command: list, cwd: Path, cache: Path, timeout: int = 300):
    env = {**CLEAN_ENV, "MINIGRAD_COURSE_CACHE": str(cache), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def check_and_progress_work(course: Path, bin_dir: Path, cache: Path) -> None:
    where = run(
        [bin_dir / "python", "-c", "import minigrad; print(minigrad.__file__)"], course, cache
    )
    assert Path(where.stdout.strip()).is_relative_to(course.resolve()), where.stdout + where.stderr
    sheet = f"exercises/{CHAPTER}.ipynb"
    checked = run([bin_dir / "minigrad-course", "check", sheet], course, cache)
    assert checked.returncode == 1 and checked.stdout.count("not yet done") == 3, checked.stdout
    shown = run([bin_dir / "minigrad-course", "progress"], course, cache)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"{CHAPTER}  [" in shown.stdout and "0/3 questions" in shown.stdout, shown.stdout
    assert "unchanged since the last check" in shown.stdout  # check's result, reused


def test_release_installs_in_a_fresh_venv_where_check_and_progress_work(
    repo_course, tmp_path, outside
):
    assert release_in(repo_course, outside / "student") == 0
    copy = shutil.copytree(outside / "student", tmp_path / "elsewhere" / "course")
    python = fresh_venv(tmp_path / "venv")
    pip_install(python, "-e", str(copy))
    check_and_progress_work(copy, python.parent, tmp_path / "cache")


def run_chapter_outside(python: Path, chapter: Path, folder: Path, cache: Path) -> str:
    """Execute a copy of a chapter notebook in folder with that Python's kernel; its output."""
    folder.mkdir(parents=True)
    nb = nbf.read_notebook(chapter)
    probe = "import sys, minigrad\nprint('KERNEL', sys.executable, minigrad.__file__)"
    nb.cells.insert(0, new_code_cell(probe))
    write(nb, folder / chapter.name)
    script = (
        "import sys, nbformat\nfrom nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "NotebookClient(nb, timeout=120, kernel_name='python3').execute()\n"
        "print(nb.cells[0].outputs[0]['text'])\n"
    )
    done = run([python, "-c", script, chapter.name], folder, cache)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_wheel_installs_in_a_fresh_venv_and_a_chapter_runs_outside_the_repo(
    repo_course, tmp_path, outside
):
    assert release_in(repo_course, outside / "student", "--wheel") == 0
    [wheel] = (outside / "student" / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for name in (
        "minigrad/__init__.py",
        "minigrad_course/cli.py",
        "minigrad_course/data/sonnets.txt",
    ):
        assert name in names, name
    assert not [n for n in names if "solutions" in n or n.startswith("tests/")]
    python = fresh_venv(tmp_path / "venv")
    pip_install(python, str(wheel))
    site = Path(python).parent.parent.resolve()
    out = run_chapter_outside(
        python, REPO / "notebooks" / "02_computational_graphs.ipynb", tmp_path / "cloud", tmp_path
    )
    kernel_python, minigrad_file = out.split("KERNEL ")[1].split()[:2]
    assert Path(minigrad_file).resolve().is_relative_to(site), out
    text = run(
        [
            python,
            "-c",
            "from importlib import resources; "
            "print(len(resources.files('minigrad_course').joinpath('data/sonnets.txt').read_text()))",
        ],
        tmp_path,
        tmp_path,
    )
    assert int(text.stdout) > 1000, text.stdout + text.stderr


def readme_setup_command(course: Path) -> str:
    """The first ```bash block under '## Setup' in the release's README."""
    readme = (course / "README.md").read_text()
    setup = readme.split("## Setup", 1)[1]
    return setup.split("```bash\n", 1)[1].split("```", 1)[0].strip()


@pytest.mark.slow
def test_release_installs_with_its_own_readme_command(repo_course, tmp_path, outside):
    """From PyPI into a brand-new venv (minutes): the command students are told to run."""
    assert release_in(repo_course, outside / "student") == 0
    copy = shutil.copytree(outside / "student", tmp_path / "elsewhere" / "course")
    done = run(["bash", "-c", readme_setup_command(copy)], copy, tmp_path / "cache", timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    check_and_progress_work(copy, copy / ".venv" / "bin", tmp_path / "cache")


@pytest.mark.slow
def test_wheel_with_lab_extra_runs_a_chapter_in_a_brand_new_venv(repo_course, tmp_path, outside):
    """The hosted-wheel route (minutes): pip install "WHEEL[lab]" from PyPI, run a chapter."""
    assert release_in(repo_course, outside / "student", "--wheel") == 0
    [wheel] = (outside / "student" / "dist").glob("*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    done = run([python, "-m", "pip", "install", "-q", f"{wheel}[lab]"], tmp_path, tmp_path, 1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = run_chapter_outside(
        python, REPO / "notebooks" / "02_computational_graphs.ipynb", tmp_path / "cloud", tmp_path
    )
    assert str((tmp_path / "venv").resolve()) in out, out
