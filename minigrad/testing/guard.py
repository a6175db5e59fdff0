"""`assert_untampered`: fail a test cell whose answer replaced what the test relies on.

Exercise tests run in the student's kernel, after the student's code: an answer can replace
`np.allclose`, `builtins.isinstance`, `minigrad.testing.assert_close` or the reference op a
test compares with (`minigrad.optim.SGD.step`, `minigrad.sigmoid`), so that a wrong answer
passes. When minigrad.testing is first imported (the chapter's locked setup cell, before any
answer runs) this module records every function, class and module of minigrad and of the
modules tests use (builtins, math, time, inspect, numpy...), the code object of each Python
function, and the trace hooks. `assert_untampered(globals())`, at the start and the end of each
test cell, raises AssertionError naming whatever differs.

# NOTE: a deterrent, not a proof: code running in the same interpreter can also replace this
# module. See docs/instructors.md ("Hostile answers") for what it does and does not stop.
"""

from __future__ import annotations

# NOTE: the modules tests use are imported here so that they are recorded from the start
import ast  # noqa: F401
import builtins
import inspect  # noqa: F401
import math  # noqa: F401
import os
import sys
import textwrap  # noqa: F401
import time  # noqa: F401
import types

import numpy  # noqa: F401
import numpy.testing  # noqa: F401

# Builtins this module uses, taken before any answer ran (an answer may replace builtins).
_isinstance, _callable, _vars, _getattr = isinstance, callable, vars, getattr
_AssertionError = AssertionError

_STDLIB = ("builtins", "math", "time", "inspect", "ast", "textwrap", "collections", "copy")
_NUMPY = ("numpy", "numpy.testing", "numpy.linalg", "numpy.random")
# Where a library function may be defined: a function whose code comes from anywhere else
# (a notebook cell, exec) was put there by code that ran before the snapshot.
_HOMES = tuple(
    {
        os.path.join(real(p), "")
        for p in (
            sys.prefix,
            sys.base_prefix,
            sys.exec_prefix,
            os.path.dirname(os.__file__),
            os.path.dirname(os.path.dirname(__file__)),  # minigrad
            # the installed packages: outside the prefix in the grading runtime (runtime.py)
            os.path.dirname(os.path.dirname(numpy.__file__)),
        )
        for real in (os.path.abspath, os.path.realpath)
    }
)
_MISSING = object()
# The checks themselves: every name in these is recorded, not only functions, so that an answer
# cannot swap a table they use (the scalar types plain_value accepts, the tolerances).
_CHECKS = frozenset(
    ("minigrad.testing.close", "minigrad.testing.gradcheck", "minigrad.testing.source", __name__)
)
_ALIASES = {  # names a chapter's setup cell binds: rebinding one in the notebook is tampering
    "np": "numpy",
    "numpy": "numpy",
    "math": "math",
    "time": "time",
    "inspect": "inspect",
    "minigrad": "minigrad",
    "nn": "minigrad.nn",
    "F": "minigrad.nn.functional",
}

# (owner, name, value, fingerprint) for every watched attribute, and the modules seen so far
_entries: list[tuple[object, str, object, tuple]] = []
_modules: dict[str, types.ModuleType] = {}
_class_keys: dict[type, frozenset] = {}  # a method added to a class can shadow an inherited one
_hooks: tuple = ()
_ops: tuple = ()
_problems_at_snapshot: list[str] = []
# id(namespace) -> {name: (function, fingerprint)}: a locked cell's helpers (see seal)
_sealed: dict[int, dict[str, tuple[object, tuple]]] = {}
_tainted: list[str] = []


def _watched_modules() -> list[str]:
    names = [n for n in _STDLIB + _NUMPY if n in sys.modules]
    names += sorted(n for n in list(sys.modules) if n == "minigrad" or n.startswith("minigrad."))
    return names


def _functions(value) -> tuple:
    """The Python functions inside a class attribute or module attribute."""
    if _isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if _isinstance(value, property):
        return tuple(f for f in (value.fget, value.fset, value.fdel) if f is not None)
    return (value,) if _isinstance(value, types.FunctionType) else ()


def _fingerprint(value) -> tuple:
    """What a function's behaviour hangs on besides its identity (an answer can swap these)."""
    return tuple(
        (f.__code__, f.__defaults__, f.__kwdefaults__, f.__closure__) for f in _functions(value)
    )


def _is_watched(value) -> bool:
    return _callable(value) or _isinstance(
        value, (types.ModuleType, staticmethod, classmethod, property)
    )


def _foreign_code(owner_name: str, name: str, value) -> str | None:
    for f in _functions(value):
        filename = f.__code__.co_filename
        if filename == "<string>" and name.startswith("__"):
            continue  # dunder methods that dataclasses and namedtuple generate with exec
        if not filename.startswith(_HOMES):
            return f"{owner_name}.{name} is code from {f.__code__.co_filename}"
    return None


# Builtins the kernel itself rebinds as it runs: ipykernel sets `input` for each request.
_VOLATILE_BUILTINS = frozenset(("input", "raw_input", "help", "exit", "quit", "display"))


# A name of the notebook's own comes before a builtin in a test cell's lookups: `abs = lambda
# value: 0.0` in an answer cell passed `abs(s - 10.0) < 1e-4`. These are the builtins a test may
# call; IPython binds exit, quit and open in the notebook's namespace itself.
# A read-only view: an answer could delete an entry of a dict in place.
_HIDDEN_BUILTINS = types.MappingProxyType(
    {
        name: value
        for name, value in vars(builtins).items()
        if not name.startswith("_")
        and name not in _VOLATILE_BUILTINS
        and name not in ("open", "get_ipython", "getpass")
    }
)


# `from numpy import *` (or math, minigrad, torch) binds the library's own abs, max, sum...
_STAR_IMPORTED = ("numpy", "math", "minigrad", "torch")


def _hides_a_builtin(name: str, value) -> bool:
    """`value`, a name of the notebook's, is not the builtin it hides (nor a library's function
    of that name: grading removes those before each test, see minigrad_course/sandbox.py)."""
    if value is _HIDDEN_BUILTINS[name] or not _callable(value):
        return False
    for module_name in _STAR_IMPORTED:
        module = sys.modules.get(module_name)
        if _isinstance(module, types.ModuleType) and _vars(module).get(name) is value:
            return False
    return True


def _private(name: str) -> bool:
    """Builtins that change as the kernel runs: `_`, `__`, `input`... (`__import__` is kept)."""
    if name in _VOLATILE_BUILTINS:
        return True
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _record(owner, owner_name: str, namespace: dict) -> None:
    everything = owner_name in _CHECKS
    for name, value in list(namespace.items()):
        if not (everything or _is_watched(value)) or (owner_name == "builtins" and _private(name)):
            continue
        _entries.append((owner, name, value, _fingerprint(value)))
        problem = _foreign_code(owner_name, name, value)
        if problem:
            _problems_at_snapshot.append(problem)


def _snapshot_module(name: str) -> None:
    module = sys.modules[name]
    _modules[name] = module
    _record(module, name, _vars(module))
    if name.startswith("minigrad"):
        for cls in list(_vars(module).values()):
            if _isinstance(cls, type) and cls.__module__ == name:
                _record(cls, f"{name}.{cls.__qualname__}", dict(_vars(cls)))
                _class_keys[cls] = frozenset(_vars(cls))


def _current_hooks() -> tuple:
    monitoring = _getattr(sys, "monitoring", None)
    tools = tuple(monitoring.get_tool(i) for i in range(6)) if monitoring else ()
    return (sys.gettrace(), sys.getprofile(), tools)


# NumPy 1.x: the functions behind every ndarray operator (-, <=, ==, abs()), replaceable for all
# arrays at once (np.set_numeric_ops, taken here before any answer ran; gone in NumPy 2).
_set_numeric_ops = _getattr(numpy, "set_numeric_ops", None)


def _numeric_ops() -> tuple:
    if _set_numeric_ops is None:
        return ()
    return tuple(sorted(_set_numeric_ops().items()))


def snapshot() -> None:
    """Record the pristine state (once; later calls add only modules imported since)."""
    global _hooks, _ops
    if not _modules:
        _hooks, _ops = _current_hooks(), _numeric_ops()
    for name in _watched_modules():
        if name not in _modules:
            _snapshot_module(name)


# Replacements that a library makes when it is imported, wrapping the original: importing torch
# (torch.package) replaces inspect.getfile, and an honest `import torch` failed every later test.
_LIBRARY_PATCHES = {("inspect", "getfile"): ("torch.package.package_importer", "_orig_getfile")}


def _library_patch(owner, name: str, original, now) -> bool:
    """`now` is the known library function that wraps `original` in its place."""
    known = _LIBRARY_PATCHES.get((_getattr(owner, "__name__", None), name))
    if known is None or not _isinstance(now, types.FunctionType):
        return False
    library = sys.modules.get(known[0])
    wrapped = _vars(library).get(known[1]) if _isinstance(library, types.ModuleType) else None
    home = now.__code__.co_filename.startswith(_HOMES)
    return wrapped is original and now.__module__ == known[0] and home


def tampering(namespace: dict | None = None) -> list[str]:
    """What differs from the snapshot: one line per replaced function, class, module or hook."""
    problems = list(_problems_at_snapshot)
    for name, module in _modules.items():
        if sys.modules.get(name) is not module:
            problems.append(f"sys.modules[{name!r}] was replaced")
    for owner, name, value, fingerprint in _entries:
        now = _vars(owner).get(name, _MISSING)
        if now is not value and _library_patch(owner, name, value, now):
            continue
        if now is not value or _fingerprint(now) != fingerprint:
            where = _getattr(owner, "__qualname__", None) or owner.__name__
            problems.append(f"{where}.{name} was replaced or changed")
    for cls, keys in _class_keys.items():
        for name, value in list(_vars(cls).items()):
            if name not in keys and _is_watched(value):
                problems.append(f"{cls.__qualname__}.{name} was added")
    if namespace is not None:
        for name, (value, fingerprint) in _sealed.get(id(namespace), {}).items():
            now = namespace.get(name, _MISSING)
            if now is not value or _fingerprint(now) != fingerprint:
                problems.append(f"{name} (defined in a locked cell) was redefined")
    problems += _tainted
    if _current_hooks() != _hooks:
        problems.append("a trace, profile or monitoring hook was installed (sys.settrace...)")
    now = _numeric_ops()
    if len(now) != len(_ops) or any(a[1] is not b[1] for a, b in zip(now, _ops)):
        problems.append("numpy's numeric ops were replaced (np.set_numeric_ops)")
    found = _MISSING if namespace is None else namespace.get("__builtins__", _MISSING)
    if found is not _MISSING and found is not builtins and found is not _vars(builtins):
        problems.append("the notebook's __builtins__ is no longer the module builtins")
    for name in _HIDDEN_BUILTINS if namespace is not None else ():
        value = namespace.get(name, _MISSING)
        if value is not _MISSING and _hides_a_builtin(name, value):
            problems.append(f"the notebook's name {name!r} hides the builtin {name}")
    for name, module in _ALIASES.items():
        bound = _MISSING if namespace is None else namespace.get(name, _MISSING)
        if bound is not _MISSING and module in _modules and bound is not _modules[module]:
            problems.append(f"the notebook's {name!r} is no longer the module {module}")
    return problems


def seal(namespace: dict, *names: str) -> None:
    """Record the helper functions a locked cell just defined, so that a test can tell when a
    later cell redefines them (assert_untampered(namespace) checks them).

    Running the same locked cell again is fine; sealing a different function under a sealed name
    (only code in the notebook can do that) marks the kernel as tampered for good.
    """
    sealed = _sealed.setdefault(id(namespace), {})
    for name in names:
        value = namespace[name]
        before = sealed.get(name)
        if before is not None and _fingerprint(before[0])[:1] != _fingerprint(value)[:1]:
            _tainted.append(f"{name} was sealed again with other code")
        sealed[name] = (value, _fingerprint(value))


def assert_untampered(namespace: dict | None = None) -> None:
    """AssertionError if any library function, class or module the tests rely on was replaced.

    Pass the notebook's globals() to also check that its names np, minigrad, nn, F, ... still
    name those modules.
    """
    problems = tampering(namespace)
    if not problems:
        snapshot()  # modules imported since the last call (e.g. by a test cell) are recorded now
        problems = list(_problems_at_snapshot)
    if problems:
        more = f"; and {len(problems) - 5} more" if problems[5:] else ""
        shown = "; ".join(problems[:5]) + more
        raise _AssertionError(
            "the tests cannot trust this kernel: code in the notebook replaced what they check "
            f"with ({shown}). Do not reassign library functions, modules or builtins"
        )
