"""Fixtures of the op tests: the CPU paths with SciPy and without it (it is not a requirement)."""

from __future__ import annotations

import sys

import pytest

from minigrad.ops.unary import _scipy_special


def _hide_scipy(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy.special", None)  # the import fails
    _scipy_special.cache_clear()  # (looked up once per process: again under this setting)


@pytest.fixture(params=["scipy", "no scipy"])
def scipy_or_not(request, monkeypatch):
    """Both ways on the CPU: SciPy's kernels where SciPy is installed (expit and ndtr on small
    arrays, erf, erfc and erfinv), NumPy's passes, the fits and the fallbacks where it is not."""
    if request.param == "scipy":
        pytest.importorskip("scipy.special")
        _scipy_special.cache_clear()
    else:
        _hide_scipy(monkeypatch)
    yield
    _scipy_special.cache_clear()


@pytest.fixture
def without_scipy(monkeypatch):
    """The CPU as without SciPy: the fallbacks run."""
    _hide_scipy(monkeypatch)
    yield
    _scipy_special.cache_clear()
