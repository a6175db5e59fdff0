"""Grad modes: whether ops record the graph. Per thread, as in PyTorch (DataLoader threads)."""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading

import numpy as np


class _State(threading.local):
    enabled = True
    inference = False  # inside inference_mode() (and not in an inner inference_mode(False))
    anomaly = False
    tape = None  # a list while minigrad.testing records which ops run (to blame one)
    tracer = None  # set while minigrad.static.trace records a graph: apply hands calls to it
    capturing = False  # True while autograd.grad runs (no .grad is to be written)
    autocast = None  # inside a minigrad.amp.autocast block: apply hands args to it to cast
    vmap = None  # inside minigrad.func.vmap: apply hands calls to it to mark mapped values
    autocast_dtype = None
    autocast_device = None
    saved_hooks: tuple = ()  # (pack, unpack) pairs of saved_tensors_hooks blocks, innermost last
    saved_hooks_error = None  # inside disable_saved_tensors_hooks: its message
    graph_task = None  # the backward pass whose hooks run now (engine's `GraphTask`)


state = _State()


def _wrap_generator(fn, make_context):
    """A generator function decorated by a grad mode, as PyTorch's: each step of the
    generator (up to its next yield) runs inside make_context(), and the caller's mode holds
    between steps, so a `for` loop over it keeps its own mode."""

    @functools.wraps(fn)
    def generator(*args, **kwargs):
        gen = fn(*args, **kwargs)
        resume, value = gen.send, None
        while True:
            try:
                with make_context():
                    response = resume(value)
            except StopIteration as stop:
                return stop.value
            try:
                value, resume = (yield response), gen.send
            except GeneratorExit:
                with make_context():
                    gen.close()
                raise
            except BaseException as error:  # thrown in by the caller: on into fn's generator
                value, resume = error, gen.throw

    return generator


def is_grad_enabled() -> bool:
    """True when ops record the graph for backward."""
    return state.enabled


class _GradMode:
    """Base of the grad-mode context managers; each also works as a decorator."""

    mode: bool

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self.mode

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        mode = self.mode
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(fn, functools.partial(_mode_context, mode))

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            __tracebackhide__ = True  # a decorated function's error shows its own frame only
            prev, state.enabled = state.enabled, mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = prev

        return wrapper


@contextlib.contextmanager
def _mode_context(mode: bool):
    prev, state.enabled = state.enabled, mode
    try:
        yield
    finally:
        state.enabled = prev


class _BareDecorator(_GradMode):
    """Also usable as a bare decorator, `@no_grad` as well as `@no_grad()`, as in PyTorch."""

    def __new__(cls, orig_func=None):
        if callable(orig_func):
            return cls()(orig_func)
        return super().__new__(cls)

    def __init__(self, orig_func=None):
        pass


class no_grad(_BareDecorator):  # noqa: N801 - PyTorch's spelling
    """Do not record the graph: for evaluation and for updating weights by hand."""

    mode = False


class enable_grad(_BareDecorator):  # noqa: N801
    """Record the graph again inside a `no_grad` block."""

    mode = True


class inference_mode(_GradMode):  # noqa: N801
    """Like `no_grad` (minigrad has no separate inference tensors); `inference_mode(False)`
    records, as in PyTorch. Also a decorator, bare or called."""

    def __new__(cls, mode=True):
        if callable(mode):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True):
        self.mode = not mode

    def __enter__(self):
        self._prev_inference, state.inference = state.inference, not self.mode
        super().__enter__()

    def __exit__(self, *exc):
        state.inference = self._prev_inference
        return super().__exit__(*exc)

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(fn, functools.partial(inference_mode, not self.mode))

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(not self.mode):
                return fn(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()`, as PyTorch's (no_grad alone does not count)."""
    return state.inference


class set_grad_enabled(_GradMode):  # noqa: N801
    """Turn recording on or off: at once when called, and back again when used with `with`;
    as a decorator, only while the function runs."""

    def __init__(self, mode: bool):
        if not isinstance(mode, (bool, np.bool_)):  # as PyTorch: bool("no") would be True
            raise TypeError(f"set_grad_enabled(): mode must be bool, not {type(mode).__name__}")
        self.mode = bool(mode)
        self._prev = state.enabled
        state.enabled = self.mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        state.enabled = self._prev  # decorating is not calling: undo the switch
        return super().__call__(fn)
