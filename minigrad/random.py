"""Random numbers: one seeded generator per device, and `Generator` objects for DataLoader.

minigrad draws from NumPy's PCG64 on the CPU and cuRAND's XORWOW (through CuPy) on a GPU, so
the same seed gives the same numbers run after run on one device, but not the numbers PyTorch
gives, and not the same numbers on the CPU and the GPU.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from minigrad import dtypes
from minigrad.backend import device as _device
from minigrad.backend import loaded, use

_DEFAULT_SEED = 67280421310721


class Generator:
    """A seeded source of random numbers on one device (PyTorch's `torch.Generator`).

    # NOTE: the array library's generator is made on the first draw after a seed: a CUDA one
    # sets up cuRAND states for the whole GPU, too slow to redo on every `manual_seed`.
    """

    def __init__(self, device="cpu"):
        self.device = loaded(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        if not isinstance(seed, (int, np.integer)):
            raise RuntimeError(f"manual_seed expected an int, but got {type(seed).__name__}")
        seed = int(seed)
        if not -(2**63) <= seed < 2**64:
            raise ValueError(f"manual_seed: Overflow when unpacking long long (seed {seed})")
        self._seed = seed % 2**64  # a negative seed wraps, as PyTorch's: -1 is 2**64 - 1
        self._rng = None
        return self

    @property
    def rng(self):
        """NumPy's `Generator` (CuPy's on a GPU), seeded with this generator's seed."""
        if self._rng is None:
            with use(self.device):
                self._rng = self.device.xp.random.default_rng(self._seed)
        return self._rng

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        return self.manual_seed(int(np.random.SeedSequence().entropy) % 2**63)._seed

    def get_state(self):
        """The generator's state as a uint8 tensor (PyTorch's ByteTensor) of `_STATE_BYTES`:
        a tag, the seed, then NumPy's PCG64 state, each field little-endian."""
        from minigrad.tensor import Tensor  # NOTE: here: tensor.py imports this module

        self._check_state_support()
        state = self.rng.bit_generator.state
        fields = (
            _STATE_TAG,
            self._seed.to_bytes(8, "little"),
            state["state"]["state"].to_bytes(16, "little"),
            state["state"]["inc"].to_bytes(16, "little"),
            state["has_uint32"].to_bytes(1, "little"),
            state["uinteger"].to_bytes(4, "little"),
        )
        return Tensor._make(np.frombuffer(b"".join(fields), np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        """Restore a state from `get_state` (the exact stream and the seed); a tensor of
        another size, tag or an impossible field is refused, as PyTorch refuses a bad one."""
        from minigrad.tensor import Tensor

        self._check_state_support()
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not dtypes.uint8:
            raise TypeError(f"RNG state must be a ByteTensor (uint8), not {new_state.dtype}")
        if new_state.numel() != _STATE_BYTES:
            raise RuntimeError(
                f"Expected a PCG64 generator state of size {_STATE_BYTES} but found the input "
                f"RNG state size to be {new_state.numel()}"
            )
        data = np.asarray(new_state.cpu().array).tobytes()
        seed, pcg, inc, has_uint32, uinteger = (
            int.from_bytes(data[start:end], "little")
            for start, end in ((8, 16), (16, 32), (32, 48), (48, 49), (49, 53))
        )
        # NOTE: NumPy keeps inc odd (the stream's increment), and has_uint32 is a flag
        if data[:8] != _STATE_TAG or inc % 2 == 0 or has_uint32 > 1:
            raise RuntimeError("Invalid PCG64 state (not one that get_state returned)")
        state = {"state": pcg, "inc": inc}
        bits = {"bit_generator": "PCG64", "state": state, "has_uint32": has_uint32}
        self.rng.bit_generator.state = {**bits, "uinteger": uinteger}
        self._seed = seed
        return self

    def _check_state_support(self) -> None:
        if self.device.type != "cpu":
            raise RuntimeError(
                f"get_state/set_state: CuPy's generators on {self.device} do not expose their "
                "state; to repeat a sequence, seed again with manual_seed(seed)"
            )


# get_state's layout: tag (8 bytes), seed (8), PCG64 state (16), inc (16), has_uint32 (1),
# uinteger (4)
_STATE_TAG = b"mgPCG64\x01"
_STATE_BYTES = 53

default_generator = Generator()
_cuda_generators: dict = {}


def manual_seed(seed: int) -> Generator:
    """Seed every device's default generator (as `torch.manual_seed`)."""
    seed = int(seed)  # ValueError for a str, as PyTorch's
    default_generator.manual_seed(seed)
    for gen in _cuda_generators.values():
        gen.manual_seed(seed)
    return default_generator


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(
    devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"
):
    """Run the block and then put the CPU generator's state back, as `torch.random.fork_rng`
    (draws inside do not change what is drawn after). NOTE: the GPU generators are not
    forked: CuPy's do not expose their state (docs/nn.md)."""
    if not enabled:
        yield
        return
    state = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(state)


def default_generator_states() -> list:
    """(generator, state) of the CPU's and each GPU's default generator, for restore_states."""
    return [(g, g.get_state()) for g in (default_generator, *_cuda_generators.values())]


def restore_states(states: list) -> None:
    for generator, state in states:
        generator.set_state(state)


class _Draws(threading.local):
    refusal: str | None = None  # set inside vmap(randomness="error"): every draw raises it


_draws = _Draws()


@contextlib.contextmanager
def refuse_draws(message: str):
    """Within the block, any random draw raises RuntimeError(message)."""
    previous, _draws.refusal = _draws.refusal, message
    try:
        yield
    finally:
        _draws.refusal = previous


def generator_for(device, generator: Generator | None = None) -> Generator:
    """The generator to draw from on `device`: the one given, or the device's default."""
    if _draws.refusal is not None:
        raise RuntimeError(_draws.refusal)
    if generator is not None:
        if generator.device is not device:
            raise RuntimeError(
                f"generator is on {generator.device} but the tensor is on {device}; use a "
                "Generator of the same device"
            )
        return generator
    if device.type == "cpu":
        return default_generator
    return cuda_generator(device.index)


def cuda_generator(index: int) -> Generator:
    """The default generator of GPU `index`, seeded like the CPU's until seeded itself."""
    gen = _cuda_generators.get(index)
    if gen is None:
        gen = _cuda_generators[index] = Generator(f"cuda:{index}")
        gen.manual_seed(default_generator.initial_seed())
    return gen


def _float_dtype(dtype, kernel: str):
    """The NumPy dtype to draw floats of `dtype` in: float16 is drawn in float32 (NumPy's
    generators have no float16) and rounded; integers and bools raise, as PyTorch's."""
    d = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    if not d.is_floating_point:
        name = dtypes.legacy_name(d)[: -len("Tensor")]
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")
    return d.np, np.dtype(np.float32) if d.itemsize < 4 else d.np


def check_shape(shape) -> tuple:
    """The shape of a new tensor, as a tuple; PyTorch's RuntimeError for a negative size."""
    shape = tuple(shape)
    negative = [n for n in shape if n < 0]
    floats = [pos for pos, n in enumerate(shape) if isinstance(n, float)]
    if floats:  # NumPy would say only "cannot be interpreted as an integer"
        raise TypeError(
            f"size must be tuple of ints, but found element of type float at pos {floats[0]} "
            f"(size {shape})"
        )
    if negative:
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {negative[0]}: {list(shape)}"
        )
    return shape


def normal_array(shape, device, mean=0.0, std=1.0, generator=None, dtype=None):
    shape = check_shape(shape)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    gen = generator_for(_device(device), generator)
    want, draw = _float_dtype(dtype, "normal_kernel_cpu")
    with use(gen.device):
        out = gen.rng.standard_normal(size=tuple(shape), dtype=draw).astype(want, copy=False)
    if std != 1.0:
        out *= std
    if mean != 0.0:
        out += mean
    return out


def uniform_array(shape, device, low=0.0, high=1.0, generator=None, dtype=None):
    shape = check_shape(shape)
    gen = generator_for(_device(device), generator)
    want, draw = _float_dtype(dtype, "check_uniform_bounds")
    with use(gen.device):
        out = gen.rng.random(size=tuple(shape), dtype=draw)
    if want != draw:  # rounded to float16, a draw just below 1 would become 1
        out = gen.device.xp.minimum(out, np.nextafter(np.float16(1), np.float16(0))).astype(want)
    if (low, high) != (0.0, 1.0):
        out *= high - low
        out += low
    return out


def integers_array(low, high, shape, device, generator=None):
    shape = check_shape(shape)
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    gen = generator_for(_device(device), generator)
    with use(gen.device):
        return gen.rng.integers(low, high, size=tuple(shape), dtype=np.int64)


def permutation_array(n, device, generator=None):
    gen = generator_for(_device(device), generator)
    if gen.device.type == "cpu":
        return gen.rng.permutation(n).astype(np.int64)
    # NOTE: CuPy's Generator has no permutation(); sorting uniform keys gives a uniformly
    # random permutation (ties between float64 keys are vanishingly rare).
    with use(gen.device):
        return gen.device.xp.argsort(gen.rng.random(n)).astype(np.int64)
