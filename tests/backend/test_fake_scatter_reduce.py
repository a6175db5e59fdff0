"""scatter_reduce's prod on the SIMULATED GPU: CuPy's ufunc.at has no multiply, so there the
repeats of a place are folded in by rounds; the result must be every repeat's product."""

from __future__ import annotations

import numpy as np

import minigrad


def test_prod_on_the_simulated_gpu_multiplies_every_repeat(fake_cuda):
    """CuPy's ufunc.at has no multiply: there the repeats are folded in by rounds."""
    rng = np.random.default_rng(0)
    index = rng.integers(0, 7, 300)
    src = rng.uniform(0.9, 1.1, 300)
    for include_self in (True, False):
        want = minigrad.ones(7, dtype=minigrad.float64).scatter_reduce(
            0, minigrad.tensor(index), minigrad.tensor(src), "prod", include_self=include_self
        )
        got = minigrad.ones(7, dtype=minigrad.float64, device="cuda").scatter_reduce(
            0,
            minigrad.tensor(index, device="cuda"),
            minigrad.tensor(src, device="cuda"),
            "prod",
            include_self=include_self,
        )
        np.testing.assert_allclose(got.cpu().numpy(), want.numpy(), rtol=1e-12)
        expected = np.ones(7)
        np.multiply.at(expected, index, src)
        np.testing.assert_allclose(want.numpy(), expected, rtol=1e-12)
