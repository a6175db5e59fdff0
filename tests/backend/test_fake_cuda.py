"""minigrad's CUDA code paths on a SIMULATED GPU (tests/backend/fake_cupy.py: NumPy arrays
that behave like CuPy arrays at the boundary). This checks device propagation, explicit copies
and errors on machines without a GPU; it does not replace `pytest -m gpu` on a real one."""

from __future__ import annotations

import numpy as np
import pytest
from fake_cupy import FakeArray

import minigrad


def test_to_cuda_and_back(fake_cuda):
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x.to("cuda")
    assert y.device == minigrad.device("cuda:0") and y.is_cuda and not x.is_cuda
    assert isinstance(y.array, FakeArray)
    assert y.cuda() is y and x.cuda().device == y.device
    z = y.cpu()
    assert type(z.array) is np.ndarray and z.tolist() == x.tolist()
    assert y.to("cuda:0") is y  # already there: no copy
    assert y.to(minigrad.float64).device == y.device


def test_numpy_on_cuda_says_cpu_first(fake_cuda):
    y = minigrad.ones(2, 3, device="cuda")
    with pytest.raises(TypeError, match=r"Use Tensor.cpu\(\) to copy the tensor to host"):
        y.numpy()
    with pytest.raises(TypeError):
        np.asarray(y)
    assert y.cpu().numpy().shape == (2, 3)
    assert y.sum().item() == 6.0 and isinstance(y.sum().item(), float)
    assert y.tolist() == [[1.0] * 3] * 2
    assert float(y[0, 0]) == 1.0
    assert "device='cuda:0'" in repr(y)


def test_gradient_flows_back_across_devices(fake_cuda):
    x = minigrad.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.to("cuda")
    (y * y).sum().backward()
    assert not x.grad.is_cuda
    assert x.grad.tolist() == [2.0, -4.0, 6.0]
    w = minigrad.randn(3, device="cuda", requires_grad=True)
    (w * 2).sum().backward()
    assert w.grad.is_cuda and w.grad.cpu().tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize(
    "op, name",
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a @ b, "matmul"),
        (lambda a, b: minigrad.where(a > 0, a, b), "where"),
        (lambda a, b: a < b, "lt"),
        (lambda a, b: minigrad.cat([a, b]), "cat"),
        (lambda a, b: minigrad.equal(a, b), "equal"),
        (lambda a, b: a.add_(b), "add"),
    ],
    ids=["add", "matmul", "where", "lt", "cat", "equal", "add_"],
)
def test_mixing_devices_is_refused(fake_cuda, op, name):
    a = minigrad.ones(2, 2)
    b = minigrad.ones(2, 2, device="cuda")
    for first, second, order in ((a, b, "cpu, cuda:0"), (b, a, "cuda:0, cpu")):
        with pytest.raises(RuntimeError) as info:
            op(first, second)
        message = str(info.value)
        assert "cpu" in message and "cuda:0" in message, message
        if name != "where":  # where's first operand is the mask it makes itself
            assert name in message and order in message, message


def test_factories_make_cuda_tensors(fake_cuda):
    made = [
        minigrad.zeros(2, 3, device="cuda"),
        minigrad.ones((2,), device="cuda"),
        minigrad.empty(4, device="cuda"),
        minigrad.full((2, 2), 7.0, device="cuda"),
        minigrad.eye(3, device="cuda"),
        minigrad.arange(5, device="cuda"),
        minigrad.linspace(0, 1, 5, device="cuda"),
        minigrad.tensor([1, 2], device="cuda"),
        minigrad.rand(3, device="cuda"),
        minigrad.randn(3, device="cuda"),
        minigrad.randint(0, 5, (4,), device="cuda"),
        minigrad.randperm(6, device="cuda"),
        minigrad.normal(0.0, 2.0, (3,), device="cuda"),
        minigrad.zeros_like(minigrad.ones(2, device="cuda")),
        minigrad.ones(2, device="cuda").new_zeros(3),
    ]
    for t in made:
        assert str(t.device) == "cuda:0" and isinstance(t.array, FakeArray), t
    assert sorted(made[11].tolist()) == list(range(6))
    assert made[10].dtype == minigrad.int64 and made[9].dtype == minigrad.float32


def test_cuda_random_numbers_are_seeded(fake_cuda):
    def draw():
        return [
            minigrad.randn(4, device="cuda").tolist(),
            minigrad.randperm(8, device="cuda").tolist(),
            minigrad.empty(3, device="cuda").uniform_(-1, 1).tolist(),
        ]

    minigrad.manual_seed(5)
    first = draw()
    minigrad.manual_seed(5)
    assert draw() == first
    minigrad.cuda.manual_seed(5)
    assert draw() == first
    minigrad.cuda.manual_seed_all(6)
    assert draw() != first
    assert minigrad.cuda.initial_seed() == 6
    with pytest.raises(RuntimeError, match="manual_seed"):
        minigrad.Generator("cuda").get_state()


def test_generator_must_match_the_device(fake_cuda):
    gen = minigrad.Generator("cuda").manual_seed(1)
    assert minigrad.rand(2, device="cuda", generator=gen).is_cuda
    with pytest.raises(RuntimeError, match="generator is on cuda:0 but the tensor is on cpu"):
        minigrad.rand(2, generator=gen)


def test_cuda_module_functions(fake_cuda):
    assert minigrad.cuda.is_available() and minigrad.cuda.device_count() == 1
    assert minigrad.cuda.unavailable_reason() == ""
    assert minigrad.cuda.get_device_name() == "Fake GPU (simulated)"
    assert minigrad.cuda.get_device_capability(0) == (9, 0)
    assert minigrad.cuda.current_device() == 0
    minigrad.cuda.synchronize()
    minigrad.cuda.synchronize("cuda:0")
    with pytest.raises(RuntimeError, match="cuda:1 does not exist: 1 CUDA device"):
        minigrad.zeros(1, device="cuda:1")
    with pytest.raises(ValueError, match="Expected a cuda device"):
        minigrad.cuda.get_device_name("cpu")


def test_memory_statistics_follow_the_pool(fake_cuda):
    minigrad.zeros(1, device="cuda")  # minigrad loads CuPy: the peak tracker is installed
    pool = fake_cuda.get_default_memory_pool()
    malloc = fake_cuda.cuda.get_allocator()
    assert malloc != pool.malloc  # wrapped
    malloc(1000)
    malloc(500)
    assert minigrad.cuda.memory_allocated() == 1500
    pool.used = 200  # blocks freed
    assert minigrad.cuda.memory_allocated() == 200
    assert minigrad.cuda.max_memory_allocated() == 1500
    assert minigrad.cuda.memory_reserved() == 1500
    minigrad.cuda.reset_peak_memory_stats()
    assert minigrad.cuda.max_memory_allocated() == 200
    minigrad.cuda.empty_cache()
    assert minigrad.cuda.memory_reserved() == 200


def test_a_users_allocator_is_left_alone(simulate):
    import fake_cupy

    cupy, modules = fake_cupy.make()

    def own(size):
        return cupy.get_default_memory_pool().malloc(size)

    cupy.cuda.set_allocator(own)
    simulate(cupy=cupy, modules=modules)
    minigrad.zeros(1, device="cuda")
    assert cupy.cuda.get_allocator() is own


def test_several_gpus_compute_on_the_current_one(simulate):
    import fake_cupy

    cupy, modules = fake_cupy.make(device_count=2)
    simulate(cupy=cupy, modules=modules)
    assert minigrad.cuda.device_count() == 2
    with pytest.raises(RuntimeError, match=r"minigrad.cuda.set_device\(1\)"):
        minigrad.zeros(2, device="cuda:1")
    with minigrad.cuda.device(1):
        assert minigrad.cuda.current_device() == 1
        x = minigrad.zeros(2, device="cuda:1")
        y = (x + 1) * 2
        assert str(x.device) == "cuda:1" and str(y.device) == "cuda:1"
        assert str(minigrad.randn(2, device="cuda:1").device) == "cuda:1"
    assert minigrad.cuda.current_device() == 0
    z = minigrad.ones(2, device="cuda:0")
    with pytest.raises(RuntimeError, match="add: .*cuda:0, cuda:1"):
        z + y
    minigrad.cuda.set_device("cuda:1")
    assert (y.to("cpu") + 0).tolist() == [2.0, 2.0]
    minigrad.cuda.set_device(0)
