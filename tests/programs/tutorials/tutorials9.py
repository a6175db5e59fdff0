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
    each = nn.CTCLoss(reduction="none")(log_probs, target, torch.tensor([12, 10, 8]), target_lengths)
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
            packed.data.tolist(), packed.batch_sizes.tolist(),
            packed.sorted_indices.tolist(), packed.unsorted_indices.tolist(),
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
            list(g_old.shape), list(v_old.shape), list(g_new.shape), list(v_new.shape),
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
            torch.equal(R, R.triu()), R.diagonal().abs().tolist(),
        ],  # fmt: skip
        "lstsq": [list(X.shape), torch.allclose(a @ X, b)],
        "cross": LA.cross(u, v).tolist(),
        "vecdot": LA.vecdot(u, v).tolist(),
        "norms": [
            LA.vector_norm(u, ord=3, dim=1).tolist(), LA.vector_norm(u, ord=0).item(),
            LA.vector_norm(u, ord=-float("inf")).item(), LA.matrix_norm(A, ord=2).item(),
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
    """"Learning PyTorch with Examples", the last two steps together: the
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
    """"Saving and loading a general checkpoint" through a temporary file: a model, its Adam
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
