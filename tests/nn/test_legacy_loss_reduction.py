"""The deprecated size_average= and reduce= of the losses, modules and functions, as PyTorch
reads them (False/None -> 'sum', reduce=False -> 'none', ...) with its UserWarning naming
the reduction= to write; they were accepted and ignored (silently 'mean')."""

import warnings

import numpy as np
import pytest
import torch

import minigrad

LEGACY = [(False, None), (None, False), (True, True), (False, True), (True, False)]


def _losses(lib, size_average, reduce):
    nn, F = lib.nn, lib.nn.functional
    x = lib.tensor([[0.2, -1.0, 0.5], [1.5, 0.3, -0.2]])
    y = lib.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    lab, sign = lib.tensor([2, 0]), lib.tensor([1.0, -1.0])
    kw = {"size_average": size_average, "reduce": reduce}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            nn.MSELoss(**kw)(x, y), nn.L1Loss(**kw)(x, y), nn.SmoothL1Loss(**kw)(x, y),
            nn.BCELoss(**kw)(x.sigmoid(), y), nn.BCEWithLogitsLoss(**kw)(x, y),
            nn.CrossEntropyLoss(**kw)(x, lab), nn.NLLLoss(**kw)(x.log_softmax(1), lab),
            nn.KLDivLoss(**kw)(x.log_softmax(1), y.softmax(1)),
            nn.MarginRankingLoss(**kw)(x[:, 0], x[:, 1], sign),
            nn.HingeEmbeddingLoss(**kw)(x, y * 2 - 1), nn.CosineEmbeddingLoss(**kw)(x, y, sign),
            nn.MultiMarginLoss(**kw)(x, lab), nn.MultiLabelSoftMarginLoss(**kw)(x, y),
            nn.PoissonNLLLoss(**kw)(x, y), nn.SoftMarginLoss(**kw)(x, y * 2 - 1),
            nn.TripletMarginLoss(**kw)(x, y, x.flip(0)), F.mse_loss(x, y, **kw),
            F.cross_entropy(x, lab, **kw), F.kl_div(x.log_softmax(1), y.softmax(1), **kw),
            F.binary_cross_entropy(x.sigmoid(), y, **kw), F.l1_loss(x, y, **kw),
        ]  # fmt: skip


@pytest.mark.parametrize("size_average, reduce", LEGACY)
def test_legacy_arguments_choose_pytorchs_reduction(size_average, reduce):
    ours, theirs = _losses(minigrad, size_average, reduce), _losses(torch, size_average, reduce)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=str(k))


def test_the_warning_names_the_reduction_to_write():
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        minigrad.nn.MSELoss(size_average=False)
    with pytest.warns(UserWarning, match="please use reduction='none' instead"):
        minigrad.nn.functional.mse_loss(minigrad.ones(2), minigrad.zeros(2), reduce=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none without the legacy arguments
        minigrad.nn.MSELoss(reduction="sum")
