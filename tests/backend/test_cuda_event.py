"""minigrad.cuda.Event (PyTorch's GPU timing: record, synchronize, elapsed_time) on the
simulated GPU, whose CuPy events are given a clock here; and its error without CUDA."""

from __future__ import annotations

import types

import pytest

import minigrad


class _FakeEvent:
    """A CuPy event of the simulated GPU: recording reads a clock that the test advances."""

    clock = 0.0

    def __init__(self, block=False, disable_timing=False):
        self.block, self.disable_timing = block, disable_timing
        self.done, self.time, self.stream = True, None, "unset"

    def record(self, stream=None):
        self.time, self.stream = _FakeEvent.clock, stream

    def synchronize(self):
        self.synchronized = True


@pytest.fixture
def timed_gpu(fake_cuda, monkeypatch):
    cuda = types.SimpleNamespace(**vars(fake_cuda.cuda))
    cuda.Event = _FakeEvent
    cuda.get_elapsed_time = lambda start, end: (end.time - start.time) * 1000.0
    monkeypatch.setattr(fake_cuda, "cuda", cuda)
    return fake_cuda


def test_events_time_gpu_work_in_milliseconds_as_the_tutorials_do(timed_gpu):
    start = minigrad.cuda.Event(enable_timing=True)
    end = minigrad.cuda.Event(enable_timing=True)
    _FakeEvent.clock = 1.0
    start.record()
    _FakeEvent.clock = 1.25  # the GPU works for a quarter of a second
    end.record()
    minigrad.cuda.synchronize()
    assert start.elapsed_time(end) == pytest.approx(250.0)
    assert start._event.stream is None and not start._event.disable_timing
    end.synchronize()
    assert end._event.synchronized and end.query()


def test_elapsed_time_needs_timing_events_that_were_recorded(timed_gpu):
    plain, timing = minigrad.cuda.Event(blocking=True), minigrad.cuda.Event(enable_timing=True)
    assert plain._event.block and plain._event.disable_timing
    plain.record()
    timing.record()
    with pytest.raises(RuntimeError, match="created with argument 'enable_timing=True'"):
        plain.elapsed_time(timing)
    with pytest.raises(RuntimeError, match="must be recorded"):
        timing.elapsed_time(minigrad.cuda.Event(enable_timing=True))
    with pytest.raises(NotImplementedError, match="one process"):
        minigrad.cuda.Event(interprocess=True)


def test_an_event_without_cuda_says_why(simulate):
    simulate(cupy=ModuleNotFoundError("No module named 'cupy'"), wheels=())
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        minigrad.cuda.Event(enable_timing=True)
