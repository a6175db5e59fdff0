"""Every notebook carries the kernel metadata JupyterLab writes, so opening it does not mark
it modified; the browser test (tests/browser) checks that JupyterLab agrees."""

from __future__ import annotations

import pytest
from nbrun import ROOT

from minigrad_course import notebook as nbf
from minigrad_course.build import release

# Found on disk: chapters added later are checked too.
PATHS = sorted(
    p.relative_to(ROOT).as_posix()
    for folder in ("notebooks", "solutions", "exercises")
    for p in (ROOT / folder).glob("*.ipynb")
)


def test_every_folder_has_notebooks():
    assert {path.split("/")[0] for path in PATHS} == {"notebooks", "solutions", "exercises"}


@pytest.mark.parametrize("path", PATHS)
def test_kernel_metadata_is_what_jupyterlab_writes(path):
    metadata = nbf.read_notebook(ROOT / path).metadata
    for key, expected in nbf.KERNEL_METADATA.items():
        assert metadata.get(key) == expected, (
            f"{path}: metadata.{key} is {metadata.get(key)!r}; commit what JupyterLab writes, "
            f"minigrad_course.notebook.KERNEL_METADATA[{key!r}] = {expected!r}"
        )


def test_build_writes_the_kernel_metadata():
    """An exercise gets the metadata even when its solution lost it."""
    solution = nbf.read_notebook(ROOT / "solutions" / "00_setup.ipynb")
    del solution.metadata["language_info"]
    solution.metadata["kernelspec"]["display_name"] = "Python 3"
    released = release(solution, "00_setup")
    for key, expected in nbf.KERNEL_METADATA.items():
        assert released.metadata[key] == expected
