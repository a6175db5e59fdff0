"""Programs as users copy them (round 9): the "Examples::" blocks of PyTorch's docs pages for
nn layers, losses, functional ops, torch.linalg, torch.autograd.functional, torch.func,
parametrizations, the PackedSequence utilities, the lr schedulers and Generator objects, and
the named tutorials and recipes not yet run here ("Learning PyTorch with Examples", "Saving
and loading models", "Autograd mechanics", the hooks and type promotion notes), each written
as a user would run it and compared with PyTorch. Each is a function of the library (`torch`
is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py): `init` hands
minigrad PyTorch's random values, data come from NumPy, and what stays random is compared by
its properties."""

from __future__ import annotations

import copy
import math
import os
import tempfile

import numpy as np
from tutorials7 import _randn


def _raises(fn) -> str:
    """The name of the exception fn raises ("" when none), to compare error types."""
    try:
        fn()
    except Exception as error:  # noqa: BLE001 (the type is what is compared)
        return type(error).__name__
    return ""


def pixel_shuffle_and_channel_shuffle_docs(torch, init):
    """nn.PixelShuffle(3) on a (1, 9, 4, 4) input to (1, 1, 12, 12), nn.PixelUnshuffle(3) back
    (a round trip), F.pixel_shuffle's gradient (a permutation: ones back), and
    nn.ChannelShuffle(2) on the docs' arange(1, 17).view(1, 4, 2, 2)."""
    nn, F = torch.nn, torch.nn.functional
    x = _randn(torch, (1, 9, 4, 4), 1).requires_grad_()
    shuffled = nn.PixelShuffle(3)(x)
    back = nn.PixelUnshuffle(3)(shuffled)
    (F.pixel_shuffle(x, 3) * torch.arange(144.0).view(1, 1, 12, 12)).sum().backward()
    channels = nn.ChannelShuffle(2)(torch.arange(1, 17).view(1, 4, 2, 2))
    batch = _randn(torch, (2, 3, 8, 2, 4), 2)
    return {
        "shapes": [list(shuffled.shape), list(back.shape)],
        "round_trip": torch.equal(back, x),
        "first_rows": shuffled[0, 0, :3].tolist(),
        "grad": x.grad[0, :, 0, 0].tolist(),
        "channel_shuffle": channels.tolist(),
        "batched_unshuffle": list(F.pixel_unshuffle(batch, 2).shape),
        "upscale_factor": nn.PixelShuffle(3).upscale_factor,
    }


def transformer_module_docs_example(torch, init):
    """nn.Transformer's docs example made small: transformer_model(src, tgt) with a causal
    tgt_mask from generate_square_subsequent_mask, batch_first=True, norm_first=True, the
    encoder's memory reused by the decoder by hand, and the gradient of the output."""
    nn = torch.nn
    model = init(
        nn.Transformer(
            d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
            dim_feedforward=16, dropout=0.0, batch_first=True, norm_first=True,
        )
    )  # fmt: skip
    src = _randn(torch, (2, 5, 8), 3)
    tgt = _randn(torch, (2, 4, 8), 4)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    out = model(src, tgt, tgt_mask=mask)
    memory = model.encoder(src)
    by_hand = model.decoder(tgt, memory, tgt_mask=mask)
    out.pow(2).sum().backward()
    grad = model.decoder.layers[0].multihead_attn.in_proj_weight.grad
    return {
        "mask": mask.tolist(),
        "out": out.tolist(),
        "by_hand": torch.allclose(out, by_hand, atol=1e-6),
        "grad": grad.sum(0).tolist(),
        "counts": [len(model.encoder.layers), len(model.decoder.layers), model.d_model],
    }


def ctc_loss_docs_examples(torch, init):
    """nn.CTCLoss's docs examples made small: padded targets, then the same targets
    concatenated into one 1-D tensor, reduction 'sum' and 'none', and zero_infinity on an
    input too short for its target; the gradients of the log-probabilities."""
    nn = torch.nn
    T, C, N, S = 12, 6, 3, 5
    logits = _randn(torch, (T, N, C), 5).requires_grad_()
    log_probs = logits.log_softmax(2)
    rng = np.random.default_rng(6)
    target_lengths = torch.tensor([5, 3, 4])
    target = torch.from_numpy(rng.integers(1, C, (N, S)))
    input_lengths = torch.full(size=(N,), fill_value=T, dtype=torch.long)
    ctc = nn.CTCLoss()
    loss = ctc(log_probs, target, input_lengths, target_lengths)
    loss.backward()
    flat = torch.cat([target[i, : target_lengths[i]] for i in range(N)])
    unpadded = ctc(log_probs, flat, input_lengths, target_lengths)
    summed = nn.CTCLoss(reduction="sum")(log_probs, target, input_lengths, target_lengths)
    each = nn.CTCLoss(reduction="none")(
        log_probs, target, torch.tensor([12, 10, 8]), target_lengths
    )
    short = torch.tensor([12, 2, 12])
    infinite = nn.CTCLoss(reduction="none")(log_probs, target, short, target_lengths)
    zeroed = nn.CTCLoss(reduction="none", zero_infinity=True)(
        log_probs, target, short, target_lengths
    )
    return {
        "loss": [loss.item(), unpadded.item(), summed.item()],
        "each": each.tolist(),
        "infinite": [math.isinf(infinite[1].item()), zeroed.tolist()],
        "grad": logits.grad.sum(0).tolist(),
    }


def multilabel_margin_loss_docs_example(torch, init):
    """nn.MultiLabelMarginLoss's docs example (0.85: targets 3 and 0, then -1 ends the list),
    a batch with reduction 'none' and 'sum', a 1-D input, and the gradient."""
    nn, F = torch.nn, torch.nn.functional
    loss = nn.MultiLabelMarginLoss()
    x = torch.tensor([[0.1, 0.2, 0.4, 0.8]])
    y = torch.tensor([[3, 0, -1, 1]])
    batch = _randn(torch, (3, 5), 7).requires_grad_()
    targets = torch.tensor([[1, 4, -1, 0, 0], [0, 1, 2, 3, 4], [-1, 2, 3, 0, 0]])
    each = F.multilabel_margin_loss(batch, targets, reduction="none")
    each.sum().backward()
    return {
        "docs": loss(x, y).item(),
        "none": each.tolist(),
        "sum": nn.MultiLabelMarginLoss(reduction="sum")(batch, targets).item(),
        "one_d": F.multilabel_margin_loss(x[0], y[0]).item(),
        "grad": batch.grad.tolist(),
    }


def distance_modules_docs_examples(torch, init):
    """nn.PairwiseDistance(p=2) and nn.CosineSimilarity(dim=1, eps=1e-6) on the docs' (100, 128)
    inputs made small, p=1 and p=inf, keepdim, the eps added to the difference, cosine
    similarity broadcasting a row against a batch, F.pdist's condensed distances, and the
    gradients through them."""
    nn, F = torch.nn, torch.nn.functional
    input1 = _randn(torch, (6, 16), 8).requires_grad_()
    input2 = _randn(torch, (6, 16), 9)
    pdist = nn.PairwiseDistance(p=2)
    output = pdist(input1, input2)
    cos = nn.CosineSimilarity(dim=1, eps=1e-6)
    similarity = cos(input1, input2)
    (output.sum() + similarity.sum()).backward()
    same = torch.ones(2, 3)
    return {
        "pairwise": output.tolist(),
        "p1_inf": [
            nn.PairwiseDistance(p=1)(input1, input2).tolist(),
            nn.PairwiseDistance(p=float("inf"), keepdim=True)(input1, input2).tolist(),
        ],
        "eps_on_equal_rows": pdist(same, same).tolist(),
        "cosine": similarity.tolist(),
        "broadcast": F.cosine_similarity(input2[:1], input2, dim=-1).tolist(),
        "pdist": F.pdist(input2[:4]).tolist(),
        "grad": input1.grad.sum(1).tolist(),
    }


def embedding_losses_docs_examples(torch, init):
    """The docs' pair losses: nn.CosineEmbeddingLoss with a margin on +1/-1 targets,
    nn.MarginRankingLoss, nn.HingeEmbeddingLoss and nn.SoftMarginLoss, each with reduction
    'none' and their gradients."""
    nn = torch.nn
    a = _randn(torch, (4, 5), 10).requires_grad_()
    b = _randn(torch, (4, 5), 11)
    target = torch.tensor([1, -1, 1, -1])
    cosine = nn.CosineEmbeddingLoss(margin=0.2, reduction="none")(a, b, target)
    ranking = nn.MarginRankingLoss(margin=0.5, reduction="none")(a[:, 0], b[:, 0], target)
    hinge = nn.HingeEmbeddingLoss(margin=1.5, reduction="none")(a, torch.ones(4, 5) * 2 - 3)
    soft = nn.SoftMarginLoss(reduction="none")(a, torch.sign(b))
    (cosine.sum() + ranking.sum() + hinge.sum() + soft.sum()).backward()
    return {
        "cosine": cosine.tolist(),
        "ranking": ranking.tolist(),
        "hinge": hinge.tolist(),
        "soft": soft.tolist(),
        "means": [
            nn.CosineEmbeddingLoss()(a, b, target).item(),
            nn.MarginRankingLoss()(a[:, 0], b[:, 0], target).item(),
            nn.SoftMarginLoss()(a, torch.sign(b)).item(),
        ],
        "grad": a.grad.tolist(),
    }


def triplet_margin_with_distance_loss_docs(torch, init):
    """nn.TripletMarginWithDistanceLoss's docs example: an nn.Embedding looked up by ids,
    distance_function=nn.PairwiseDistance() (the default's numbers), a custom L-infinity
    function, a lambda cosine distance with margin and swap=True; the embedding's gradient."""
    nn, F = torch.nn, torch.nn.functional
    embedding = init(nn.Embedding(20, 8))
    anchor_ids = torch.tensor([0, 1, 2, 3])
    positive_ids = torch.tensor([4, 5, 6, 7])
    negative_ids = torch.tensor([8, 9, 10, 1])
    anchor = embedding(anchor_ids)
    positive = embedding(positive_ids)
    negative = embedding(negative_ids)
    pairwise = nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance())
    default = nn.TripletMarginWithDistanceLoss()
    plain = nn.TripletMarginLoss()

    def l_infinity(x1, x2):
        return torch.max(torch.abs(x1 - x2), dim=1).values

    custom = nn.TripletMarginWithDistanceLoss(distance_function=l_infinity, margin=1.5)
    cosine = nn.TripletMarginWithDistanceLoss(
        distance_function=lambda x, y: 1.0 - F.cosine_similarity(x, y), margin=0.5, swap=True
    )
    losses = [
        pairwise(anchor, positive, negative), default(anchor, positive, negative),
        plain(anchor, positive, negative), custom(anchor, positive, negative),
        cosine(anchor, positive, negative),
    ]  # fmt: skip
    sum(losses).backward()
    return {
        "losses": [loss.item() for loss in losses],
        "grad": embedding.weight.grad.tolist(),
    }


def packed_sequence_utilities_docs(torch, init):
    """torch.nn.utils.rnn's docs examples: pad_sequence (batch_first, padding_value),
    pack_sequence with enforce_sorted=False (sorted_indices, unsorted_indices, batch_sizes,
    data), pad_packed_sequence with total_length, unpad_sequence and unpack_sequence back to the
    list, and pack_padded_sequence of padded data through an nn.GRU."""
    nn = torch.nn
    rnn_utils = torch.nn.utils.rnn
    a = torch.tensor([1, 2, 3])
    b = torch.tensor([4, 5])
    c = torch.tensor([6])
    padded = rnn_utils.pad_sequence([a, b, c], batch_first=True, padding_value=-1)
    packed = rnn_utils.pack_sequence([b, a, c], enforce_sorted=False)
    seq, lengths = rnn_utils.pad_packed_sequence(packed, batch_first=True, total_length=4)
    unpadded = rnn_utils.unpad_sequence(padded, torch.tensor([3, 2, 1]), batch_first=True)
    unpacked = rnn_utils.unpack_sequence(packed)
    gru = init(nn.GRU(2, 3, batch_first=True))
    x = _randn(torch, (3, 4, 2), 12)
    packed_x = rnn_utils.pack_padded_sequence(
        x, torch.tensor([2, 4, 1]), batch_first=True, enforce_sorted=False
    )
    out, h = gru(packed_x)
    out_padded, out_lengths = rnn_utils.pad_packed_sequence(out, batch_first=True)
    return {
        "padded": padded.tolist(),
        "packed": [
            packed.data.tolist(),
            packed.batch_sizes.tolist(),
            packed.sorted_indices.tolist(),
            packed.unsorted_indices.tolist(),
        ],  # fmt: skip
        "repadded": [seq.tolist(), lengths.tolist()],
        "unpadded": [t.tolist() for t in unpadded],
        "unpacked": [t.tolist() for t in unpacked],
        "gru": [out_padded.tolist(), out_lengths.tolist(), h.tolist()],
        "time_major": list(rnn_utils.pad_sequence([a, b, c]).shape),
    }


def parametrize_tutorial_examples(torch, init):
    """The "Parametrizations" tutorial: a Symmetric parametrization registered on a Linear's
    weight (the weight is symmetric, the original is parametrizations.weight.original), a
    right_inverse so that assigning a weight sets the original, two parametrizations stacked,
    the cached() context, and remove_parametrizations keeping the value or not."""
    nn = torch.nn
    P = torch.nn.utils.parametrize

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    class NoiseFree(nn.Module):
        def forward(self, X):
            return X * 2

        def right_inverse(self, A):
            return A / 2

    layer = init(nn.Linear(3, 3))
    P.register_parametrization(layer, "weight", Symmetric())
    W = layer.weight
    original = layer.parametrizations.weight.original
    x = _randn(torch, (2, 3), 13)
    layer(x).sum().backward()
    grad = original.grad.clone()
    scaled = init(nn.Linear(2, 2))
    P.register_parametrization(scaled, "weight", NoiseFree())
    scaled.weight = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    stored = scaled.parametrizations.weight.original.tolist()
    P.register_parametrization(scaled, "weight", Symmetric())
    with P.cached():
        cached_same = scaled.weight is scaled.weight
    stacked = scaled.weight.tolist()
    P.remove_parametrizations(scaled, "weight", leave_parametrized=True)
    kept = [scaled.weight.tolist(), P.is_parametrized(scaled)]
    plain = init(nn.Linear(2, 2))
    before = plain.weight.tolist()
    P.register_parametrization(plain, "weight", Symmetric())
    P.remove_parametrizations(plain, "weight", leave_parametrized=False)
    return {
        "symmetric": [torch.equal(W, W.T), W.tolist()],
        "grad": grad.tolist(),
        "right_inverse": stored,
        "cached": cached_same,
        "stacked": stacked,
        "kept": kept,
        "unparametrized": plain.weight.tolist() == before,
        "is_parametrized": [P.is_parametrized(layer), P.is_parametrized(layer, "bias")],
    }


def weight_norm_old_and_new(torch, init):
    """Weight normalisation the two ways the docs show: nn.utils.weight_norm's weight_g and
    weight_v (dim=0 and dim=None), remove_weight_norm folding them back, and
    nn.utils.parametrizations.weight_norm's original0/original1; the same forward and
    gradients from the same start."""
    nn = torch.nn
    old = init(nn.Linear(4, 3))
    start = old.weight.detach().clone()
    old = nn.utils.weight_norm(old, name="weight")
    new = nn.utils.parametrizations.weight_norm(init(nn.Linear(4, 3)))
    whole = nn.utils.weight_norm(nn.Linear(4, 3), dim=None)
    x = _randn(torch, (5, 4), 14)
    old(x).pow(2).sum().backward()
    new(x).pow(2).sum().backward()
    g_old, v_old = old.weight_g, old.weight_v
    g_new = new.parametrizations.weight.original0
    v_new = new.parametrizations.weight.original1
    result = {
        "shapes": [
            list(g_old.shape),
            list(v_old.shape),
            list(g_new.shape),
            list(v_new.shape),
            list(whole.weight_g.shape),
        ],  # fmt: skip
        "g": [g_old.tolist(), g_new.tolist()],
        "same_weight": [
            torch.allclose(old.weight, start, atol=1e-6),
            torch.allclose(new.weight, start, atol=1e-6),
        ],
        "grads": [g_old.grad.tolist(), v_old.grad.tolist(), g_new.grad.tolist()],
    }
    nn.utils.remove_weight_norm(old)
    result["removed"] = [
        hasattr(old, "weight_g"), isinstance(old.weight, nn.Parameter),
        torch.allclose(old.weight, start, atol=1e-6),
    ]  # fmt: skip
    return result


def newton_method_with_autograd_hessian(torch, init):
    """Newton's method on the Rosenbrock function with torch.autograd.functional: jacobian for
    the gradient, hessian for the curvature, linalg.solve for the step; then vhp and hvp with
    the same vector (equal: the Hessian is symmetric), and the gradient norm shrinking."""
    AF = torch.autograd.functional

    def rosenbrock(p):
        return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2

    p = torch.tensor([-1.2, 1.0], dtype=torch.float64)
    norms = []
    for _ in range(8):
        g = AF.jacobian(rosenbrock, p)
        H = AF.hessian(rosenbrock, p)
        p = p - torch.linalg.solve(H, g)
        norms.append(g.norm().item())
    v = torch.tensor([1.0, -0.5], dtype=torch.float64)
    value, vhp = AF.vhp(rosenbrock, p, v)
    _, hvp = AF.hvp(rosenbrock, p, v)
    return {
        "point": p.tolist(),
        "norms": norms,
        "value": value.item(),
        "vhp_hvp": [vhp.tolist(), torch.allclose(vhp, hvp)],
        "hessian": AF.hessian(rosenbrock, torch.tensor([0.5, 0.5])).tolist(),
    }


def torch_func_grad_and_vmap_docs(torch, init):
    """torch.func's docs examples: grad(torch.sin) is cos, grad(grad(torch.sin)) is -sin,
    grad_and_value with has_aux, argnums=(0, 1), vmap with in_dims=(0, None) and out_dims=1,
    a per-sample gradient with vmap(grad(loss)), and jacrev against jacfwd."""
    func = torch.func
    x = _randn(torch, (5,), 15)
    cos_x = func.vmap(func.grad(torch.sin))(x)
    neg_sin_x = func.vmap(func.grad(func.grad(torch.sin)))(x)

    def loss_with_aux(w, b, data):
        pred = data @ w + b
        return pred.pow(2).mean(), pred

    w = _randn(torch, (3,), 16)
    b = torch.tensor(0.5)
    data = _randn(torch, (4, 3), 17)
    (gw, gb), (value, aux) = func.grad_and_value(loss_with_aux, argnums=(0, 1), has_aux=True)(
        w, b, data
    )
    batched_dot = func.vmap(torch.dot, in_dims=(0, None))(data, w)
    outer = func.vmap(lambda row: row * 2, out_dims=1)(data)

    def sample_loss(w, sample):
        return (sample @ w).tanh()

    per_sample = func.vmap(func.grad(sample_loss), in_dims=(None, 0))(w, data)
    jr = func.jacrev(torch.sin)(x)
    jf = func.jacfwd(torch.sin)(x)
    return {
        "cos": torch.allclose(cos_x, x.cos()),
        "neg_sin": torch.allclose(neg_sin_x, -x.sin()),
        "grad_and_value": [gw.tolist(), gb.item(), value.item(), aux.tolist()],
        "batched_dot": batched_dot.tolist(),
        "out_dims": list(outer.shape),
        "per_sample": per_sample.tolist(),
        "jac": [torch.allclose(jr, jf), torch.allclose(jr, torch.diag(x.cos()))],
    }


def linalg_decompositions_docs(torch, init):
    """torch.linalg's docs examples, compared where the answer is unique: eigh's eigenvalues
    and Q diag(L) Q^T back to A, svd's U S Vh back to A and svdvals, qr's Q^T Q = I and R
    upper triangular, lstsq's docs example with broadcast batches, and batched cross, vecdot
    and vector_norm over dims."""
    LA = torch.linalg
    A = _randn(torch, (4, 4), 18).double()
    A = A @ A.T + torch.eye(4, dtype=torch.float64)
    L, Q = LA.eigh(A)
    B = _randn(torch, (5, 3), 19).double()
    U, S, Vh = LA.svd(B, full_matrices=False)
    Qr, R = LA.qr(B)
    a = _randn(torch, (1, 3, 3), 20).double()
    b = _randn(torch, (2, 3, 3), 21).double()
    X = LA.lstsq(a, b).solution
    u = _randn(torch, (2, 3), 22)
    v = _randn(torch, (2, 3), 23)
    return {
        "eigh": [L.tolist(), torch.allclose(Q @ torch.diag(L) @ Q.mT, A)],
        "svd": [S.tolist(), LA.svdvals(B).tolist(), torch.allclose(U @ torch.diag(S) @ Vh, B)],
        "qr": [
            torch.allclose(Qr.T @ Qr, torch.eye(3, dtype=torch.float64)),
            torch.equal(R, R.triu()),
            R.diagonal().abs().tolist(),
        ],  # fmt: skip
        "lstsq": [list(X.shape), torch.allclose(a @ X, b)],
        "cross": LA.cross(u, v).tolist(),
        "vecdot": LA.vecdot(u, v).tolist(),
        "norms": [
            LA.vector_norm(u, ord=3, dim=1).tolist(),
            LA.vector_norm(u, ord=0).item(),
            LA.vector_norm(u, ord=-float("inf")).item(),
            LA.matrix_norm(A, ord=2).item(),
        ],  # fmt: skip
        "det": [LA.det(A).item(), LA.slogdet(A).logabsdet.item()],
    }


def tensor_type_promotion_docs(torch, init):
    """The "Type promotion" section of the Tensor Attributes docs, line by line: the result
    dtypes of the mixed operations, torch.add(long, float), and the in-place rules (an
    int tensor's add_(1.5) and an in-place float result into an int tensor raise
    RuntimeError; a float tensor *= a double tensor stays float)."""
    float_tensor = torch.ones(1, dtype=torch.float)
    double_tensor = torch.ones(1, dtype=torch.double)
    int_tensor = torch.ones(1, dtype=torch.int)
    long_tensor = torch.ones(1, dtype=torch.long)
    uint_tensor = torch.ones(1, dtype=torch.uint8)
    bool_tensor = torch.ones(1, dtype=torch.bool)
    long_zerodim = torch.tensor(1, dtype=torch.long)
    int_zerodim = torch.tensor(1, dtype=torch.int)
    dtypes = [
        (int_tensor + 5).dtype, (int_tensor + long_zerodim).dtype,
        (long_tensor + int_tensor).dtype, (bool_tensor + long_tensor).dtype,
        (bool_tensor + uint_tensor).dtype, (float_tensor + double_tensor).dtype,
        (bool_tensor + int_tensor).dtype, torch.add(long_tensor, float_tensor).dtype,
        (int_zerodim + 5.5).dtype, (uint_tensor + int_zerodim).dtype,
    ]  # fmt: skip
    float_tensor *= float_tensor
    float_tensor *= int_tensor
    float_tensor *= uint_tensor
    float_tensor *= bool_tensor
    float_tensor *= double_tensor
    int_tensor *= long_tensor
    int_tensor *= uint_tensor
    uint_tensor *= int_tensor
    errors = [
        _raises(lambda: int_tensor.add_(1.5)),
        _raises(lambda: int_tensor.mul_(float_tensor)),
        _raises(lambda: uint_tensor.__imul__(float_tensor)),
        _raises(lambda: torch.add(float_tensor, float_tensor, out=int_tensor)),
        _raises(lambda: bool_tensor.add_(int_tensor)),
    ]
    return {
        "dtypes": [str(d).split(".")[-1] for d in dtypes],
        "in_place": [str(t.dtype).split(".")[-1] for t in (float_tensor, int_tensor, uint_tensor)],
        "errors": errors,
    }


def legendre_fit_with_custom_function_and_optim(torch, init):
    """ "Learning PyTorch with Examples", the last two steps together: the
    LegendrePolynomial3 autograd.Function (forward 0.5 * (5x^3 - 3x), backward
    1.5 * (5x^2 - 1)) inside an nn.Module whose parameters an optim.SGD with momentum fits to
    sin(x), checked by gradcheck in float64 first, and the module's string()."""
    nn = torch.nn

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    check = torch.autograd.gradcheck(
        LegendrePolynomial3.apply, (torch.linspace(-1, 1, 5, dtype=torch.float64).requires_grad_(),)
    )

    class Fit(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.tensor(0.0))
            self.b = nn.Parameter(torch.tensor(-1.0))
            self.c = nn.Parameter(torch.tensor(0.0))
            self.d = nn.Parameter(torch.tensor(0.3))

        def forward(self, x):
            P3 = LegendrePolynomial3.apply
            return self.a + self.b * P3(self.c + self.d * x)

        def string(self):
            return f"y = {self.a.item():.1f} + {self.b.item():.2f} * P3(c + {self.d.item():.2f} x)"

    x = torch.linspace(-math.pi, math.pi, 200)
    y = torch.sin(x)
    model = Fit()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6, momentum=0.9)
    criterion = nn.MSELoss(reduction="sum")
    losses = []
    for t in range(300):
        loss = criterion(model(x), y)
        if t % 50 == 49:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    params = [model.a.item(), model.b.item(), model.c.item(), model.d.item()]
    return {"gradcheck": check, "losses": losses, "params": params, "string": model.string()}


def saving_checkpoint_and_resuming_training(torch, init):
    """ "Saving and loading a general checkpoint" through a temporary file: a model, its Adam
    state and a StepLR saved mid-training with the epoch and loss, loaded with
    weights_only=True into fresh objects, and the resumed run's losses equal to those of a
    run never interrupted."""
    nn = torch.nn
    x = _randn(torch, (16, 3), 24)
    y = _randn(torch, (16, 1), 25)

    def make():
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        return model, optimizer, scheduler

    def epoch(model, optimizer, scheduler):
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        return loss.item()

    model, optimizer, scheduler = make()
    init(model)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    straight = [epoch(model, optimizer, scheduler) for _ in range(6)]
    model, optimizer, scheduler = make()
    model.load_state_dict(start)
    resumed = [epoch(model, optimizer, scheduler) for _ in range(3)]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "checkpoint.tar")
        torch.save(
            {
                "epoch": 3,
                "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "loss": resumed[-1],
            },
            path,
        )
        model, optimizer, scheduler = make()
        checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    model.train()
    resumed += [epoch(model, optimizer, scheduler) for _ in range(3)]
    return {
        "straight": straight,
        "resumed": resumed,
        "epoch": checkpoint["epoch"],
        "lr": optimizer.param_groups[0]["lr"],
        "state_keys": sorted(checkpoint["optimizer_state_dict"]["state"][0].keys()),
    }


def load_state_dict_incompatible_keys(torch, init):
    """load_state_dict's result and errors as the warmstarting recipe meets them: strict=False
    returns missing_keys and unexpected_keys, strict=True raises RuntimeError naming them, a
    shape mismatch raises RuntimeError even with strict=False, and assign=True."""
    nn = torch.nn
    net_a = init(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    net_b = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Linear(2, 1))
    state = net_a.state_dict()
    state["extra.weight"] = torch.zeros(1)
    result = net_b.load_state_dict(state, strict=False)
    wrong = {"0.weight": torch.zeros(5, 3)}
    partial = net_b.load_state_dict({"0.bias": torch.ones(4)}, strict=False)
    fresh = nn.Linear(3, 4)
    fresh.load_state_dict(dict(net_a[0].state_dict()), assign=True)
    return {
        "missing": result.missing_keys,
        "unexpected": result.unexpected_keys,
        "copied": torch.equal(net_b[0].weight, net_a[0].weight),
        "strict": _raises(lambda: net_b.load_state_dict(net_a.state_dict())),
        "shape": _raises(lambda: net_b.load_state_dict(wrong, strict=False)),
        "partial": [sorted(partial.missing_keys), net_b[0].bias.tolist()],
        "assign": [fresh.weight.tolist(), isinstance(fresh.weight, nn.Parameter)],
    }


def autograd_mechanics_notes(torch, init):
    """The "Autograd mechanics" notes: requires_grad propagating (a frozen base, a trainable
    head), which tensors are leaves, the nested grad-mode contexts (no_grad, enable_grad,
    set_grad_enabled as a function and a context), a second backward without retain_graph
    raising RuntimeError, an in-place change of a saved tensor raising RuntimeError at
    backward, and the in-place change that autograd allows (of a tensor not saved)."""
    nn = torch.nn
    base = init(nn.Linear(3, 3))
    for p in base.parameters():
        p.requires_grad = False
    head = init(nn.Linear(3, 1))
    x = _randn(torch, (2, 3), 26)
    hidden = base(x)
    out = head(hidden).sum()
    out.backward()
    modes = []
    with torch.no_grad():
        modes.append((x * 2).requires_grad)
        with torch.enable_grad():
            modes.append((head.weight * 2).requires_grad)
    with torch.set_grad_enabled(False):
        modes.append((head.weight * 2).requires_grad)
    torch.set_grad_enabled(False)
    modes.append(torch.is_grad_enabled())
    torch.set_grad_enabled(True)
    modes.append(torch.is_grad_enabled())
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a.exp()
    b.sum().backward(retain_graph=True)
    b.sum().backward()
    c = a.sigmoid()
    c.sum().backward()
    twice = _raises(lambda: c.sum().backward())
    d = a.exp()
    e = d * 2
    d.add_(1)
    saved = _raises(lambda: e.sum().backward())
    f = a * 3
    g = f.clone()
    f.mul_(2)
    (f.sum() + g.sum()).backward()
    return {
        "requires_grad": [hidden.requires_grad, out.requires_grad, base.weight.grad is None],
        "leaves": [x.is_leaf, head.weight.is_leaf, hidden.is_leaf, out.is_leaf],
        "grad_fn": [hidden.grad_fn is None, out.grad_fn.name()],
        "modes": modes,
        "grads": [head.weight.grad.tolist(), a.grad.tolist()],
        "errors": [twice, saved],
    }


def module_hooks_docs_semantics(torch, init):
    """Module hooks as their docs define them: a forward pre-hook returning a new input, a
    forward hook returning a new output, with_kwargs=True hooks, a full backward hook's
    grad_input and grad_output (and one returning new grad_input), a backward pre-hook scaling
    grad_output, handles removed, and Tensor.register_hook on an intermediate."""
    nn = torch.nn
    layer = init(nn.Linear(3, 2))
    seen = {}

    def pre(module, args):
        return (args[0] * 2,)

    def post(module, args, output):
        return output + 1

    def kw_pre(module, args, kwargs):
        seen["kwargs"] = sorted(kwargs)
        return args, kwargs

    def backward(module, grad_input, grad_output):
        seen["grad_input"] = [g.tolist() for g in grad_input]
        seen["grad_output"] = [g.tolist() for g in grad_output]
        return (grad_input[0] * 10,)

    def backward_pre(module, grad_output):
        return (grad_output[0] * 0.5,)

    handles = [
        layer.register_forward_pre_hook(pre),
        layer.register_forward_hook(post),
        layer.register_full_backward_hook(backward),
        layer.register_full_backward_pre_hook(backward_pre),
    ]
    x = _randn(torch, (4, 3), 27).requires_grad_()
    out = layer(x)
    hidden = out * 3
    hidden.register_hook(lambda g: g + 1)
    hidden.sum().backward()
    hooked = [out.tolist(), x.grad.tolist(), layer.weight.grad.tolist()]
    for handle in handles:
        handle.remove()
    x.grad = None
    layer(x).sum().backward()

    class Scaled(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    scaled = Scaled()
    scaled.register_forward_pre_hook(kw_pre, with_kwargs=True)
    scaled.register_forward_hook(lambda m, a, k, o: o + k["scale"], with_kwargs=True)
    return {
        "hooked": hooked,
        "seen": [seen["grad_input"], seen["grad_output"]],
        "removed": [layer(x).tolist(), x.grad.tolist()],
        "kwargs": [scaled(torch.ones(2), scale=3.0).tolist(), seen["kwargs"]],
    }


def one_cycle_lr_docs_recipes(torch, init):
    """OneCycleLR as its docs use it: steps_per_epoch and epochs, stepped every batch, cycling
    SGD's momentum inversely; anneal_strategy='linear', three_phase=True, and with Adam (its
    betas[0] cycled); the lrs and momenta recorded, and the error past the last step."""
    lin = torch.nn.Linear(2, 1)
    sgd = torch.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(sgd, max_lr=0.01, steps_per_epoch=4, epochs=3)
    lrs, momenta = [], []
    for _ in range(3):
        for _ in range(4):
            sgd.step()
            sched.step()
            lrs.append(sgd.param_groups[0]["lr"])
            momenta.append(sgd.param_groups[0]["momentum"])
    past = _raises(sched.step)
    adam = torch.optim.Adam(lin.parameters(), lr=0.1)
    linear = torch.optim.lr_scheduler.OneCycleLR(
        adam, max_lr=0.05, total_steps=10, anneal_strategy="linear", three_phase=True,
        div_factor=10.0, final_div_factor=100.0, pct_start=0.4,
    )  # fmt: skip
    linear_lrs, betas = [], []
    for _ in range(9):
        adam.step()
        linear.step()
        linear_lrs.append(adam.param_groups[0]["lr"])
        betas.append(adam.param_groups[0]["betas"][0])
    return {
        "lrs": lrs,
        "momenta": momenta,
        "past_the_end": past,
        "linear_three_phase": linear_lrs,
        "betas": betas,
        "initial": [sgd.param_groups[0]["initial_lr"], sgd.param_groups[0]["max_lr"]],
        "last_lr": sched.get_last_lr(),
    }


def cosine_warm_restarts_fractional_epochs(torch, init):
    """CosineAnnealingWarmRestarts's docs recipe: scheduler.step(epoch + i / iters) inside the
    batch loop (fractional epochs), T_0=2, T_mult=2 and eta_min; then the plain per-epoch
    step, T_cur and T_i read back, and stepping to an explicit epoch out of order."""
    lin = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(lin.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        opt, T_0=2, T_mult=2, eta_min=0.001
    )
    iters = 4
    lrs = []
    for epoch in range(4):
        for i in range(iters):
            opt.step()
            sched.step(epoch + i / iters)
            lrs.append(opt.param_groups[0]["lr"])
    state = [sched.T_cur, sched.T_i, sched.last_epoch]
    opt2 = torch.optim.SGD(lin.parameters(), lr=1.0)
    plain = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt2, T_0=3)
    per_epoch = []
    for _ in range(7):
        opt2.step()
        plain.step()
        per_epoch.append(opt2.param_groups[0]["lr"])
    plain.step(1)
    return {
        "fractional": lrs,
        "state": state,
        "per_epoch": per_epoch,
        "jump_back": [opt2.param_groups[0]["lr"], plain.T_cur],
    }


def lambda_sequential_and_plateau_schedulers(torch, init):
    """Three lr_scheduler docs examples: LambdaLR with one lambda per param group,
    SequentialLR chaining a LinearLR warmup into ExponentialLR at a milestone, and
    ReduceLROnPlateau in mode 'max' with threshold_mode 'abs', patience, cooldown and min_lr,
    fed a validation metric; the lrs and the scheduler's num_bad_epochs along the way."""
    base = torch.nn.Linear(2, 2)
    head = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(
        [{"params": base.parameters()}, {"params": head.parameters(), "lr": 0.5}], lr=0.05
    )
    lam = torch.optim.lr_scheduler.LambdaLR(
        opt, lr_lambda=[lambda epoch: epoch // 3, lambda epoch: 0.95**epoch]
    )
    lambda_lrs = []
    for _ in range(7):
        opt.step()
        lam.step()
        lambda_lrs.append([g["lr"] for g in opt.param_groups])
    opt2 = torch.optim.SGD(base.parameters(), lr=1.0)
    warm = torch.optim.lr_scheduler.LinearLR(opt2, start_factor=0.1, total_iters=3)
    decay = torch.optim.lr_scheduler.ExponentialLR(opt2, gamma=0.9)
    seq = torch.optim.lr_scheduler.SequentialLR(opt2, schedulers=[warm, decay], milestones=[3])
    seq_lrs = [opt2.param_groups[0]["lr"]]
    for _ in range(7):
        opt2.step()
        seq.step()
        seq_lrs.append(opt2.param_groups[0]["lr"])
    opt3 = torch.optim.SGD(base.parameters(), lr=1.0)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt3, mode="max", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs",
        cooldown=1, min_lr=0.2,
    )  # fmt: skip
    accuracy = [0.5, 0.6, 0.62, 0.64, 0.63, 0.7, 0.71, 0.7, 0.69, 0.7, 0.7, 0.7]
    plateau_lrs = []
    for acc in accuracy:
        plateau.step(acc)
        plateau_lrs.append([opt3.param_groups[0]["lr"], plateau.num_bad_epochs])
    return {
        "lambda": lambda_lrs,
        "sequential": seq_lrs,
        "plateau": plateau_lrs,
        "plateau_state": sorted(k for k in plateau.state_dict() if not k.startswith("_")),
    }


def generator_objects_and_determinism(torch, init):
    """Randomness as the reproducibility notes handle it, compared by its properties: a
    Generator's manual_seed returns it, two generators with one seed give the same draws,
    get_state/set_state replay them, the global seed and fork-free replays through
    get_rng_state, initial_seed, and a DataLoader shuffling with its own generator
    reproducibly while leaving the global stream alone."""
    g1 = torch.Generator().manual_seed(42)
    g2 = torch.Generator()
    g2.manual_seed(42)
    a = torch.randn(5, generator=g1)
    b = torch.randn(5, generator=g2)
    state = g1.get_state()
    c = torch.rand(3, generator=g1)
    g1.set_state(state)
    d = torch.rand(3, generator=g1)
    torch.manual_seed(7)
    first = torch.randint(0, 100, (6,))
    rng_state = torch.get_rng_state()
    second = torch.randn(4)
    torch.set_rng_state(rng_state)
    again = torch.randn(4)
    torch.manual_seed(7)
    replay = torch.randint(0, 100, (6,))
    dataset = torch.utils.data.TensorDataset(torch.arange(10))
    orders = []
    for _ in range(2):
        loader = torch.utils.data.DataLoader(
            dataset, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(3)
        )
        orders.append(torch.cat([batch for (batch,) in loader]).tolist())
    torch.manual_seed(11)
    before = torch.rand(2)
    torch.manual_seed(11)
    list(torch.utils.data.DataLoader(dataset, shuffle=True, generator=torch.Generator()))
    after = torch.rand(2)
    return {
        "same_seed": torch.equal(a, b),
        "state_replay": torch.equal(c, d),
        "global_replay": [torch.equal(first, replay), torch.equal(second, again)],
        "initial_seed": [torch.initial_seed(), g1.initial_seed(), torch.Generator().initial_seed()],
        "shuffled": [orders[0] == orders[1], sorted(orders[0]) == list(range(10))],
        "global_untouched": torch.equal(before, after),
        "ranges": [
            bool((c >= 0).all() and (c < 1).all()),
            first.dtype == torch.int64,
            bool((first >= 0).all() and (first < 100).all()),
        ],  # fmt: skip
    }


def mixed_dtypes_and_default_dtype(torch, init):
    """Mixed dtypes as users meet them: a float64 batch into a float32 Linear raises
    RuntimeError, model.double() and model.to(torch.float64) fix it, set_default_dtype changes
    what torch.tensor and nn layers create (and back), half() parameters, and the dtype of
    Python-scalar tensors under each default."""
    nn = torch.nn
    layer = init(nn.Linear(3, 2))
    x64 = _randn(torch, (4, 3), 28).double()
    error = _raises(lambda: layer(x64))
    doubled = init(nn.Linear(3, 2)).double()
    out = doubled(x64)
    moved = init(nn.Linear(3, 2)).to(torch.float64)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        created = [
            torch.tensor([1.0, 2.0]).dtype, torch.tensor([1, 2]).dtype, torch.zeros(2).dtype,
            nn.Linear(2, 2).weight.dtype, torch.arange(0.0, 1.0, 0.5).dtype,
            torch.tensor(3.5).dtype, (torch.ones(2, dtype=torch.int32) * 0.5).dtype,
        ]  # fmt: skip
    finally:
        torch.set_default_dtype(previous)
    half = init(nn.Linear(3, 2)).half()
    return {
        "error": error,
        "double": [out.dtype == torch.float64, out.tolist()],
        "moved": [moved.weight.dtype == torch.float64, moved.bias.dtype == torch.float64],
        "created": [str(d).split(".")[-1] for d in created],
        "restored": [
            torch.get_default_dtype() == torch.float32,
            torch.tensor([1.0]).dtype == torch.float32,
        ],
        "half": [half.weight.dtype == torch.float16, half.weight.float().tolist()],
    }


def bilinear_identity_flatten_unflatten_docs(torch, init):
    """The docs examples of nn.Bilinear (128 x 20 x 30 -> 40, made small), nn.Identity with
    arguments it ignores, nn.Flatten with default and custom dims, and nn.Unflatten by sizes;
    the Bilinear gradients."""
    nn = torch.nn
    m = init(nn.Bilinear(4, 5, 3))
    input1 = _randn(torch, (6, 4), 29).requires_grad_()
    input2 = _randn(torch, (6, 5), 30)
    output = m(input1, input2)
    output.pow(2).sum().backward()
    identity = nn.Identity(54, unused_argument1=0.1, unused_argument2=False)
    x = _randn(torch, (32, 1, 5, 5), 31)
    unflatten = nn.Unflatten(1, (2, 5, 5))
    return {
        "bilinear": [list(output.shape), output.tolist()],
        "grads": [input1.grad.tolist(), m.weight.grad.sum(0).tolist(), m.bias.grad.tolist()],
        "identity": [list(identity(x).shape), identity(x) is x],
        "flatten": [
            list(nn.Flatten()(x).shape),
            list(nn.Flatten(0, 2)(x).shape),
            list(nn.Flatten(-2)(x).shape),
        ],  # fmt: skip
        "unflatten": list(unflatten(torch.ones(2, 50)).shape),
        "functional": list(torch.nn.functional.bilinear(input1, input2, m.weight).shape),
    }


def padding_layers_docs_examples(torch, init):
    """The padding layers' docs examples on their arange inputs: ZeroPad2d((1, 1, 2, 0)),
    ConstantPad1d(2, 3.5) and ConstantPad3d, ReflectionPad1d/2d, ReplicationPad2d/3d,
    CircularPad1d/2d with asymmetric padding, and F.pad's modes with negative padding (a crop)
    and the gradient of reflect padding."""
    nn, F = torch.nn, torch.nn.functional
    x1 = torch.arange(8, dtype=torch.float).reshape(1, 2, 4)
    x2 = torch.arange(9, dtype=torch.float).reshape(1, 1, 3, 3)
    x3 = torch.arange(8, dtype=torch.float).reshape(1, 1, 2, 2, 2)
    grad_in = x2.clone().requires_grad_()
    F.pad(grad_in, (2, 1, 1, 2), mode="reflect").sum().backward()
    return {
        "zero": nn.ZeroPad2d((1, 1, 2, 0))(x2).tolist(),
        "constant1d": nn.ConstantPad1d(2, 3.5)(x1).tolist(),
        "constant3d": list(nn.ConstantPad3d((3, 3, 6, 6, 0, 1), 3.5)(x3).shape),
        "reflect1d": nn.ReflectionPad1d((3, 1))(x1).tolist(),
        "reflect2d": nn.ReflectionPad2d(2)(x2).tolist(),
        "replicate2d": nn.ReplicationPad2d((1, 1, 2, 0))(x2).tolist(),
        "replicate3d": nn.ReplicationPad3d(1)(x3).sum().item(),
        "circular1d": nn.CircularPad1d((3, 1))(x1).tolist(),
        "circular2d": nn.CircularPad2d((1, 1, 2, 0))(x2).tolist(),
        "crop": F.pad(x2, (-1, 0, 0, -1)).tolist(),
        "reflect_grad": grad_in.grad.tolist(),
    }


def max_unpool_and_lp_pool_docs(torch, init):
    """MaxPool2d(2, stride=2, return_indices=True) and MaxUnpool2d's docs example on the 4x4
    input 1..16 (with output_size to undo an odd size), MaxUnpool1d's, LPPool2d's and
    AdaptiveMaxPool2d((None, 7)) on random inputs, and the unpool gradient."""
    nn = torch.nn
    pool = nn.MaxPool2d(2, stride=2, return_indices=True)
    unpool = nn.MaxUnpool2d(2, stride=2)
    x = torch.tensor(
        [[[[1.0, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]], requires_grad=True
    )
    output, indices = pool(x)
    restored = unpool(output, indices)
    (restored * torch.arange(16.0).view(1, 1, 4, 4)).sum().backward()
    odd = _randn(torch, (1, 1, 5, 5), 32)
    o2, i2 = pool(odd)
    back = unpool(o2, i2, output_size=odd.size())
    pool1 = nn.MaxPool1d(2, stride=2, return_indices=True)
    o1, i1 = pool1(torch.tensor([[[1.0, 2, 3, 4, 5, 6, 7, 8]]]))
    u1 = nn.MaxUnpool1d(2, stride=2)(o1, i1)
    y = _randn(torch, (2, 3, 6, 8), 33)
    return {
        "pooled": [output.tolist(), indices.tolist()],
        "unpooled": restored.tolist(),
        "grad": x.grad.tolist(),
        "output_size": [list(back.shape), back.tolist()],
        "one_d": [u1.tolist(), i1.tolist()],
        "lp": nn.LPPool2d(2, 3, stride=2)(y).tolist(),
        "lp_1_5": nn.LPPool2d(1.5, (3, 2), stride=(2, 1))(y.abs()).sum().item(),
        "adaptive_none": list(nn.AdaptiveMaxPool2d((None, 7))(y).shape),
        "adaptive": nn.AdaptiveMaxPool2d((5, 7))(y)[0, 0].tolist(),
    }


def normalization_layers_docs_examples(torch, init):
    """The normalization layers' docs examples: GroupNorm separating 6 channels into 3 groups,
    6 groups (InstanceNorm) and 1 group (LayerNorm-like); LayerNorm over the last dim for NLP
    and over (C, H, W) for images with elementwise_affine=False; RMSNorm; LocalResponseNorm on
    a signal and an image; InstanceNorm1d with track_running_stats; and their gradients."""
    nn = torch.nn
    x = _randn(torch, (4, 6, 5, 5), 34).requires_grad_()
    outs = [
        init(nn.GroupNorm(3, 6))(x), init(nn.GroupNorm(6, 6))(x), init(nn.GroupNorm(1, 6))(x),
    ]  # fmt: skip
    embedding = _randn(torch, (2, 3, 8), 35)
    layer_norm = init(nn.LayerNorm(8))
    image_norm = nn.LayerNorm([6, 5, 5], elementwise_affine=False)
    rms = init(nn.RMSNorm([8]))
    lrn = nn.LocalResponseNorm(2)
    signal = _randn(torch, (3, 6, 7), 36)
    inorm = init(nn.InstanceNorm1d(6, affine=True, track_running_stats=True))
    inorm(signal)
    inorm.eval()
    evaluated = inorm(signal)
    sum(o.pow(2).sum() for o in outs).backward()
    return {
        "groups": [o[0, :, 0, 0].tolist() for o in outs],
        "stats": [outs[2][1].mean().item(), outs[2][1].var(unbiased=False).item()],
        "layer_norm": layer_norm(embedding).tolist(),
        "image": image_norm(x)[0, 0].tolist(),
        "rms": rms(embedding).tolist(),
        "lrn": [lrn(signal).tolist(), lrn(x)[0, :, 0, 0].tolist()],
        "instance_running": [inorm.running_mean.tolist(), inorm.running_var.tolist()],
        "instance_eval": evaluated[0].tolist(),
        "grad": x.grad[0, :, 0, 0].tolist(),
    }


def activation_modules_docs_examples(torch, init):
    """Activation modules from their docs pages: Softmax2d over channels, GLU halving a dim,
    Threshold(0.1, 20), Hardtanh(-2, 2), RReLU in eval mode (the fixed mean slope),
    Softmin(dim=1), LogSigmoid, Softshrink and Hardshrink, CELU, SELU, Mish, Hardswish, each
    with its values at the kinks and its gradient."""
    nn = torch.nn
    x = torch.tensor([[-3.0, -2.0, -0.5, 0.0, 0.1, 0.5, 2.0, 3.0]], requires_grad=True)
    rrelu = nn.RReLU(0.1, 0.3)
    rrelu.eval()
    modules = {
        "threshold": nn.Threshold(0.1, 20.0), "hardtanh": nn.Hardtanh(-2, 2),
        "rrelu": rrelu, "softmin": nn.Softmin(dim=1), "logsigmoid": nn.LogSigmoid(),
        "softshrink": nn.Softshrink(0.5), "hardshrink": nn.Hardshrink(0.5),
        "celu": nn.CELU(0.5), "selu": nn.SELU(), "mish": nn.Mish(),
        "hardswish": nn.Hardswish(), "hardsigmoid": nn.Hardsigmoid(), "relu6": nn.ReLU6(),
        "tanhshrink": nn.Tanhshrink(), "softsign": nn.Softsign(), "softplus": nn.Softplus(2, 1),
    }  # fmt: skip
    results = {}
    for name, module in modules.items():
        x.grad = None
        out = module(x)
        out.sum().backward()
        results[name] = [out.tolist(), x.grad.tolist()]
    image = _randn(torch, (2, 3, 4, 4), 37)
    soft2d = nn.Softmax2d()(image)
    results["softmax2d"] = [soft2d.sum(1).tolist(), soft2d[0, :, 0, 0].tolist()]
    results["glu"] = nn.GLU()(_randn(torch, (4, 2), 38)).tolist()
    results["glu_dim1"] = list(nn.GLU(dim=2)(image).shape)
    results["repr"] = [repr(nn.Threshold(0.1, 20)), repr(nn.Hardtanh(-2, 2)), repr(rrelu)]
    return results


def gradient_diff_and_trapezoid_docs(torch, init):
    """torch.gradient's docs examples (unit spacing, a scalar spacing, coordinates as a tuple
    of tensors, edge_order=2, a dim), torch.diff with n=2 and prepend/append, trapezoid and
    cumulative_trapezoid with dx and with sample points x."""
    t = torch.tensor([4.0, 1.0, 1.0, 16.0])
    coordinates = (torch.tensor([-2.0, -1.0, 1.0, 4.0]),)
    values = torch.tensor([4.0, 1.0, 1.0, 16.0])
    grid = torch.tensor([[1.0, 2, 4, 8], [10, 20, 40, 80]])
    y = torch.tensor([1.0, 5.0, 10.0])
    x = torch.tensor([1.0, 3.0, 6.0])
    return {
        "unit": torch.gradient(t)[0].tolist(),
        "coordinates": torch.gradient(values, spacing=coordinates)[0].tolist(),
        "scalar_spacing": [g.tolist() for g in torch.gradient(grid, spacing=2.0)],
        "edge_order_2": torch.gradient(values, spacing=coordinates, edge_order=2)[0].tolist(),
        "dim": torch.gradient(grid, dim=1)[0].tolist(),
        "spacing_list": [g.tolist() for g in torch.gradient(grid, spacing=[3.0, 2.0])],
        "diff": [
            torch.diff(torch.tensor([1, 3, 2])).tolist(),
            torch.diff(torch.tensor([1, 3, 2]), append=torch.tensor([4, 5])).tolist(),
            torch.diff(grid, dim=0).tolist(),
            torch.diff(grid, n=2, dim=1).tolist(),
            torch.diff(grid, prepend=torch.zeros(2, 1)).tolist(),
            torch.diff(torch.tensor([True, False, False, True])).tolist(),
        ],  # fmt: skip
        "trapezoid": [
            torch.trapezoid(y).item(),
            torch.trapezoid(y, dx=2).item(),
            torch.trapezoid(y, x).item(),
            torch.trapezoid(grid, dim=0).tolist(),
        ],  # fmt: skip
        "cumulative": [
            torch.cumulative_trapezoid(y).tolist(),
            torch.cumulative_trapezoid(y, x).tolist(),
            torch.cumulative_trapezoid(grid, dx=0.5).tolist(),
        ],  # fmt: skip
    }


def histograms_and_counting_docs(torch, init):
    """The counting ops' docs examples: histc with bins/min/max (values outside ignored),
    histogram with weights and density (bin edges returned), bincount with weights and
    minlength, bucketize with right=True and boundaries, searchsorted with side='right',
    a sorter and out_int32, and count_nonzero over dims."""
    data = torch.tensor([1.0, 2.0, 1.0, 2.5, 4.0, 0.0, -1.0])
    hist, edges = torch.histogram(torch.tensor([1.0, 2, 1]), bins=4, range=(0.0, 3.0))
    weighted, _ = torch.histogram(
        torch.tensor([1.0, 2, 1]), bins=4, range=(0.0, 3.0), weight=torch.tensor([1.0, 2, 4])
    )
    density, _ = torch.histogram(
        torch.tensor([1.0, 2, 1]), bins=4, range=(0.0, 3.0), weight=torch.tensor([1.0, 2, 4]),
        density=True,
    )  # fmt: skip
    by_edges, _ = torch.histogram(data, bins=torch.tensor([-1.0, 0.5, 2.0, 4.0]))
    boundaries = torch.tensor([1, 3, 5, 7, 9])
    v = torch.tensor([[3, 6, 9], [3, 6, 9]])
    sorted_sequence = torch.tensor([[1, 3, 5, 7, 9], [2, 4, 6, 8, 10]])
    unsorted = torch.tensor([1, 3, 2, 4, 6, 5, 7])
    sorter = torch.argsort(unsorted)
    ints = torch.tensor([4, 3, 6, 3, 4])
    weights = torch.linspace(0, 1, steps=5)
    return {
        "histc": [
            torch.histc(torch.tensor([1.0, 2, 1]), bins=4, min=0, max=3).tolist(),
            torch.histc(data, bins=3, min=0, max=3).tolist(),
            torch.histc(data, bins=5).tolist(),
        ],  # fmt: skip
        "histogram": [hist.tolist(), edges.tolist(), weighted.tolist(), density.tolist()],
        "by_edges": by_edges.tolist(),
        "bincount": [
            torch.bincount(ints).tolist(),
            torch.bincount(ints, weights).tolist(),
            torch.bincount(ints, minlength=9).tolist(),
        ],  # fmt: skip
        "bucketize": [
            torch.bucketize(v, boundaries).tolist(),
            torch.bucketize(v, boundaries, right=True).tolist(),
        ],
        "searchsorted": [
            torch.searchsorted(sorted_sequence, torch.tensor([[3, 6, 9], [3, 6, 9]])).tolist(),
            torch.searchsorted(
                sorted_sequence, torch.tensor([[3, 6, 9], [3, 6, 9]]), right=True
            ).tolist(),
            torch.searchsorted(sorted_sequence[0], torch.tensor([3, 6, 9]), side="right").tolist(),
            torch.searchsorted(unsorted, torch.tensor([2, 5]), sorter=sorter).tolist(),
            torch.searchsorted(boundaries, torch.tensor([4]), out_int32=True).dtype == torch.int32,
        ],
        "count_nonzero": [
            torch.count_nonzero(v - 6).item(),
            torch.count_nonzero(v - 6, dim=0).tolist(),
            torch.count_nonzero(torch.eye(3), dim=(0, 1)).item(),
        ],  # fmt: skip
    }


def unique_topk_kthvalue_docs(torch, init):
    """torch.unique's docs examples (sorted, return_inverse, return_counts, dim=0 and dim=1),
    unique_consecutive with counts and a dim, topk with largest=False and sorted, kthvalue
    with keepdim, msort and a stable descending argsort with ties, mode and median (the lower
    of the middle two) with their indices."""
    x = torch.tensor([1, 3, 2, 3], dtype=torch.long)
    rows = torch.tensor([[1, 3], [2, 3], [1, 3], [2, 3], [0, 9]])
    output, inverse, counts = torch.unique(
        torch.tensor([[1, 3], [2, 3]]), sorted=True, return_inverse=True, return_counts=True
    )
    u_rows, inv_rows, c_rows = torch.unique(rows, dim=0, return_inverse=True, return_counts=True)
    consecutive = torch.tensor([1, 1, 2, 2, 3, 1, 1, 2])
    c_out, c_inv, c_counts = torch.unique_consecutive(
        consecutive, return_inverse=True, return_counts=True
    )
    scores = torch.tensor([[0.2, 0.9, 0.4, 0.9], [0.5, 0.1, 0.7, 0.3]])
    smallest = torch.topk(scores, 2, largest=False)
    kth = torch.kthvalue(torch.arange(1.0, 7.0).view(2, 3), 2, 0, True)
    ties = torch.tensor([2, 1, 2, 0, 1, 2])
    med = torch.tensor([[1.0, 4.0, 2.0, 3.0], [0.5, 0.1, 0.2, 0.3]]).median(dim=1)
    mode = torch.tensor([[1, 2, 2, 3], [4, 4, 5, 5]]).mode(dim=1)
    return {
        "unique": [torch.unique(x).tolist(), output.tolist(), inverse.tolist(), counts.tolist()],
        "rows": [u_rows.tolist(), inv_rows.tolist(), c_rows.tolist()],
        "cols": torch.unique(rows.T, dim=1).tolist(),
        "consecutive": [c_out.tolist(), c_inv.tolist(), c_counts.tolist()],
        "consecutive_dim": torch.unique_consecutive(rows, dim=0).tolist(),
        "topk": [smallest.values.tolist(), smallest.indices.tolist()],
        "topk_unsorted_values": sorted(torch.topk(scores[1], 3, sorted=False).values.tolist()),
        "kthvalue": [kth.values.tolist(), kth.indices.tolist()],
        "msort": torch.msort(scores).tolist(),
        "stable": torch.argsort(ties, descending=True, stable=True).tolist(),
        "sort_stable": torch.sort(ties, stable=True).indices.tolist(),
        "median": [
            med.values.tolist(),
            med.indices.tolist(),
            torch.tensor([1.0, 4, 2, 3]).median().item(),
        ],
        "mode": [mode.values.tolist(), mode.indices.tolist()],
    }


def index_ops_docs_examples(torch, init):
    """The index_* ops' docs examples: index_add_ with alpha, index_copy_, index_fill_,
    index_reduce_ 'prod' and 'amax' with include_self=False and 'mean', index_select, take,
    take_along_dim with argmax/argsort (and dim=None), put_ with accumulate, masked_scatter_,
    and the gradients of index_add and take_along_dim."""
    x = torch.ones(5, 3)
    t = torch.tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
    index = torch.tensor([0, 4, 2])
    added = x.clone().index_add_(0, index, t, alpha=-1)
    copied = torch.zeros(5, 3).index_copy_(0, index, t)
    filled = t.clone().index_fill_(1, torch.tensor([0, 2]), -1)
    target = torch.full((5, 3), 2.0)
    src = torch.tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]])
    idx = torch.tensor([0, 4, 2, 0])
    prod = target.clone().index_reduce_(0, idx, src, "prod")
    amax = target.clone().index_reduce_(0, idx, src, "amax", include_self=False)
    mean = target.clone().index_reduce_(0, idx, src, "mean")
    sorted_idx = torch.argsort(t, dim=1, descending=True)
    put = torch.tensor([[4, 3, 5], [6, 7, 8]]).put_(
        torch.tensor([1, 3, 1]), torch.tensor([9, 10, 1]), accumulate=True
    )
    mask = torch.tensor([[0, 0, 0, 1, 1], [1, 1, 0, 1, 1]], dtype=torch.bool)
    scattered = torch.zeros(2, 5, dtype=torch.long).masked_scatter_(
        mask, torch.arange(10).view(2, 5)
    )
    a = _randn(torch, (3, 4), 39).requires_grad_()
    b = _randn(torch, (2, 4), 40).requires_grad_()
    out = a.index_add(0, torch.tensor([2, 0]), b, alpha=2.0)
    picked = torch.take_along_dim(a, a.argmax(dim=1, keepdim=True), dim=1)
    (out.pow(2).sum() + picked.sum()).backward()
    return {
        "index_add": added.tolist(),
        "index_copy": copied.tolist(),
        "index_fill": filled.tolist(),
        "index_reduce": [prod.tolist(), amax.tolist(), mean.tolist()],
        "index_select": torch.index_select(t, 1, torch.tensor([2, 0])).tolist(),
        "take": torch.take(t, torch.tensor([0, 2, 5])).tolist(),
        "take_along_dim": [
            torch.take_along_dim(t, sorted_idx, dim=1).tolist(),
            torch.take_along_dim(t, torch.argmax(t)).tolist(),
        ],
        "put": put.tolist(),
        "masked_scatter": scattered.tolist(),
        "grads": [a.grad.tolist(), b.grad.tolist()],
    }


def where_scatter_gather_idioms(torch, init):
    """The idioms built from where, scatter and gather: torch.where with Python scalars (the
    dtype), torch.where(cond) as nonzero's tuple, argwhere, a one-hot by scatter_, a per-class
    sum and max by scatter_add_ and scatter_reduce (include_self=False), picking each row's
    label probability by gather, and the sparse-to-dense with index_put_ accumulate; gradients
    through where and gather."""
    x = _randn(torch, (3, 4), 41).requires_grad_()
    labels = torch.tensor([2, 0, 3])
    relu_like = torch.where(x > 0, x, 0.0)
    clipped = torch.where(x > 0.5, 0.5, x)
    probs = x.softmax(dim=1)
    picked = probs.gather(1, labels.unsqueeze(1)).squeeze(1)
    (relu_like.sum() + clipped.pow(2).sum() - picked.log().sum()).backward()
    one_hot = torch.zeros(3, 4).scatter_(1, labels.unsqueeze(1), 1.0)
    values = torch.tensor([1.0, 5.0, 2.0, 7.0, 3.0])
    groups = torch.tensor([0, 1, 0, 1, 2])
    sums = torch.zeros(3).scatter_add_(0, groups, values)
    maxes = torch.zeros(3).scatter_reduce(0, groups, values, reduce="amax", include_self=False)
    means = torch.zeros(3).scatter_reduce(0, groups, values, reduce="mean", include_self=False)
    rows, cols = torch.tensor([0, 1, 1, 0]), torch.tensor([2, 0, 0, 2])
    dense = torch.zeros(2, 3).index_put_(
        (rows, cols), torch.tensor([1.0, 2.0, 3.0, 4.0]), accumulate=True
    )
    m = torch.tensor([[0.6, 0.0, 0.0, 0.0], [0.0, 0.4, 0.0, 0.0], [0.0, 0.0, 1.2, 0.0]])
    return {
        "where_dtypes": [
            str(torch.where(x > 0, 1.0, 0.0).dtype).split(".")[-1],
            str(torch.where(labels > 0, labels, 0).dtype).split(".")[-1],
            str(torch.where(labels > 0, 1.5, labels).dtype).split(".")[-1],
        ],
        "where_tuple": [t.tolist() for t in torch.where(m)],
        "argwhere": torch.argwhere(m).tolist(),
        "nonzero_tuple": [t.tolist() for t in torch.nonzero(m, as_tuple=True)],
        "one_hot": one_hot.tolist(),
        "group_stats": [sums.tolist(), maxes.tolist(), means.tolist()],
        "picked": picked.tolist(),
        "dense": dense.tolist(),
        "grad": x.grad.tolist(),
    }


def tensor_indexing_api_tricks(torch, init):
    """Advanced indexing as NumPy and PyTorch define it: index arrays broadcast together, a
    slice between two arrays (the indexed dims move first), None and Ellipsis mixed in,
    boolean masks over leading dims, assignment through broadcast indices, x[idx] += 1 with a
    repeated index (one write, not two), index_put_(accumulate=True) for two, a negative step
    raising ValueError, and the gradient of a gather with repeats (they add up)."""
    x = torch.arange(60).reshape(3, 4, 5)
    rows = torch.tensor([[0], [2]])
    cols = torch.tensor([1, 3])
    y = torch.zeros(5)
    idx = torch.tensor([1, 1, 3])
    y[idx] += 1
    z = torch.zeros(5).index_put_((idx,), torch.ones(3), accumulate=True)
    w = torch.zeros(3, 4)
    w[torch.tensor([0, 2]), 1:3] = torch.tensor([7.0, 8.0])
    w[w == 0] = -1
    mask = torch.tensor([True, False, True])
    src = _randn(torch, (4,), 42).requires_grad_()
    gathered = src[torch.tensor([0, 0, 2, 0])]
    (gathered * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    return {
        "broadcast": x[0][rows, cols].tolist(),
        "slice_between": list(x[torch.tensor([0, 1]), :, torch.tensor([2, 3])].shape),
        "adjacent": list(x[:, torch.tensor([0, 1]), torch.tensor([2, 3])].shape),
        "none_ellipsis": [list(x[None, ..., 0].shape), list(x[..., None, 1:3].shape)],
        "bool_leading": x[mask].shape[0],
        "bool_and_int": x[mask, 1].tolist(),
        "bool_2d": x[0][x[0] % 7 == 0].tolist(),
        "repeated_plus_equal": y.tolist(),
        "accumulate": z.tolist(),
        "assigned": w.tolist(),
        "negative_step": _raises(lambda: x[::-1]),
        "grad": src.grad.tolist(),
        "list_index": x[[0, 2], [1, 3]].tolist(),
        "tuple_of_lists": x[([0, 1], [2, 3])].tolist(),
    }


def inplace_ops_and_views_semantics(torch, init):
    """Views and in-place ops: view/transpose/narrow/diagonal/expand share memory with their
    base (a write through one shows in the other), _base, is_contiguous and contiguous(),
    reshape copying only when it must, in-place shape methods (t_, unsqueeze_, squeeze_),
    in-place on a leaf that requires grad raising RuntimeError, and autograd through an
    in-place op on a view of a non-leaf."""
    base = torch.arange(12.0).reshape(3, 4)
    v = base.view(4, 3)
    v[0, 0] = 100.0
    t = base.t()
    t[1, 0] = -1.0
    base.narrow(1, 2, 2).mul_(10)
    base.diagonal().zero_()
    expanded = torch.tensor([1.0, 2.0]).expand(3, 2)
    copy_needed = base.t().reshape(12)
    copy_needed[0] = 55.0
    shapes = torch.ones(2, 3)
    shapes.t_()
    shapes.unsqueeze_(0)
    s1 = list(shapes.shape)
    shapes.squeeze_(0)
    leaf = torch.ones(3, requires_grad=True)
    a = _randn(torch, (3, 4), 43).requires_grad_()
    b = a * 2
    b[:, 1].mul_(3)
    b[0].add_(1)
    b.pow(2).sum().backward()
    return {
        "base": base.tolist(),
        "shares": [v._base is base, t._base is base, base._base is None],
        "contiguous": [
            t.is_contiguous(),
            t.contiguous().is_contiguous(),
            expanded.is_contiguous(),
            expanded.stride(),
            base.stride(),
            t.stride(),
        ],  # fmt: skip
        "reshape_copied": base[0, 0].item() != 55.0,
        "shape_methods": [s1, list(shapes.shape)],
        "leaf_inplace": _raises(lambda: leaf.add_(1)),
        "view_of_leaf_inplace": _raises(lambda: leaf[0].mul_(2)),
        "grad": a.grad.tolist(),
        "grad_fn": repr(b.grad_fn).split(" ")[0],
    }


def sorting_based_algorithms(torch, init):
    """Small algorithms users write with sort and cumsum: nucleus (top-p) filtering of logits
    as in the Hugging Face recipe (sort descending, cumulative softmax, scatter the mask back),
    ranking by double argsort, a stable sort by two keys, and the median via kthvalue."""
    logits = torch.tensor([[2.0, 1.0, 0.5, 3.0, -1.0], [0.1, 0.2, 0.3, 0.4, 0.5]])
    sorted_logits, sorted_indices = torch.sort(logits, descending=True)
    cumulative = torch.cumsum(torch.softmax(sorted_logits, dim=-1), dim=-1)
    remove = cumulative > 0.8
    remove[..., 1:] = remove[..., :-1].clone()
    remove[..., 0] = False
    to_remove = remove.scatter(1, sorted_indices, remove)
    filtered = logits.masked_fill(to_remove, -float("inf"))
    scores = torch.tensor([0.3, 0.9, 0.1, 0.9, 0.5])
    ranks = scores.argsort(descending=True, stable=True).argsort()
    primary = torch.tensor([2, 1, 2, 1, 0])
    secondary = torch.tensor([5, 3, 1, 4, 2])
    order = secondary.argsort(stable=True)
    order = order[primary[order].argsort(stable=True)]
    values = torch.tensor([5.0, 1.0, 4.0, 2.0, 3.0, 9.0])
    k = (values.numel() + 1) // 2
    return {
        "filtered": filtered.tolist(),
        "kept": (~to_remove).sum(1).tolist(),
        "ranks": ranks.tolist(),
        "two_keys": order.tolist(),
        "median": [values.kthvalue(k).values.item(), values.median().item()],
        "softmax_filtered": torch.softmax(filtered, -1).tolist(),
    }


def einsum_more_patterns(torch, init):
    """einsum patterns not yet run here: the operands given as a list (the old calling form),
    a batched trace 'bii->b', a sum over everything 'ij->', an outer product of three vectors,
    a repeated output-less contraction 'ij,ij->', a broadcast batch with '...' on one side
    only, tensordot with dims as an int and as lists, and the gradients of a bilinear form."""
    a = _randn(torch, (3, 3), 44).requires_grad_()
    u = _randn(torch, (3,), 45)
    v = _randn(torch, (3,), 46)
    batch = _randn(torch, (2, 3, 3), 47)
    p = _randn(torch, (2, 3, 4), 48)
    q = _randn(torch, (4, 3, 2), 49)
    form = torch.einsum("i,ij,j->", u, a, v)
    form.backward()
    return {
        "list_operands": torch.einsum("i,i", [u, v]).item(),
        "batched_trace": torch.einsum("bii->b", batch).tolist(),
        "total": torch.einsum("ij->", a).item(),
        "outer3": list(torch.einsum("i,j,k->ijk", u, v, u).shape),
        "frobenius": torch.einsum("ij,ij->", a, a).item(),
        "one_sided": torch.einsum("...ij,jk->...ik", batch, a).sum().item(),
        "spaces": torch.einsum("b i j , j -> b i", batch, u).tolist(),
        "tensordot": [
            list(torch.tensordot(p, q, dims=([1, 2], [1, 0])).shape),
            torch.tensordot(p, q, dims=([1, 2], [1, 0])).tolist(),
            list(torch.tensordot(p, p.transpose(0, 2), dims=1).shape),
            torch.tensordot(u, v, dims=0).shape[0],
        ],
        "grad": a.grad.tolist(),
        "form": form.item(),
    }


def adaptive_softmax_language_model_head(torch, init):
    """nn.AdaptiveLogSoftmaxWithLoss as a word-level language model's output layer: cutoffs
    [5, 15] of 30 classes with div_value 2 and a head bias, forward's (output, loss) on
    targets from every cluster, the gradients of the head and of each tail projection, a few
    Adam steps, log_prob's rows (their exp sums to 1) and predict (their argmax), an unbatched
    call, and the errors for a target out of range and for bad cutoffs."""
    nn = torch.nn
    asm = init(
        nn.AdaptiveLogSoftmaxWithLoss(16, 30, cutoffs=[5, 15], div_value=2.0, head_bias=True)
    )
    hidden = _randn(torch, (8, 16), 50)
    target = torch.tensor([0, 4, 5, 14, 15, 29, 2, 20])
    output, loss = asm(hidden, target)
    loss.backward()
    grads = [asm.head.weight.grad.sum(1).tolist(), asm.head.bias.grad.tolist()]
    grads += [p.grad.sum().item() for p in asm.tail.parameters()]
    opt = torch.optim.Adam(asm.parameters(), lr=0.05)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        step_loss = asm(hidden, target).loss
        step_loss.backward()
        opt.step()
        losses.append(step_loss.item())
    log_prob = asm.log_prob(hidden)
    single = asm(hidden[0], target[0])
    return {
        "sizes": [
            asm.shortlist_size,
            asm.n_clusters,
            asm.head_size,
            asm.cutoffs,
            [[list(p.shape) for p in t.parameters()] for t in asm.tail],
        ],  # fmt: skip
        "output": [output.tolist(), loss.item()],
        "picked": log_prob.gather(1, target[:, None]).squeeze(1).tolist(),
        "grads": grads,
        "losses": losses,
        "log_prob": [log_prob.exp().sum(1).tolist(), log_prob[0].tolist()],
        "predict": [
            asm.predict(hidden).tolist(),
            torch.equal(asm.predict(hidden), log_prob.argmax(1)),
        ],
        "unbatched": [
            single.output.item(),
            single.loss.item(),
            _raises(lambda: asm.log_prob(hidden[0])),
        ],
        "errors": [
            _raises(lambda: asm(hidden, torch.full((8,), 30))),
            _raises(lambda: nn.AdaptiveLogSoftmaxWithLoss(16, 30, cutoffs=[15, 5])),
            _raises(lambda: nn.AdaptiveLogSoftmaxWithLoss(16, 30, cutoffs=[5, 30])),
            _raises(lambda: asm(hidden, target[:4])),
        ],
        "repr": repr(asm).splitlines()[:3],
    }


def linalg_tensorinv_tensorsolve_docs(torch, init):
    """torch.linalg.tensorinv's and tensorsolve's docs examples: the inverse of a (4, 6, 8, 3)
    identity for ind=2 (tensordot with it gives the identity back), a random one checked by
    tensordot, tensorsolve on a (6, 4, 2, 3, 4) system and with dims=(0, 2) on a (6, 4, 4, 3,
    2) one; the errors for non-square reshapes and ind=0, and the gradient through
    tensorsolve."""
    LA = torch.linalg
    A = torch.eye(4 * 6).reshape((4, 6, 8, 3))
    Ainv = LA.tensorinv(A, ind=2)
    B = _randn(torch, (4, 6), 51)
    R = _randn(torch, (4, 6, 8, 3), 52).double()
    Rinv = LA.tensorinv(R, ind=2)
    S = torch.eye(2 * 3 * 4).reshape((2 * 3, 4, 2, 3, 4))
    rhs = _randn(torch, (2 * 3, 4), 53)
    X = LA.tensorsolve(S, rhs)
    M = _randn(torch, (6, 4, 4, 3, 2), 54).double().requires_grad_()
    rhs2 = _randn(torch, (4, 3, 2), 55).double()
    X2 = LA.tensorsolve(M, rhs2, dims=(0, 2))
    X2.pow(2).sum().backward()
    try:
        LA.tensorinv(torch.zeros(2, 2), ind=1)
        singular = False
    except LA.LinAlgError:
        singular = True
    return {
        "shape": list(Ainv.shape),
        "tensordot": torch.tensordot(Ainv, B, dims=2).tolist(),
        "random": torch.allclose(
            torch.tensordot(R, Rinv, dims=2).reshape(24, 24), torch.eye(24, dtype=torch.float64)
        ),
        "solve": [
            list(X.shape),
            torch.allclose(torch.tensordot(S, X, dims=X.ndim), rhs, atol=1e-6),
        ],
        "dims": [list(X2.shape), X2.tolist()],
        "check": torch.allclose(torch.tensordot(M.movedim((0, 2), (3, 4)), X2, dims=2), rhs2),
        "grad": M.grad.sum((0, 1)).tolist(),
        "errors": [
            _raises(lambda: LA.tensorinv(torch.ones(2, 3), ind=1)),
            _raises(lambda: LA.tensorinv(torch.ones(4, 6, 8, 3), ind=0)),
            _raises(lambda: LA.tensorsolve(torch.ones(6, 4), torch.ones(5))),
        ],
        "singular": singular,
    }


def dataloader_collate_and_batch_sampler_docs(torch, init):
    """torch.utils.data's docs examples: list(BatchSampler(SequentialSampler(range(10)),
    batch_size=3, drop_last=False)) and with drop_last=True, default_collate on ints, floats,
    strings, dicts, tuples, named tuples and NumPy arrays, default_convert, DataLoader with
    batch_size=None (no batching), a sampler with drop_last, and len() of each loader."""
    from collections import namedtuple

    data = torch.utils.data
    seq = data.SequentialSampler(range(10))
    collate = data.default_collate
    Point = namedtuple("Point", ["x", "y"])
    by_dict = collate([{"a": 0, "b": 1.5}, {"a": 2, "b": 2.5}])
    points = collate([Point(0, 1), Point(2, 3)])
    arrays = collate([np.array([0, 1]), np.array([2, 3])])
    dataset = data.TensorDataset(torch.arange(10.0).view(5, 2), torch.arange(5))
    unbatched = list(data.DataLoader(dataset, batch_size=None))
    sampled = data.DataLoader(
        dataset, batch_size=2, sampler=data.SequentialSampler(dataset), drop_last=True
    )
    return {
        "batch_sampler": [
            list(data.BatchSampler(seq, batch_size=3, drop_last=False)),
            list(data.BatchSampler(seq, batch_size=3, drop_last=True)),
        ],
        "ints": [collate([0, 1, 2, 3]).tolist(), collate([0, 1, 2, 3]).dtype == torch.int64],
        "floats": [collate([0.5, 1.5]).tolist(), collate([0.5, 1.5]).dtype == torch.float64],
        "strings": collate(["a", "b", "c"]),
        "dict": [sorted(by_dict), by_dict["a"].tolist(), by_dict["b"].tolist()],
        "namedtuple": [type(points).__name__, points.x.tolist(), points.y.tolist()],
        "tuples": [t.tolist() for t in collate([(0, 1), (2, 3)])],
        "arrays": [arrays.tolist(), arrays.dtype == torch.int64],
        "convert": [
            isinstance(data.default_convert(np.array([0, 1])), torch.Tensor),
            data.default_convert(0),
            data.default_convert("x"),
        ],  # fmt: skip
        "unbatched": [len(unbatched), unbatched[1][0].tolist(), unbatched[1][1].item()],
        "sampled": [len(sampled), [b[1].tolist() for b in sampled]],
    }


def init_gains_and_fans_docs(torch, init):
    """nn.init's docs examples read for their numbers: calculate_gain for each nonlinearity
    (leaky_relu with a slope, selu), the fans of Linear and Conv weights, eye_, dirac_ with
    groups, constant_, zeros_, ones_, and the bounds of xavier_uniform_ and kaiming_uniform_
    (mode fan_out) checked on the drawn values."""
    nn = torch.nn
    I = nn.init
    names = ["linear", "conv2d", "sigmoid", "tanh", "relu", "selu", "conv_transpose1d"]
    gains = [I.calculate_gain(n) for n in names]
    gains += [I.calculate_gain("leaky_relu", 0.2), I.calculate_gain("leaky_relu")]
    conv_w = torch.empty(8, 4, 3, 5)
    fans = [
        I._calculate_fan_in_and_fan_out(conv_w),
        I._calculate_fan_in_and_fan_out(torch.empty(3, 7)),
    ]
    eye = I.eye_(torch.empty(3, 5))
    dirac = I.dirac_(torch.empty(4, 2, 3), groups=2)
    xavier = I.xavier_uniform_(torch.empty(30, 50), gain=I.calculate_gain("relu"))
    kaiming = I.kaiming_uniform_(torch.empty(30, 50), mode="fan_out", nonlinearity="relu")
    bound_x = I.calculate_gain("relu") * math.sqrt(6.0 / (30 + 50))
    bound_k = math.sqrt(2.0) * math.sqrt(3.0 / 30)
    return {
        "gains": gains,
        "fans": [list(f) for f in fans],
        "eye": eye.tolist(),
        "dirac": dirac.tolist(),
        "constant": I.constant_(torch.empty(2, 2), 0.3).tolist(),
        "zeros_ones": [I.zeros_(torch.empty(2)).tolist(), I.ones_(torch.empty(2)).tolist()],
        "bounds": [
            bool(xavier.abs().max() <= bound_x),
            bool(xavier.abs().max() > 0.8 * bound_x),
            bool(kaiming.abs().max() <= bound_k),
            bool(kaiming.abs().max() > 0.8 * bound_k),
        ],  # fmt: skip
        "errors": [
            _raises(lambda: I.calculate_gain("swish")),
            _raises(lambda: I.dirac_(torch.empty(3, 2, 3), groups=2)),
            _raises(lambda: I.xavier_uniform_(torch.empty(3))),
        ],
    }


def gradient_clipping_utilities_docs(torch, init):
    """nn.utils' gradient tools: clip_grad_norm_ returning the total norm (2, inf and 1),
    error_if_nonfinite raising RuntimeError on a nan gradient, get_total_norm with
    clip_grads_with_norm_ (the two halves of clip_grad_norm_), clip_grad_value_,
    parameters_to_vector and vector_to_parameters round trip."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    x = _randn(torch, (5, 3), 56)

    def fresh_grads():
        model.zero_grad()
        (model(x).pow(2).sum() * 10).backward()

    fresh_grads()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    after = [p.grad.norm().item() for p in model.parameters()]
    fresh_grads()
    inf_norm = nn.utils.clip_grad_norm_(model.parameters(), 0.5, norm_type=float("inf"))
    fresh_grads()
    one_norm = nn.utils.clip_grad_norm_(model.parameters(), 2.0, norm_type=1)
    fresh_grads()
    grads = [p.grad for p in model.parameters()]
    split_total = nn.utils.get_total_norm(grads)
    nn.utils.clip_grads_with_norm_(model.parameters(), 1.0, split_total)
    split_after = [p.grad.norm().item() for p in model.parameters()]
    fresh_grads()
    nn.utils.clip_grad_value_(model.parameters(), clip_value=0.1)
    clipped_max = max(p.grad.abs().max().item() for p in model.parameters())
    model[0].weight.grad[0, 0] = float("nan")
    nonfinite = _raises(
        lambda: nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
    )
    vec = nn.utils.parameters_to_vector(model.parameters())
    nn.utils.vector_to_parameters(vec * 2, model.parameters())
    return {
        "total": [total.item(), inf_norm.item(), one_norm.item(), split_total.item()],
        "after": after,
        "split_after": split_after,
        "clipped_max": clipped_max,
        "nonfinite": nonfinite,
        "vector": [vec.shape[0], model[2].bias.tolist(), vec[-2:].mul(2).tolist()],
    }


def optimizer_per_parameter_options_docs(torch, init):
    """The torch.optim docs' per-parameter options: SGD over two param groups (one with its
    own lr) and a default momentum, the optimizer's state_dict layout (params as indices, the
    momentum buffers), a load into a new optimizer continuing identically, add_param_group,
    step pre- and post-hooks, and zero_grad(set_to_none=False)."""
    nn = torch.nn
    base = init(nn.Linear(3, 3))
    classifier = init(nn.Linear(3, 2))
    x = _randn(torch, (6, 3), 57)
    y = torch.tensor([0, 1, 1, 0, 1, 0])

    def loss_fn():
        return nn.functional.cross_entropy(classifier(base(x).relu()), y)

    opt = torch.optim.SGD(
        [{"params": base.parameters()}, {"params": classifier.parameters(), "lr": 1e-1}],
        lr=1e-2, momentum=0.9,
    )  # fmt: skip
    calls = []
    opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    for _ in range(2):
        opt.zero_grad()
        loss_fn().backward()
        opt.step()
    state = opt.state_dict()
    clone = torch.optim.SGD(
        [{"params": base.parameters()}, {"params": classifier.parameters(), "lr": 1e-1}],
        lr=1e-2, momentum=0.9,
    )  # fmt: skip
    # NOTE: a deep copy, as the recipes load a saved one: PyTorch would share the live
    # momentum buffers with `opt` (and `state`), minigrad copies them (docs/optim.md)
    clone.load_state_dict(copy.deepcopy(state))
    losses = []
    for _ in range(2):
        clone.zero_grad()
        loss = loss_fn()
        loss.backward()
        clone.step()
        losses.append(loss.item())
    extra = nn.Parameter(torch.ones(2))
    clone.add_param_group({"params": [extra], "lr": 0.5})
    clone.zero_grad(set_to_none=False)
    return {
        "groups": [[g["lr"], g["momentum"], g["params"]] for g in state["param_groups"]],
        "state": [sorted(state["state"]), state["state"][2]["momentum_buffer"].tolist()],
        "losses": losses,
        "weights": classifier.weight.tolist(),
        "hooks": calls,
        "added": [
            len(clone.param_groups),
            clone.param_groups[2]["momentum"],
            clone.param_groups[2]["lr"],
        ],
        "zeroed": [base.weight.grad.abs().sum().item(), base.weight.grad is not None],
    }


def module_api_docs_examples(torch, init):
    """nn.Module's docs examples: named_modules with a module used twice (listed once, memo),
    apply(init_weights) filling every Linear, children and modules counts, get_submodule and
    get_parameter by dotted names, a non-persistent buffer left out of state_dict,
    requires_grad_(False), train/eval reaching every child, extra_repr in the printed module,
    and register_module."""
    nn = torch.nn
    l = nn.Linear(2, 2)
    net = nn.Sequential(l, l)
    named = [name for name, _ in net.named_modules()]

    def init_weights(m):
        if type(m) is nn.Linear:
            m.weight.fill_(1.0)

    with torch.no_grad():
        applied = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)).apply(init_weights)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(2, 1))
            self.register_buffer("steps", torch.zeros(1), persistent=False)
            self.register_buffer("scale", torch.ones(1))
            self.register_module("extra", nn.ReLU())

        def extra_repr(self):
            return "custom=True"

    block = Block()
    block.requires_grad_(False)
    block.eval()
    modes = [m.training for m in block.modules()]
    block.head.train()
    return {
        "named": named,
        "applied": [applied[0].weight.tolist(), applied[1].weight.tolist()],
        "counts": [len(list(block.children())), len(list(block.modules()))],
        "submodule": type(block.get_submodule("head.1")).__name__,
        "parameter": list(block.get_parameter("head.1.weight").shape),
        "state_keys": list(block.state_dict().keys()),
        "buffers": [name for name, _ in block.named_buffers()],
        "requires_grad": [p.requires_grad for p in block.parameters()],
        "modes": [modes, block.training, block.head[1].training],
        "repr": repr(block).splitlines(),
        "missing": _raises(lambda: block.get_submodule("head.7")),
    }


def sdpa_reference_implementation_docs(torch, init):
    """F.scaled_dot_product_attention against the reference Python in its docs (the bias
    built from is_causal or from a bool or float attn_mask, the scale, softmax, then @ value),
    with a custom scale, a bool mask, a float mask, is_causal on a non-square query/key, and
    enable_gqa with fewer key/value heads; the gradients of query."""
    F = torch.nn.functional

    def reference(query, key, value, attn_mask=None, is_causal=False, scale=None, enable_gqa=False):
        L, S = query.size(-2), key.size(-2)
        scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
        attn_bias = torch.zeros(L, S, dtype=query.dtype)
        if is_causal:
            temp_mask = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
            attn_bias.masked_fill_(temp_mask.logical_not(), float("-inf"))
        if attn_mask is not None:
            if attn_mask.dtype == torch.bool:
                attn_bias.masked_fill_(attn_mask.logical_not(), float("-inf"))
            else:
                attn_bias = attn_mask + attn_bias
        if enable_gqa:
            key = key.repeat_interleave(query.size(-3) // key.size(-3), -3)
            value = value.repeat_interleave(query.size(-3) // value.size(-3), -3)
        attn_weight = query @ key.transpose(-2, -1) * scale_factor
        attn_weight += attn_bias
        attn_weight = torch.softmax(attn_weight, dim=-1)
        return attn_weight @ value

    q = _randn(torch, (2, 4, 3, 8), 58).requires_grad_()
    k = _randn(torch, (2, 4, 5, 8), 59)
    v = _randn(torch, (2, 4, 5, 8), 60)
    bool_mask = torch.tensor([[True, True, False, True, False]] * 3)
    float_mask = _randn(torch, (3, 5), 61)
    cases = {
        "scale": dict(scale=0.5),
        "bool_mask": dict(attn_mask=bool_mask),
        "float_mask": dict(attn_mask=float_mask),
        "causal": dict(is_causal=True),
    }
    results = {}
    for name, kw in cases.items():
        ours = F.scaled_dot_product_attention(q, k, v, **kw)
        ref = reference(q, k, v, **kw)
        results[name] = [torch.allclose(ours, ref, atol=1e-5), ours.sum().item()]
    k2, v2 = k[:, :2], v[:, :2]
    gqa = F.scaled_dot_product_attention(q, k2, v2, enable_gqa=True)
    results["gqa"] = [
        torch.allclose(gqa, reference(q, k2, v2, enable_gqa=True), atol=1e-5),
        gqa.sum().item(),
    ]
    gqa.pow(2).sum().backward()
    results["grad"] = q.grad.sum((0, 1)).tolist()
    return results


def spatial_transformer_grid_docs(torch, init):
    """F.affine_grid and F.grid_sample as their docs define them: the identity theta giving
    the input back (align_corners False and True), a rotation by 90 degrees (a rot90 of the
    image), a shift out of the image with padding_mode zeros, border and reflection, the
    nearest mode, and the gradient with respect to theta."""
    F = torch.nn.functional
    img = torch.arange(16.0).view(1, 1, 4, 4)
    identity = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    grid = F.affine_grid(identity, (1, 1, 4, 4), align_corners=False)
    back = F.grid_sample(img, grid, align_corners=False)
    grid_ac = F.affine_grid(identity, (1, 1, 4, 4), align_corners=True)
    rotation = torch.tensor([[[0.0, -1.0, 0.0], [1.0, 0.0, 0.0]]])
    rotated = F.grid_sample(
        img, F.affine_grid(rotation, (1, 1, 4, 4), align_corners=False), align_corners=False
    )
    shift = torch.tensor([[[1.0, 0.0, 0.6], [0.0, 1.0, -0.3]]])
    shifted_grid = F.affine_grid(shift, (1, 1, 4, 4), align_corners=False)
    padded = {
        mode: F.grid_sample(img, shifted_grid, padding_mode=mode, align_corners=False).tolist()
        for mode in ("zeros", "border", "reflection")
    }
    nearest = F.grid_sample(img, shifted_grid, mode="nearest", align_corners=False)
    theta = torch.tensor([[[0.9, 0.1, 0.05], [-0.1, 1.1, 0.0]]], requires_grad=True)
    warped = F.grid_sample(
        img, F.affine_grid(theta, (1, 1, 4, 4), align_corners=False), align_corners=False
    )
    (warped * torch.arange(16.0).view(1, 1, 4, 4)).sum().backward()
    return {
        "grid": [grid[0, 0].tolist(), grid_ac[0, 0].tolist()],
        "identity": torch.allclose(back, img),
        "rotated": [rotated.tolist(), torch.allclose(rotated, torch.rot90(img, 1, (2, 3)))],
        "padded": padded,
        "nearest": nearest.tolist(),
        "theta_grad": theta.grad.tolist(),
    }


def convolution_layers_docs_examples(torch, init):
    """The conv layers' docs examples made small: Conv1d(16, 33, 3, stride=2), Conv2d with
    square and non-square kernels, unequal stride, padding and dilation, padding='same' with
    an even kernel and a dilation, padding_mode 'circular' and 'reflect', a depthwise conv
    (groups=in_channels), and ConvTranspose2d given output_size to undo a strided Conv2d
    exactly (the docs' downsample/upsample)."""
    nn = torch.nn
    x1 = _randn(torch, (2, 4, 10), 62)
    x2 = _randn(torch, (2, 4, 9, 10), 63)
    layers = {
        "conv1d": nn.Conv1d(4, 6, 3, stride=2),
        "square": nn.Conv2d(4, 6, 3, stride=2),
        "nonsquare": nn.Conv2d(4, 6, (3, 5), stride=(2, 1), padding=(4, 2)),
        "dilated": nn.Conv2d(4, 6, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1)),
        "same_even": nn.Conv2d(4, 2, 4, padding="same", dilation=2),
        "circular": nn.Conv2d(4, 2, 3, padding=2, padding_mode="circular"),
        "reflect": nn.Conv1d(4, 2, 3, padding=1, padding_mode="reflect"),
        "depthwise": nn.Conv2d(4, 8, 3, groups=4),
    }
    results = {}
    for name, layer in layers.items():
        init(layer)
        out = layer(x1 if isinstance(layer, nn.Conv1d) else x2)
        results[name] = [list(out.shape), out.sum().item(), out.flatten()[:5].tolist()]
    downsample = init(nn.Conv2d(4, 4, 3, stride=2, padding=1))
    upsample = init(nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1))
    inp = _randn(torch, (1, 4, 12, 12), 64)
    h = downsample(inp)
    output = upsample(h, output_size=inp.size())
    results["transpose"] = [list(h.size()), list(output.size()), output.sum().item()]
    results["default_size"] = list(upsample(h).shape)
    return results


def recurrent_layers_docs_examples(torch, init):
    """The recurrent layers' docs examples made small: nn.RNN(10, 20, 2) with h0, nn.LSTM with
    (h0, c0), nn.GRU with h0, and the cell loops of RNNCell, LSTMCell and GRUCell over a
    sequence (output collected in a list and stacked); the final states' values."""
    nn = torch.nn
    inp = _randn(torch, (5, 3, 4), 65)
    h0 = _randn(torch, (2, 3, 6), 66)
    c0 = _randn(torch, (2, 3, 6), 67)
    rnn = init(nn.RNN(4, 6, 2))
    out_rnn, hn_rnn = rnn(inp, h0)
    lstm = init(nn.LSTM(4, 6, 2))
    out_lstm, (hn, cn) = lstm(inp, (h0, c0))
    gru = init(nn.GRU(4, 6, 2))
    out_gru, hn_gru = gru(inp, h0)
    cells = {}
    for name, cell in (("rnn", nn.RNNCell(4, 6)), ("gru", nn.GRUCell(4, 6))):
        init(cell)
        hx = h0[0]
        output = []
        for i in range(inp.size(0)):
            hx = cell(inp[i], hx)
            output.append(hx)
        cells[name] = torch.stack(output, dim=0)
    lstm_cell = init(nn.LSTMCell(4, 6))
    hx, cx = h0[0], c0[0]
    output = []
    for i in range(inp.size(0)):
        hx, cx = lstm_cell(inp[i], (hx, cx))
        output.append(hx)
    cells["lstm"] = torch.stack(output, dim=0)
    return {
        "rnn": [out_rnn[-1].tolist(), hn_rnn.tolist()],
        "lstm": [out_lstm[-1].tolist(), hn.tolist(), cn.tolist()],
        "gru": [out_gru[-1].tolist(), hn_gru.tolist()],
        "cells": {name: [list(o.shape), o[-1].tolist()] for name, o in cells.items()},
    }


def classification_losses_docs_examples(torch, init):
    """The classification losses' docs examples: NLLLoss on a conv's (N, C, H, W) output
    with class weights and ignore_index (the 2-D loss), CrossEntropyLoss with class indices,
    with class probabilities, with label_smoothing; BCEWithLogitsLoss's pos_weight example
    (64 classes, output 1.5: 0.2014) and BCELoss on sigmoid outputs; the gradients."""
    nn = torch.nn
    N, C = 2, 4
    conv = init(nn.Conv2d(3, C, (3, 3)))
    data = _randn(torch, (N, 3, 6, 6), 68)
    m = nn.LogSoftmax(dim=1)
    rng = np.random.default_rng(69)
    target = torch.from_numpy(rng.integers(0, C, (N, 4, 4)))
    target[0, 0, :2] = -100
    weight = torch.tensor([1.0, 2.0, 0.5, 1.0])
    nll = nn.NLLLoss(weight=weight)(m(conv(data)), target)
    nll.backward()
    logits = _randn(torch, (3, 5), 70).requires_grad_()
    classes = torch.tensor([1, 0, 4])
    probs = _randn(torch, (3, 5), 71).softmax(dim=1)
    ce = [
        nn.CrossEntropyLoss()(logits, classes), nn.CrossEntropyLoss()(logits, probs),
        nn.CrossEntropyLoss(label_smoothing=0.1)(logits, classes),
        nn.CrossEntropyLoss(label_smoothing=0.2)(logits, probs),
    ]  # fmt: skip
    sum(ce).backward()
    target64 = torch.ones([10, 64], dtype=torch.float32)
    output = torch.full([10, 64], 1.5)
    pos_weight = torch.ones([64])
    bce_logits = nn.BCEWithLogitsLoss(pos_weight=pos_weight)(output, target64)
    sig = nn.Sigmoid()
    inp = _randn(torch, (3,), 72)
    bce = nn.BCELoss()(sig(inp), torch.tensor([1.0, 0.0, 1.0]))
    return {
        "nll": [nll.item(), conv.weight.grad.sum().item()],
        "ce": [loss.item() for loss in ce],
        "ce_grad": logits.grad.tolist(),
        "bce": [bce_logits.item(), bce.item()],
        "pos_weight_3": nn.BCEWithLogitsLoss(pos_weight=torch.full([64], 3.0))(
            torch.zeros(10, 64), target64
        ).item(),
    }


def regression_and_divergence_losses_docs(torch, init):
    """The regression and divergence losses' docs examples: KLDivLoss with
    reduction='batchmean' on log-probabilities (targets as probabilities and as log_target),
    GaussianNLLLoss heteroscedastic (var per element) and homoscedastic (var (N, 1)),
    PoissonNLLLoss with log_input and full, HuberLoss and SmoothL1Loss with their deltas, and
    the gradients of the inputs."""
    nn, F = torch.nn, torch.nn.functional
    kl_loss = nn.KLDivLoss(reduction="batchmean")
    inp = F.log_softmax(_randn(torch, (3, 5), 73).requires_grad_(), dim=1)
    target = F.softmax(_randn(torch, (3, 5), 74), dim=1)
    log_target = F.log_softmax(_randn(torch, (3, 5), 75), dim=1)
    kl = kl_loss(inp, target)
    kl_log = nn.KLDivLoss(reduction="batchmean", log_target=True)(inp, log_target)
    mean = _randn(torch, (5, 2), 76).requires_grad_()
    tgt = _randn(torch, (5, 2), 77)
    var = _randn(torch, (5, 2), 78).abs() + 0.1
    hetero = nn.GaussianNLLLoss()(mean, tgt, var)
    homo = nn.GaussianNLLLoss()(mean, tgt, torch.ones(5, 1))
    log_rate = _randn(torch, (5, 2), 79).requires_grad_()
    counts = torch.tensor([[0.0, 1.0], [2.0, 3.0], [1.0, 0.0], [4.0, 1.0], [0.0, 2.0]])
    poisson = nn.PoissonNLLLoss(log_input=True, full=True)(log_rate, counts)
    huber = nn.HuberLoss(delta=0.5)(mean, tgt)
    smooth = nn.SmoothL1Loss(beta=0.5)(mean, tgt)
    (kl + kl_log + hetero + homo + poisson + huber + smooth).backward()
    return {
        "kl": [kl.item(), kl_log.item()],
        "gaussian": [hetero.item(), homo.item()],
        "poisson": poisson.item(),
        "huber_smooth": [huber.item(), smooth.item(), (huber / 0.5).item()],
        "grads": [mean.grad.tolist(), log_rate.grad.tolist()],
    }


def embedding_docs_examples(torch, init):
    """nn.Embedding's docs examples: a (10, 3) table looked up by [[1, 2, 4, 5], [4, 3, 2,
    9]], padding_idx=0 (its row zero and its gradient zero), changing the pad vector in place
    under no_grad, F.embedding with a given matrix and with padding_idx, max_norm renormalising
    the rows it looks up (in place, under no_grad), and norm_type=1."""
    nn, F = torch.nn, torch.nn.functional
    embedding = init(nn.Embedding(10, 3))
    inp = torch.LongTensor([[1, 2, 4, 5], [4, 3, 2, 9]])
    out = embedding(inp)
    padded = init(nn.Embedding(10, 3, padding_idx=0))
    looked = padded(torch.LongTensor([[0, 2, 0, 5]]))
    looked.sum().backward()
    with torch.no_grad():
        padded.weight[0, :] = torch.ones(3)
    after = padded(torch.LongTensor([[0, 2]]))
    weight = torch.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    limited = init(nn.Embedding(4, 3, max_norm=1.0, norm_type=1.0))
    rows = limited(torch.tensor([1, 1, 3]))
    matrix = torch.arange(12.0).view(4, 3)
    return {
        "out": [list(out.shape), out.tolist()],
        "padding": [
            looked.tolist(),
            padded.weight.grad[0].tolist(),
            padded.weight.grad[2].tolist(),
        ],
        "changed_pad": after.tolist(),
        "functional": F.embedding(torch.LongTensor([[1, 0]]), weight).tolist(),
        "functional_pad": F.embedding(torch.LongTensor([0, 2]), matrix, padding_idx=0).tolist(),
        "max_norm": [rows.abs().sum(1).tolist(), limited.weight.abs().sum(1).tolist()],
        "repr": [repr(embedding), repr(padded), repr(limited)],
    }


def creation_ops_docs_examples(torch, init):
    """Creation ops' docs examples: arange with float steps, linspace and logspace (base 2),
    eye(n, m), full, tril/triu with a diagonal offset, tril_indices and triu_indices with an
    offset, meshgrid with indexing 'xy' and 'ij', combinations (with_replacement), cartesian_prod,
    block_diag, kron, diagflat and diag_embed with offsets, heaviside, and as_tensor sharing a
    NumPy array's memory (torch.tensor copying it)."""
    a = torch.tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
    x = torch.tensor([1, 2, 3])
    y = torch.tensor([4, 5, 6, 7])
    gx, gy = torch.meshgrid(x, y, indexing="xy")
    ix, iy = torch.meshgrid(x, y, indexing="ij")
    arr = np.array([1.0, 2.0, 3.0])
    shared = torch.as_tensor(arr)
    copied = torch.tensor(arr)
    arr[0] = -1.0
    return {
        "arange": [
            torch.arange(1, 2.5, 0.5).tolist(),
            torch.arange(5).tolist(),
            torch.arange(1, 4).tolist(),
        ],
        "linspace": [torch.linspace(-10, 10, steps=5).tolist(), torch.linspace(0, 1, 1).tolist()],
        "logspace": [
            torch.logspace(-10, 10, steps=5).tolist(),
            torch.logspace(0, 2, 3, base=2).tolist(),
        ],
        "eye": torch.eye(2, 3).tolist(),
        "full": [torch.full((2, 3), 3.141592).tolist(), torch.full((2,), 7).dtype == torch.int64],
        "tril_triu": [a.tril(-1).tolist(), a.triu(1).tolist(), torch.tril(a, diagonal=1).tolist()],
        "indices": [
            torch.tril_indices(3, 3).tolist(),
            torch.tril_indices(4, 3, -1).tolist(),
            torch.triu_indices(4, 3, 1).tolist(),
        ],  # fmt: skip
        "meshgrid": [gx.tolist(), gy.tolist(), ix.tolist(), iy.tolist()],
        "combinations": [
            torch.combinations(x).tolist(),
            torch.combinations(x, r=3).tolist(),
            torch.combinations(x, with_replacement=True).tolist(),
        ],  # fmt: skip
        "cartesian_prod": torch.cartesian_prod(x, torch.tensor([4, 5])).tolist(),
        "block_diag": torch.block_diag(
            torch.tensor([[0, 1], [1, 0]]),
            torch.tensor([[3, 4, 5], [6, 7, 8]]),
            torch.tensor(7),
            torch.tensor([1, 2, 3]),
        ).tolist(),
        "kron": torch.kron(torch.eye(2), torch.ones(2, 2)).tolist(),
        "diagflat": [
            torch.diagflat(torch.tensor([1.0, 2.0]), offset=1).tolist(),
            torch.diagflat(a[:2, :2]).tolist(),
        ],
        "diag_embed": torch.diag_embed(a[:2], offset=1, dim1=0, dim2=2).shape[1],
        "heaviside": torch.heaviside(torch.tensor([-1.5, 0, 2.0]), torch.tensor([0.5])).tolist(),
        "as_tensor": [shared.tolist(), copied.tolist()],
    }


def math_ops_docs_examples(torch, init):
    """Pointwise ops with their docs inputs: lerp with a scalar and a tensor weight, hypot,
    logaddexp and logaddexp2, xlogy with zeros and nan, nan_to_num with posinf/neginf, clamp
    with tensor bounds, fmod against remainder on negatives, floor_divide, copysign,
    float_power, ldexp, frexp, trunc and frac, sgn and signbit, round with decimals, addcdiv
    and addcmul with value, logit with eps, and the gradients of the smooth ones."""
    start = torch.arange(1.0, 5.0)
    end = torch.empty(4).fill_(10)
    x = torch.tensor([-3.0, -1.5, 0.0, 1.5, 3.0], requires_grad=True)
    smooth = [
        torch.hypot(x, torch.tensor(2.0)), torch.logaddexp(x, torch.tensor(-1.0)),
        torch.logaddexp2(x, torch.tensor(1.0)), torch.lerp(x, torch.ones(5), 0.3),
        torch.addcdiv(x, x, torch.full((5,), 2.0), value=0.5),
        torch.addcmul(x, x, x, value=-0.25), torch.float_power(x, 2),
    ]  # fmt: skip
    sum(s.sum() for s in smooth).backward()
    m, e = torch.frexp(torch.tensor([8.0, 0.75, -3.0, 0.0]))
    return {
        "lerp": [
            torch.lerp(start, end, 0.5).tolist(),
            torch.lerp(start, end, torch.full_like(start, 0.5)).tolist(),
        ],
        "hypot": torch.hypot(torch.tensor([4.0]), torch.tensor([3.0, 4.0, 5.0])).tolist(),
        "logaddexp": [
            torch.logaddexp(torch.tensor([-1.0]), torch.tensor([-1.0, -2, -3])).tolist(),
            torch.logaddexp(
                torch.tensor([-100.0, -200, -300]), torch.tensor([-1.0, -2, -3])
            ).tolist(),
            torch.logaddexp2(torch.tensor([-1.0]), torch.tensor([-1.0, -2, -3])).tolist(),
        ],
        "xlogy": [
            torch.xlogy(
                torch.tensor([0, 0, 0, 0, 0]), torch.tensor([-1, 0, 1, float("inf"), float("nan")])
            ).tolist(),
            torch.xlogy(torch.tensor([1, 2, 3]), torch.tensor([3, 2, 1])).tolist(),
            torch.xlogy(2, torch.tensor([3, 2, 1])).tolist(),
        ],
        "nan_to_num": [
            torch.nan_to_num(
                torch.tensor([float("nan"), float("inf"), -float("inf"), 3.14])
            ).tolist(),
            torch.nan_to_num(
                torch.tensor([float("nan"), float("inf"), -float("inf"), 3.14]), nan=0.0, posinf=1.0
            ).tolist(),
        ],
        "clamp_tensor": torch.clamp(
            torch.linspace(-1, 1, steps=4),
            min=torch.linspace(-1, 1, steps=4) * 0 - 0.5,
            max=torch.tensor(0.4),
        ).tolist(),
        "fmod_remainder": [
            torch.fmod(torch.tensor([-3.0, -2, -1, 1, 2, 3]), 2).tolist(),
            torch.remainder(torch.tensor([-3.0, -2, -1, 1, 2, 3]), 2).tolist(),
            torch.remainder(torch.tensor([1, 2, 3, 4, 5]), -1.5).tolist(),
            torch.fmod(torch.tensor([1, 2, 3, 4, 5]), -1.5).tolist(),
        ],
        "floor_divide": torch.floor_divide(
            torch.tensor([4.0, 3.0]), torch.tensor([2.0, 2.0])
        ).tolist(),
        "copysign": torch.copysign(
            torch.tensor([1.0, -2.0, 3.0]), torch.tensor([-1.0, 0.0, -0.0])
        ).tolist(),
        "ldexp": torch.ldexp(torch.tensor([1.0]), torch.tensor([1, 2, 3, 4])).tolist(),
        "frexp": [m.tolist(), e.tolist(), e.dtype == torch.int32],
        "trunc_frac": [
            torch.trunc(torch.tensor([3.4742, 0.5466, -0.8008, -0.9079])).tolist(),
            torch.frac(torch.tensor([1, 2.5, -3.2])).tolist(),
        ],
        "sign": [
            torch.sgn(torch.tensor([0.7, -1.2, 0.0, 2.3])).tolist(),
            torch.signbit(torch.tensor([0.7, -1.2, 0.0, -0.0])).tolist(),
        ],
        "round": [
            torch.round(torch.tensor([4.7, -2.3, 9.1, -7.7])).tolist(),
            torch.round(torch.tensor([0.5, 1.5, 2.5])).tolist(),
            torch.round(torch.tensor([1.2345, -5.5551]), decimals=2).tolist(),
        ],
        "logit": torch.logit(torch.tensor([0.0, 0.25, 0.9, 1.0]), eps=1e-6).tolist(),
        "smooth": [s.tolist() for s in smooth],
        "grad": x.grad.tolist(),
    }


def reductions_docs_examples(torch, init):
    """Reductions with their docs arguments: std and var with correction=0 and 2, std_mean and
    var_mean, nanmean and nansum, logsumexp over dims, amax/amin over a tuple of dims with
    their gradients (split among ties), aminmax, prod with a dim and a dtype, all/any over a
    tuple, cumsum with a dtype, cumprod's gradient through a zero, cummax/cummin indices,
    logcumsumexp, quantile's interpolation modes and nanquantile."""
    a = torch.tensor(
        [
            [0.2035, 1.2959, 1.8101, -0.4644],
            [1.5027, -0.3270, 0.5905, 0.6538],
            [-1.5745, 1.3330, -0.5596, -0.6548],
            [0.1264, -0.5080, 1.6420, 0.1992],
        ]
    )
    nan = torch.tensor([[float("nan"), 1.0, 2.0], [-1.0, float("nan"), 3.0]])
    ties = torch.tensor([[1.0, 3.0, 3.0], [3.0, 0.0, 2.0]], requires_grad=True)
    ties.amax(dim=(0, 1)).backward()
    with_zero = torch.tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    with_zero.cumprod(0).sum().backward()
    q = torch.tensor([0.0, 1.0, 2.0, 3.0])
    mn, mx = torch.aminmax(a, dim=0)
    std, mean = torch.std_mean(a, dim=1, correction=0)
    var, mean2 = torch.var_mean(a, dim=0, keepdim=True)
    cmax = torch.cummax(torch.tensor([1.0, 3.0, 2.0, 3.0, 0.5]), dim=0)
    cmin = torch.cummin(torch.tensor([1.0, 3.0, 0.5, 2.0, 0.5]), dim=0)
    return {
        "std_var": [
            a.std(dim=1, correction=2).tolist(),
            a.var(dim=0, correction=0).tolist(),
            a.std().item(),
        ],
        "std_mean": [std.tolist(), mean.tolist(), var.tolist(), mean2.tolist()],
        "nan": [nan.nanmean().item(), nan.nanmean(dim=1).tolist(), nan.nansum(dim=0).tolist()],
        "logsumexp": [torch.logsumexp(a, dim=1).tolist(), torch.logsumexp(a, dim=(0, 1)).item()],
        "amax_amin": [
            a.amax(dim=(0, 1)).item(),
            a.amin(dim=1, keepdim=True).tolist(),
            ties.grad.tolist(),
        ],
        "aminmax": [mn.tolist(), mx.tolist(), [t.item() for t in torch.aminmax(a)]],
        "prod": [a.prod(1).tolist(), torch.tensor([1, 2, 3]).prod(dtype=torch.float64).item()],
        "all_any": [
            (a > 0).all(dim=(0, 1)).item(),
            (a > 1.8).any(dim=1).tolist(),
            torch.tensor([]).all().item(),
        ],
        "cumsum_dtype": [
            torch.tensor([1, 2, 3], dtype=torch.int8).cumsum(0, dtype=torch.float32).tolist(),
            str(torch.tensor([True, True]).cumsum(0).dtype).split(".")[-1],
        ],
        "cumprod_grad": with_zero.grad.tolist(),
        "cummax": [
            cmax.values.tolist(),
            cmax.indices.tolist(),
            cmin.values.tolist(),
            cmin.indices.tolist(),
        ],
        "logcumsumexp": torch.logcumsumexp(torch.tensor([0.0, 1.0, -1.0, 2.0]), dim=0).tolist(),
        "quantile": [
            [
                torch.quantile(q, 0.4, interpolation=mode).item()
                for mode in ("linear", "lower", "higher", "midpoint", "nearest")
            ],
            torch.quantile(a, torch.tensor([0.25, 0.5, 0.75]), dim=1, keepdim=True).tolist(),
            torch.nanquantile(nan, 0.5, dim=1).tolist(),
            torch.quantile(nan, 0.5, dim=1).tolist(),
        ],
    }


def backward_inputs_and_batched_grads_docs(torch, init):
    """autograd's less-used arguments: Tensor.backward(inputs=[...]) accumulating only into
    the listed leaves, autograd.grad with is_grads_batched=True (the rows of a Jacobian in one
    call, as its docs show), allow_unused with materialize_grads=True (zeros, not None),
    grad_outputs for a non-scalar output, and register_post_accumulate_grad_hook seeing the
    accumulated .grad."""
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    out = (a * b).sum() + a.pow(2).sum()
    out.backward(inputs=[a])
    only_a = [a.grad.tolist(), b.grad is None]
    x = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
    y = x.sin() * 2
    (jac,) = torch.autograd.grad(y, x, torch.eye(3), is_grads_batched=True)
    unused = torch.tensor([1.0], requires_grad=True)
    z = (x * 3).sum()
    grads = torch.autograd.grad(z, [x, unused], allow_unused=True, materialize_grads=True)
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    v = w * w
    (gv,) = torch.autograd.grad(v, w, grad_outputs=torch.tensor([1.0, 0.5]))
    seen = []
    p = torch.tensor([1.0, -1.0], requires_grad=True)
    p.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (p * 2).sum().backward()
    (p * 3).sum().backward()
    return {
        "only_a": only_a,
        "jacobian": [jac.tolist(), torch.allclose(jac, torch.diag(2 * x.cos()))],
        "materialized": [g.tolist() for g in grads],
        "grad_outputs": gv.tolist(),
        "post_accumulate": seen,
    }


def norms_the_torch_norm_way(torch, init):
    """torch.norm and Tensor.norm as older code and the docs' examples call them: the
    Frobenius default, p='nuc' of a matrix and over a dim pair of a batch (keepdim), p=2 over
    two dims (a vector norm, not the spectral one), p=inf and p=-inf, a dtype=float64 result,
    the errors of 'nuc' without a dim pair, torch.dist, and the gradient of the nuclear
    norm (U V^T) next to linalg.matrix_norm's."""
    a = torch.arange(9, dtype=torch.float) - 4
    b = a.reshape((3, 3))
    batch = _randn(torch, (2, 3, 4), 80).requires_grad_()
    nuclear = torch.norm(batch, p="nuc", dim=(1, 2))
    nuclear.sum().backward()
    grad = batch.grad.clone()
    batch.grad = None
    torch.linalg.matrix_norm(batch, ord="nuc").sum().backward()
    return {
        "docs": [
            torch.norm(a).item(),
            torch.norm(b).item(),
            torch.norm(a, float("inf")).item(),
            torch.norm(b, float("inf")).item(),
            torch.norm(b, p="nuc").item(),
        ],  # fmt: skip
        "dims": [
            torch.norm(b, dim=0).tolist(),
            torch.norm(b, dim=1, p=1).tolist(),
            torch.norm(b, p=2, dim=(0, 1)).item(),
            b.norm(p=-float("inf"), dim=1).tolist(),
        ],  # fmt: skip
        "nuc": [nuclear.tolist(), torch.norm(batch, "nuc", (0, 2), keepdim=True).tolist()],
        "dtype": [
            torch.norm(b, dtype=torch.float64).dtype == torch.float64,
            b.norm(p="nuc", dtype=torch.float64).item(),
        ],
        "errors": [
            _raises(lambda: torch.norm(batch, p="nuc")),
            _raises(lambda: torch.norm(a, p="nuc")),
            _raises(lambda: torch.norm(batch, p="nuc", dim=1)),
            _raises(lambda: torch.norm(torch.ones(2, 2, dtype=torch.int64), dtype=torch.float64)),
            _raises(lambda: b.norm(p=1, dtype=torch.float16)),
            _raises(lambda: b.norm(p="nuc", dtype=torch.int64)),
        ],
        "dist": [torch.dist(a, a.flip(0)).item(), torch.dist(a, a.flip(0), p=1).item()],
        "grad": [grad.tolist(), torch.allclose(grad, batch.grad, atol=1e-5)],
    }


def anomaly_detection_docs(torch, init):
    """Anomaly mode as the autograd docs show it: `with torch.autograd.set_detect_anomaly(True)`
    (and set_detect_anomaly called as a function), detect_anomaly() around a backward whose
    gradient becomes nan (RuntimeError naming the backward function), the mode restored after
    each block, and the same backward outside anomaly mode giving nan without an error."""
    autograd = torch.autograd

    def nan_backward():
        x = torch.tensor([0.0, 1.0], requires_grad=True)
        y = (x.sqrt() * 0).sum()
        y.backward()
        return x.grad

    states = [torch.is_anomaly_enabled()]
    with autograd.set_detect_anomaly(True):
        states.append(torch.is_anomaly_enabled())
        error = _raises(nan_backward)
    states.append(torch.is_anomaly_enabled())
    with autograd.detect_anomaly():
        states.append(torch.is_anomaly_enabled())
        try:
            nan_backward()
            message = ""
        except RuntimeError as e:
            message = str(e)
    states.append(torch.is_anomaly_enabled())
    autograd.set_detect_anomaly(True)
    states.append(torch.is_anomaly_enabled())
    autograd.set_detect_anomaly(False)
    states.append(torch.is_anomaly_enabled())
    quiet = nan_backward()
    return {
        "states": states,
        "error": error,
        "names_node": "SqrtBackward0" in message and "nan" in message,
        "quiet": [math.isnan(quiet[0].item()), quiet[1].item()],
    }


def containers_operators_and_reprs(torch, init):
    """nn containers used as their docs allow: Sequential + Sequential, Sequential * 3 and
    3 * Sequential (the same block shared: one set of weights run three times), += and *=,
    their ValueError and TypeError; ModuleList.pop; named_parameters(remove_duplicate=False)
    listing a shared layer under each name; and the printed forms of RNNCell(nonlinearity=
    'relu', bias=False), Mish(inplace=True) and AvgPool1d (1-tuples)."""
    nn = torch.nn
    block = init(nn.Linear(3, 3))
    head = nn.Sequential(nn.Tanh())
    body = nn.Sequential(block)
    joined = body + head
    repeated = body * 3
    left = 3 * nn.Sequential(nn.ReLU())
    x = _randn(torch, (2, 3), 81)
    out = repeated(x)
    out.sum().backward()
    grown = nn.Sequential(nn.ReLU())
    grown += nn.Sequential(nn.Tanh(), nn.Sigmoid())
    grown *= 2
    layers = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])
    popped = layers.pop(1)
    shared = nn.Sequential(block, block)
    return {
        "joined": [str(joined), torch.allclose(joined(x), block(x).tanh())],
        "repeated": [len(repeated), repeated[0] is repeated[2], out.tolist()],
        "shared_grad": block.weight.grad.tolist(),
        "left": [len(left), str(left)],
        "in_place": str(grown),
        "errors": [
            _raises(lambda: body + nn.ReLU()),
            _raises(lambda: body * 0),
            _raises(lambda: body * 1.5),
            _raises(lambda: body.__iadd__(nn.ReLU())),
        ],  # fmt: skip
        "pop": [type(popped).__name__, str(layers)],
        "named": [
            [n for n, _ in shared.named_parameters()],
            [n for n, _ in shared.named_parameters(remove_duplicate=False)],
            [n for n, _ in shared.named_modules(remove_duplicate=False)],
        ],
        "reprs": [
            repr(nn.RNNCell(2, 3, bias=False, nonlinearity="relu")),
            repr(nn.RNNCell(2, 3)),
            repr(nn.GRUCell(2, 3, bias=False)),
            repr(nn.Mish(inplace=True)),
            repr(nn.Mish()),
            repr(nn.AvgPool1d(3)),
            repr(nn.AvgPool1d(4, stride=2, padding=1)),
            nn.AvgPool1d(3).kernel_size,
        ],  # fmt: skip
    }


def custom_function_forward_mode_docs(torch, init):
    """The forward-mode AD tutorial's custom Function: forward saves its result with
    ctx.save_for_forward and ctx.save_for_backward, jvp and backward both given; a dual
    tensor's tangent through it (J t), its reverse-mode gradient, and
    save_for_forward refusing a non-tensor (AssertionError, as PyTorch asserts)."""
    fwAD = torch.autograd.forward_ad

    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_forward(y)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * y

        @staticmethod
        def jvp(ctx, tangent):
            (y,) = ctx.saved_tensors
            return tangent * y

    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_forward(x, 3)
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return g

    primal = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    tangent = torch.tensor([1.0, 2.0, -1.0], dtype=torch.float64)
    with fwAD.dual_level():
        dual = fwAD.make_dual(primal, tangent)
        out = Exp.apply(dual) * 2
        jvp = fwAD.unpack_dual(out).tangent
    x = primal.clone().requires_grad_()
    Exp.apply(x).sum().backward()
    return {
        "jvp": jvp.tolist(),
        "grad": x.grad.tolist(),
        "bad": _raises(lambda: Bad.apply(torch.ones(2, requires_grad=True))),
    }


def fork_rng_and_default_generator(torch, init):
    """The reproducibility recipes' torch.random.fork_rng: draws inside the block leave the
    global stream as it was (the draws after it equal those of a run without the block),
    enabled=False forks nothing, torch.default_generator is the generator manual_seed seeds
    (its get_state/set_state replay), and the draws compared by their properties."""
    torch.manual_seed(5)
    plain = torch.rand(3)
    torch.manual_seed(5)
    with torch.random.fork_rng():
        inside = torch.rand(4)
    after = torch.rand(3)
    torch.manual_seed(5)
    with torch.random.fork_rng(enabled=False):
        torch.rand(4)
    unforked = torch.rand(3)
    state = torch.default_generator.get_state()
    first = torch.randn(2)
    torch.default_generator.set_state(state)
    again = torch.randn(2)
    seeded = torch.manual_seed(9)
    return {
        "forked": torch.equal(plain, after),
        "unforked": torch.equal(plain, unforked),
        "inside": [list(inside.shape), bool(((inside >= 0) & (inside < 1)).all())],
        "default_state": torch.equal(first, again),
        "same_object": seeded is torch.default_generator,
        "seed": torch.default_generator.initial_seed(),
    }


def weighted_regression_losses(torch, init):
    """The weight= argument PyTorch 2.6 gave F.mse_loss, F.l1_loss and F.huber_loss (per-sample
    importance weights of the input's shape): 'mean' of mse and l1 divides by the weights'
    sum, huber's by the count; 'sum' and 'none'; a weighted regression trained a few steps
    with it; and the ValueError for a weight of another shape."""
    F = torch.nn.functional
    pred = _randn(torch, (6, 2), 82).requires_grad_()
    target = _randn(torch, (6, 2), 83)
    weight = torch.tensor([[1.0, 2.0], [0.5, 0.5], [3.0, 1.0], [0.0, 1.0], [2.0, 2.0], [1.0, 0.25]])
    losses = {}
    for name, fn in (("mse", F.mse_loss), ("l1", F.l1_loss), ("huber", F.huber_loss)):
        losses[name] = [
            fn(pred, target, weight=weight).item(),
            fn(pred, target, reduction="sum", weight=weight).item(),
            fn(pred, target, reduction="none", weight=weight).tolist(),
        ]
    (F.mse_loss(pred, target, weight=weight) + F.l1_loss(pred, target, weight=weight)).backward()
    model = init(torch.nn.Linear(2, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    trained = []
    for _ in range(5):
        opt.zero_grad()
        loss = F.mse_loss(model(target), pred.detach(), weight=weight)
        loss.backward()
        opt.step()
        trained.append(loss.item())
    return {
        "losses": losses,
        "grad": pred.grad.tolist(),
        "trained": trained,
        "errors": [
            _raises(lambda: F.mse_loss(pred, target, weight=torch.ones(6))),
            _raises(lambda: F.l1_loss(pred, target, weight=torch.ones(2, 6))),
            _raises(lambda: F.mse_loss(pred, target, reduction="avg", weight=weight)),
        ],
    }


PROGRAMS = [
    pixel_shuffle_and_channel_shuffle_docs,
    transformer_module_docs_example,
    ctc_loss_docs_examples,
    multilabel_margin_loss_docs_example,
    distance_modules_docs_examples,
    embedding_losses_docs_examples,
    triplet_margin_with_distance_loss_docs,
    packed_sequence_utilities_docs,
    parametrize_tutorial_examples,
    weight_norm_old_and_new,
    newton_method_with_autograd_hessian,
    torch_func_grad_and_vmap_docs,
    linalg_decompositions_docs,
    tensor_type_promotion_docs,
    legendre_fit_with_custom_function_and_optim,
    saving_checkpoint_and_resuming_training,
    load_state_dict_incompatible_keys,
    autograd_mechanics_notes,
    module_hooks_docs_semantics,
    one_cycle_lr_docs_recipes,
    cosine_warm_restarts_fractional_epochs,
    lambda_sequential_and_plateau_schedulers,
    generator_objects_and_determinism,
    mixed_dtypes_and_default_dtype,
    bilinear_identity_flatten_unflatten_docs,
    padding_layers_docs_examples,
    max_unpool_and_lp_pool_docs,
    normalization_layers_docs_examples,
    activation_modules_docs_examples,
    gradient_diff_and_trapezoid_docs,
    histograms_and_counting_docs,
    unique_topk_kthvalue_docs,
    index_ops_docs_examples,
    where_scatter_gather_idioms,
    tensor_indexing_api_tricks,
    inplace_ops_and_views_semantics,
    sorting_based_algorithms,
    einsum_more_patterns,
    adaptive_softmax_language_model_head,
    linalg_tensorinv_tensorsolve_docs,
    dataloader_collate_and_batch_sampler_docs,
    init_gains_and_fans_docs,
    gradient_clipping_utilities_docs,
    optimizer_per_parameter_options_docs,
    module_api_docs_examples,
    sdpa_reference_implementation_docs,
    spatial_transformer_grid_docs,
    convolution_layers_docs_examples,
    recurrent_layers_docs_examples,
    classification_losses_docs_examples,
    regression_and_divergence_losses_docs,
    embedding_docs_examples,
    creation_ops_docs_examples,
    math_ops_docs_examples,
    reductions_docs_examples,
    backward_inputs_and_batched_grads_docs,
    norms_the_torch_norm_way,
    anomaly_detection_docs,
    containers_operators_and_reprs,
    custom_function_forward_mode_docs,
    fork_rng_and_default_generator,
    weighted_regression_losses,
]
