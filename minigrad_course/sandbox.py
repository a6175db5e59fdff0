"""Run a notebook in a fresh kernel, cell by cell, under limits; record each cell's outcome.

``execute`` drives nbclient in this process (used by ``check`` and release verification).
For grading, a worker process (``serve``, see grade.WORKER_ARGS) runs ``execute``
for each job file named on its stdin, with the kernel started through
:mod:`minigrad_course.jail` (memory, process, file-size and open-file limits; an unprivileged
uid when we are root) and a watchdog (:mod:`minigrad_course.watchdog`) that enforces the
wall-clock limit and kills fork bombs. Cell outcomes go to a JSON-lines file as they happen,
so whatever finished before a crash is kept.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import psutil
import zmq
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellControlSignal, CellTimeoutError, DeadKernelError
from nbclient.util import run_hook
from nbformat import NotebookNode

from .jail import memory_cgroup, out_of_memory, remove_cgroup
from .runtime import library_env
from .watchdog import Watchdog, kill_uid, set_child_subreaper

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TRACEBACK_CHARS = 6000
# Past this many bytes of cell records (the grader reads at most 64 MB), records of further
# failing cells keep no traceback: thousands of failing cells cannot push the tests' out.
DETAILED_RECORDS_BYTES = 16 * 2**20
KERNEL_LOG_CHARS = 4000  # the end of the kernel's own stderr, kept for the status flags
# One message from the kernel larger than this is refused by ZeroMQ (never read into the
# worker), and at most _QUEUED of them wait to be read: the worker's memory stays bounded.
MAX_MESSAGE_BYTES = 4 * 2**20
_QUEUED = 32
GUARD_SECONDS = 30.0  # for the guard to answer (ms normally; seconds on an overloaded machine)
STARTUP_SECONDS = 60  # a kernel starts in seconds; one that has not in this never will
# Folders every user can write (sticky): what a notebook's uid leaves there is deleted after it,
# and a module loaded from one is unloaded before each test. /run/lock is a tmpfs (memory) on
# most systems: files a notebook left there stayed until a reboot.
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")

# Runs first in every kernel: caps what the student's code can print (the rest is dropped,
# never stored), so gigabytes of output cost time, not memory or disk. IPython 9 also keeps
# every printed string in its history (InteractiveShell._tee, which wraps stream.write per
# cell); we turn that off, patch the stream class, and drop instance-level wrappers per cell.
_CAP_NOTICE = "minigrad-course: output limit reached; the rest is dropped"
_SETUP_CELL = """\
def _minigrad_cap_output(limit):
    import contextlib, sys
    from ipykernel.iostream import OutStream
    shell = get_ipython()
    if hasattr(shell, "_tee"):
        shell._tee = lambda channel: contextlib.nullcontext()
    written = [0]
    original = OutStream.write
    def write(self, text):
        written[0] += len(text)
        if written[0] <= limit:
            return original(self, text)
        if written[0] - len(text) <= limit:
            original(self, "\\n[{notice}]\\n")
        return len(text)
    OutStream.write = write
    def use_class_write(*args, **kwargs):
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, OutStream) and "write" in vars(stream):
                del stream.write
    shell.events.register("pre_run_cell", use_class_write)
_minigrad_cap_output({limit})
del _minigrad_cap_output


def _minigrad_bound_replies(chars):
    # An execute reply over the worker's message limit is dropped unread, and the cell then
    # waits out its timeout: cap what an exception puts in the reply (a class named with 3 MB,
    # a message of 100 MB) and drop payloads (set_next_input, page: unused here).
    from ipykernel.ipkernel import IPythonKernel
    real = IPythonKernel.do_execute
    async def do_execute(self, *args, **kwargs):
        reply = await real(self, *args, **kwargs)
        reply["payload"], reply["user_expressions"] = [], {{}}
        if reply.get("status") != "ok":
            reply["ename"] = str(reply.get("ename"))[:200]
            reply["evalue"] = str(reply.get("evalue"))[:chars]
            lines = [str(line) for line in reply.get("traceback") or []]
            reply["traceback"] = ["\\n".join(lines)[-chars:]]
        return reply
    IPythonKernel.do_execute = do_execute
    # The same for the error shown on iopub, which the worker checks against the reply
    # (ipykernel binds this method on the shell instance itself).
    shell = get_ipython()
    show = shell._showtraceback
    def _showtraceback(etype, evalue, stb):
        name = str(getattr(etype, "__name__", "Error"))[:200]
        try:
            text = str(evalue)[:chars]
        except Exception as exc:
            text = "(its message could not be shown: " + type(exc).__name__ + ")"
        short = "\\n".join(str(line) for line in stb or [])[-chars:]
        return show(type(name, (Exception,), {{}}), text, [short])
    shell._showtraceback = _showtraceback
_minigrad_bound_replies({chars})
del _minigrad_bound_replies
"""


# Runs in the setup cell, before any student code, when grading. It keeps the originals of the
# known routes by which code can fake a test's outcome, and installs two signal handlers that
# the worker sends from outside the cell-execution path (so a patched do_execute or an AST
# transformer cannot skip them): SIGUSR1 after each locked cell records the helpers it bound,
# SIGUSR2 before each graded test puts every route back. Each answer goes to the kernel's real
# stderr (fd 2, a file only the worker reads) as a GUARD_TAG line with what was undone, and
# with a key the worker wrote to a file that the setup reads and deletes before any student code
# runs: a line that student code writes itself lacks the key (forged answers, with the signal
# handlers replaced, had every test run with nothing undone: a notebook of stubs that swapped
# the shell's compiler scored full marks).
GUARD_TAG = "MINIGRAD-GUARD"
GUARD_KEY_FILE = ".minigrad-guard-key"
GUARD_REQUESTS_FILE = ".minigrad-guard-requests"  # what each signal asks (see requested())
END_NAME = "__minigrad_test_ran_to_end__"  # the function each graded test's last line calls
NOT_TO_ITS_END = "not passed: the test did not run to its end (its reply said ok)"
_GUARD_SETUP = r"""
def _minigrad_guard(bound, given, libraries_used, key_file, requests_file):
    import asyncio, builtins, inspect, itertools, json, operator, os, signal, sys, threading
    import time, types
    with open(key_file, encoding="ascii") as f:
        key = f.read()
    os.unlink(key_file)
    # What each of the worker's signals asks for: its number, the signal and the cell it follows
    # or precedes, in a file the worker (root) writes and the kernel's user can only read. The
    # notebook's code can signal its kernel too (os.kill): the guard's look after a locked cell,
    # taken when the notebook chose, took a generator of the answer's own under the setup's
    # `rng` for the value the locked cell bound, and put it back before each test.
    requests = os.open(requests_file, os.O_RDONLY | os.O_NOFOLLOW)
    request_file = (lambda info: (info.st_dev, info.st_ino, info.st_uid))(os.fstat(requests))
    last_request, unasked = [0], []
    # NOTE: a descriptor of the guard's own: code that points fd 2 at a pipe of its own would
    # read the key from the answers.
    log = os.dup(2)
    # NOTE: the worker starts the kernel with its fd capture off. With it on, fd 2 was
    # ipykernel's pipe: each answer reached the log later, from a thread (an honest test read
    # as "not run to its end" under load), and passed through sys.stderr.write, which the
    # notebook's code can replace to read the key.
    import stat
    if not stat.S_ISREG(os.fstat(log).st_mode):
        raise RuntimeError("minigrad-course grading: the kernel's stderr is not its log file")
    # The kernel's working folder is the student's to write: a module saved there (a `cupy.py`,
    # which minigrad's CUDA detection imports inside a test) ran inside the test as a library.
    # Grading runs the notebook alone, so the folder leaves sys.path; the import system is put
    # back before each test, and modules loaded since from a folder the student can write (this
    # one, HOME, the temporary folders), not from the library folders on sys.path or the course's
    # own packages, are unloaded. (An editable install is found by a finder, not on sys.path: a
    # course cloned under /tmp or HOME had every minigrad module unloaded and every test refused.)
    here = os.path.realpath(os.getcwd())
    sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != here]
    imports = {"path": sys.path, "meta_path": sys.meta_path, "path_hooks": sys.path_hooks}
    importer_cache = sys.path_importer_cache  # (cleared by each look: see restore_imports)
    saved_imports = {k: list(v) for k, v in imports.items()}
    def folders(paths):
        return tuple(os.path.join(os.path.realpath(p), "") for p in paths)
    import importlib.util
    def package_folder(name):
        spec = importlib.util.find_spec(name)
        return os.path.dirname(spec.origin) if spec is not None and spec.origin else None
    own = [f for f in map(package_folder, ("minigrad", "minigrad_course")) if f]
    libraries = folders(sys.path + own)
    writable = folders([here, os.path.expanduser("~"), *__SHARED_TMP__,
                        os.environ.get("TMPDIR") or "/tmp"])
    # (by name, each module as loaded: a module of the answer's own put in sys.modules under the
    # name of one already there, `random`, was what a hidden test's `import random` got)
    loaded = dict(sys.modules)
    shell = get_ipython()
    kernel = shell.kernel
    prefilter = shell.prefilter_manager  # rewrites a one-line cell (a one-line test)
    objects = {"kernel": kernel, "shell": shell, "session": kernel.session,
               "compiler": shell.compile, "transformer": shell.input_transformer_manager,
               "prefilter": prefilter}
    methods = {}
    for label, obj in objects.items():
        for cls in type(obj).__mro__[:-1]:
            for name, value in vars(cls).items():
                if inspect.isfunction(value) or isinstance(value, (staticmethod, classmethod)):
                    methods[(label, cls, name)] = value
    # Where the kernel finds these objects: a replaced one (a subclass whose ast_parse returns
    # "pass") is as good as a patched method.
    homes = {"compiler": (shell, "compile"), "transformer": (shell, "input_transformer_manager"),
             "prefilter": (shell, "prefilter_manager"), "session": (kernel, "session"),
             "shell": (kernel, "shell"), "kernel": (shell, "kernel")}
    # The test's code runs in these: a dict subclass as user_ns answers `np` with anything.
    namespaces = {"user_ns": shell.user_ns, "user_module": shell.user_module}
    patchable = {(label, name) for label, _, name in methods}
    instance = {label: {n: v for n, v in vars(obj).items() if (label, n) in patchable}
                for label, obj in objects.items()}
    manager = shell.input_transformer_manager
    lists = {"ast_transformers": (shell, "ast_transformers"),
             "input_transformers_post": (shell, "input_transformers_post"),
             "input_transformers_cleanup": (manager, "cleanup_transforms"),
             "line_transforms": (manager, "line_transforms"),
             "token_transformers": (manager, "token_transformers"),
             "prefilter transformers": (prefilter, "_transformers"),
             "prefilter checkers": (prefilter, "_checkers")}
    saved_lists = {k: list(getattr(o, a, [])) for k, (o, a) in lists.items()}
    # (by identity, then: a list subclass of the notebook's in their place had its __len__, a C
    # function, run as the look copied it, and add an AST transformer after those were compared)
    list_objects = {k: getattr(o, a, None) for k, (o, a) in lists.items()}
    dicts = {"kernel.shell_handlers": (kernel, "shell_handlers"),
             "prefilter handlers": (prefilter, "_handlers"),
             "prefilter escape handlers": (prefilter, "_esc_handlers")}
    saved_dicts = {k: dict(getattr(o, a, {})) for k, (o, a) in dicts.items()}
    dict_objects = {k: getattr(o, a, None) for k, (o, a) in dicts.items()}
    # A module swapped in sys.modules while a test ran, for an import the test makes after the
    # answer was called, was what the test imported (chapter 00's hidden `from
    # minigrad.testing.simulated_gpu import simulated_gpu`: a stand-in made a constant "cpu"
    # pick_device say "cuda" inside it, and put the real module back). Every import statement
    # goes through builtins.__import__: this one, while a test runs, refuses a module that
    # sys.modules no longer holds (one loaded before any student code ran, or a watched one:
    # see remember_module), and puts it back. (An object, not a function: minigrad.testing's
    # guard takes a function in builtins defined outside the libraries for one an answer put.)
    in_test = [False]  # from the guard's look before a graded test to its end (see guard_module)
    real_import = builtins.__import__

    class GuardedImport:
        __module__ = "minigrad_course.sandbox"
        __slots__ = ()

        def __call__(self, name, globals=None, locals=None, fromlist=(), level=0):
            module = real_import(name, globals, locals, fromlist, level)
            if in_test[0]:
                check_import(name, globals, level)
            return module

    def check_import(name, space, level):
        if type(name) is not str or type(level) is not int:
            return
        if level > 0:  # (a library's relative import)
            package = dict.get(space, "__package__") if type(space) is dict else None
            if type(package) is not str:
                return
            base = str.rsplit(package, ".", level - 1)[0]
            name = f"{base}.{name}" if name else base
        for key in (name, str.partition(name, ".")[0]):
            kept = modules.get(key)
            expected = loaded.get(key) if kept is None else kept[0]
            if expected is not None and sys.modules.get(key) is not expected:
                sys.modules[key] = expected
                what = f"sys.modules[{key!r}] was swapped while a test ran"
                changed_while_testing.append(what)
                raise RuntimeError(f"minigrad-course grading: {what} (put back): the test does "
                                   "not count")

    builtins.__import__ = GuardedImport()
    # IPython and ipykernel swap these in and out around each cell themselves.
    swapped = {"input", "get_ipython", "exit", "quit", "display", "getpass", "raw_input"}
    saved_builtins = {k: v for k, v in vars(builtins).items() if callable(v)
                      and (k[:1] != "_" or k in ("__import__", "__build_class__"))
                      and k not in swapped}
    # A name of the notebook's own comes before a builtin in a test's lookups (test cells run in
    # the notebook's namespace): `abs = lambda value: 0.0` in an answer cell made chapter 00's
    # `abs(s - 10.0) < 1e-4` pass a wrong slope_at. Such names are removed before each test; the
    # ones IPython binds there itself (exit, quit, open) are kept as they were.
    builtin_names = frozenset(k for k in vars(builtins) if k[:1] != "_" and k not in swapped)
    ipython_names = {k: shell.user_ns[k] for k in builtin_names if k in shell.user_ns}
    hidden_parked = {}
    # ... and the builtins a cell's code looks names up in are its globals' __builtins__: a dict
    # of the notebook's own there (`abs` that says 0.0) is the same trick for every name at once.
    user_builtins = shell.user_ns.get("__builtins__")
    # Callbacks on IPython's events run around every cell, the test's too: one on
    # post_run_cell can clear the test's error (a pass), one on pre_run_cell can patch again
    # what was just put back. Those added since are parked for the test and put back after.
    events = shell.events
    callbacks = events.callbacks
    saved_events = {k: list(v) for k, v in callbacks.items()}
    parked = []
    refused = []
    tracing = (sys.gettrace(), sys.getprofile())
    # The kernel writes every reply's error through these: one whose write() raises left every
    # later cell, the tests too, without a reply (each waited out its timeout).
    streams = {"stdout": sys.stdout, "stderr": sys.stderr}
    settrace, setprofile, write, dumps = sys.settrace, sys.setprofile, os.write, json.dumps
    sleep, current_frames, get_ident = time.sleep, sys._current_frames, threading.get_ident
    urandom, monotonic = os.urandom, time.monotonic
    # A trace function set while a test runs sees the checks' frames and moves their next line
    # (f_lineno) to the `return` of a passing comparison, then removes itself: no guard before
    # or after the test saw it (a wrong hvp scored its points). Grading refuses new ones; the
    # originals stay in this closure for restore().
    def refusing(name, original, allow_off=True):
        def refused_call(*args, **kwargs):
            if allow_off and len(args) == 1 and args[0] is None and not kwargs:
                return original(None)  # turning tracing off is harmless
            refused.append(name)
            raise RuntimeError(f"minigrad-course grading refuses {name}: a trace or profile "
                               "function can change what a test does")
        return refused_call
    setters = [(sys, n) for n in ("settrace", "setprofile")]
    setters += [(threading, n) for n in ("settrace", "setprofile", "settrace_all_threads",
                                          "setprofile_all_threads") if hasattr(threading, n)]
    for owner, name in setters:
        setattr(owner, name, refusing(f"{owner.__name__}.{name}", getattr(owner, name)))
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+
    for name in ("use_tool_id", "register_callback", "set_events", "set_local_events"):
        if monitoring is not None:
            original = getattr(monitoring, name)
            setattr(monitoring, name, refusing(f"sys.monitoring.{name}", original, False))
    names, modules, answers = {}, {}, [0]
    # Values that are neither callable nor modules a locked cell bound (`rng`, a table of ops):
    # put back silently before each test (a scratch cell's `x = ...` is no attack).
    data = {}
    # ... and what they hold, which the notebook's code can change in place rather than rebind:
    # `rng.bit_generator.state = ...` set to a state that draws only zeros handed chapter 03's
    # tests all-zero inputs as a rebound `rng` did; so could `X[:] = 0`, `OPS["mul"] = ...` or
    # `CASES.clear()`. What the binding cell left is kept (NumPy arrays copied, generators' states,
    # minigrad tensors' fields, lists, tuples, dicts and sets walked a few levels deep) within a
    # budget, and put back before each test; a value the guard cannot put back in place (an
    # array resized or made read-only) refuses the test. (Name -> (put back, bytes, items).)
    contents = {}
    KEPT_BYTES, KEPT_ITEMS, KEPT_DEPTH = 2**25, 100_000, 4

    def recorded(module_name, attribute):  # a library's own, as it was before any answer ran
        kept = modules.get(module_name)
        return kept[1].get(attribute) if kept is not None else None

    def keeper(value, left, depth=0):  # a function putting back what value holds now, or None
        kind = type(value)
        if kind is recorded("numpy", "ndarray") and not value.dtype.hasobject:
            if value.nbytes > left[0]:
                return None
            left[0] -= value.nbytes
            copyto, saved = recorded("numpy", "copyto"), value.copy()
            layout = (value.shape, value.dtype, value.strides)
            def put_array():
                if (value.shape, value.dtype, value.strides) != layout:
                    return False
                if not value.flags.writeable:
                    return False
                copyto(value, saved)
                return True
            return put_array
        if kind is recorded("numpy.random", "Generator"):
            bits = value.bit_generator
            state = bits.state  # (a new dict each time it is read)
            def put_generator():
                bits.state = state
                return True
            return put_generator
        if kind is recorded("numpy.random", "RandomState"):
            state = value.get_state(legacy=False)
            def put_random_state():
                value.set_state(state)
                return True
            return put_random_state
        if kind is recorded("minigrad", "Tensor"):  # (its fields are slots: X.array = ...)
            fields = []
            for field in dict(vars(kind)).values():
                if type(field) is types.MemberDescriptorType:
                    try:
                        fields.append((field, field.__get__(value, kind)))
                    except AttributeError:  # (not set)
                        pass
            inner = [keeper(v, left, depth + 1) for _, v in fields]
            inner = [put for put in inner if put is not None]
            def put_tensor():
                for field, kept in fields:
                    if field.__get__(value, kind) is not kept:
                        graveyard.append(field.__get__(value, kind))  # (see held())
                        field.__set__(value, kept)
                return all([put() for put in inner])
            return put_tensor
        if kind not in (list, tuple, dict, set) or depth >= KEPT_DEPTH:
            return None
        # NOTE: by identity, through the types' own methods: an item's __eq__ or __hash__ is
        # the notebook's code when the notebook put it there
        items = list(dict.items(value)) if kind is dict else list(value)
        left[1] -= len(items)
        if left[1] < 0:
            return None
        inner = [keeper(v if kind is not dict else v[1], left, depth + 1) for v in items]
        inner = [put for put in inner if put is not None]
        def put_items():
            now = list(dict.items(value)) if kind is dict else list(value)
            if kind is dict:
                flat = [x for pair in now for x in pair]
                saved = [x for pair in items for x in pair]
            elif kind is set:
                flat, saved = sorted(map(id, now)), sorted(map(id, items))
            else:
                flat, saved = now, items
            if len(flat) != len(saved) or not all(a is b for a, b in zip(flat, saved)):
                graveyard.append(now)  # (see held())
                if kind is dict:
                    dict.clear(value)
                    dict.update(value, items)
                elif kind is set:
                    set.clear(value)
                    set.update(value, items)
                elif kind is list:
                    list.__setitem__(value, slice(None), items)
            return all([put() for put in inner])
        return put_items

    def keep_contents(name, value):
        contents.pop(name, None)
        left = [KEPT_BYTES - sum(c[1] for c in contents.values()),
                KEPT_ITEMS - sum(c[2] for c in contents.values())]
        room = list(left)
        try:
            put = keeper(value, left)
        except Exception:  # (a copy past the memory limit)
            put = None
        if put is not None:
            contents[name] = (put, room[0] - left[0], room[1] - left[1])

    def put_contents_back(found):
        for name, (put, _, _) in contents.items():
            try:
                done = put()
            except Exception:
                done = False
            if not done:
                found.append(f"the data {name!r} a locked cell bound was changed in place and "
                             "could not be put back")

    # The checks' own modules: every name is kept, private helpers and tables too (the types
    # plain_value accepts, the ufunc assert_close measures with), not only public functions.
    checks = ("minigrad.testing.close", "minigrad.testing.gradcheck")

    def remember_module(module):
        if module.__name__ in modules or module.__name__ in ("sys", "builtins", "__main__"):
            return
        whole = module.__name__ in checks
        guard_module(module)
        watch(module)
        modules[module.__name__] = (module, {k: v for k, v in vars(module).items()
                                             if k[:2] != "__" and (whole or callable(v)
                                                                   and k[:1] != "_")})

    def same(a, b):
        return len(a) == len(b) and all(x is y for x, y in zip(a, b))

    # NOTE: a dict the guard reads can hold a key of the notebook's own, whose __eq__ runs when
    # a lookup meets it (a str of the same hash); set to a C function (functools.partial) it
    # has no frame for the traced look to see. One in the kernel's shell_handlers added an AST
    # transformer at the look before a test (which ran its last line only: 2 points), and one
    # hashing as "np" in the notebook's namespace bound np to a stand-in at every lookup, the
    # setup cell's and the guard's (taken for the setup's np: 3 points). The dicts the guard
    # reads hold str keys only: any other key is taken out, neither hashed nor compared, and
    # kept (dropped, its __del__ would be the notebook's code running in the look).
    foreign_keys, tainted = [], []
    is_, repeat, modules_dict = operator.is_, itertools.repeat, sys.modules

    def str_keys_only(d, what, found):
        if type(d) is not dict:  # (an instance's __dict__ can be set to a subclass)
            found.append(f"{what} is not a dict")
            return
        if all(map(is_, map(type, dict.keys(d)), repeat(str))):
            return
        items = list(dict.items(d))
        foreign_keys.extend(item for item in items if type(item[0]) is not str)
        dict.clear(d)
        dict.update(d, [item for item in items if type(item[0]) is str])
        found.append(f"{what} held a key that is not a str (removed)")

    def sweep(found):
        spaces = [("the notebook's namespace", namespaces["user_ns"]), ("sys.modules",
                  modules_dict), ("builtins", vars(builtins)), ("_signal", vars(_signal)),
                  ("IPython's events", callbacks), *dict_objects.items()]
        spaces += [(label, vars(obj)) for label, obj in objects.items()]
        spaces += [(name, vars(module)) for name, (module, _) in modules.items()]
        for what, d in spaces:
            if d is not None:
                str_keys_only(d, what, found)

    def plotting(function):  # pyplot's own redraw after each cell: an honest student's
        if type(function) is not types.FunctionType:
            return False
        module = function.__module__
        return type(module) is str and str.startswith(module, "matplotlib")

    # Code can send the kernel's reply to a test itself (it holds the kernel's sockets and key)
    # and go on running: a reply "ok" and a status "idle" sent from inside the answer passed the
    # test. A signal that finds a cell still running is refused: the worker then counts the
    # test as not passed, and records nothing the running code could have changed.
    running_cell = type(shell).run_code.__code__

    def busy(frame):
        while frame is not None:
            if frame.f_code is running_cell:
                return True
            frame = frame.f_back
        return False

    def requested(signum):  # the cell the worker's request names; None: it did not ask
        try:
            info = os.fstat(requests)
            number, sent, cell = (int(field) for field in os.pread(requests, 64, 0).split())
        except (OSError, ValueError):
            number = sent = cell = None
        here = (info.st_dev, info.st_ino, info.st_uid) if number is not None else None
        if here != request_file or number <= last_request[0] or sent != signum:
            unasked.append("the notebook sent the grading guard's signal (ignored)")
            return None
        last_request[0] = number
        return cell

    def snapshot(signum, frame):
        started = monotonic()
        cell = requested(signum)
        if cell is None:
            return None
        # NOTE: a cell still running is looked at no further: a test's own code can signal its
        # kernel (os.kill), and a test marked over there ran on with no refusal in force
        if busy(frame):
            return answer(started, ["a cell was still running after its reply"], refuse=True)
        in_test[0] = False
        # (what the cell bound was read through such a key: the tests after it do not run)
        keys = []
        sweep(keys)
        tainted.extend(f"{f}, as a locked cell's names were recorded" for f in keys)
        for event, added in parked:
            current = callbacks.setdefault(event, [])
            current.extend(f for f in added if not any(f is g for g in current))
        parked.clear()
        # the names of the notebook's own that hid a builtin during the test: its later cells
        # (`sum` after `from numpy import *`) run as they would have
        for key, value in hidden_parked.items():
            shell.user_ns.setdefault(key, value)
        graveyard.extend(hidden_parked.values())  # (see held())
        hidden_parked.clear()
        # (only the names this locked cell binds: a name an answer rebound since is not taken)
        for name in bound.get(cell, ()):
            if name not in shell.user_ns:
                continue
            value = shell.user_ns[name]
            names.pop(name, None)
            data.pop(name, None)
            contents.pop(name, None)
            if isinstance(value, types.ModuleType):
                names[name] = value
                prefix = value.__name__ + "."
                for other in [m for k, m in list(sys.modules.items()) if k.startswith(prefix)]:
                    remember_module(other)
                remember_module(value)
            elif callable(value):
                names[name] = value
                module = sys.modules.get(getattr(value, "__module__", None) or "")
                if module is not None:
                    remember_module(module)
            else:
                data[name] = value
        # (after the loop: the cell's `np`, whose types say what an array is, may come after)
        for name in bound.get(cell, ()):
            if name in data and shell.user_ns.get(name, data) is data[name]:
                keep_contents(name, data[name])
        ended = end_watch()
        answer(started, [f"{name} was called (refused)" for name in dict.fromkeys(refused)]
               + list(dict.fromkeys(unasked)) + changed_while_testing + ended + keys)
        refused.clear()
        unasked.clear()
        changed_while_testing.clear()

    def restore(signum, frame):
        started = monotonic()
        cell = requested(signum)
        if cell is None:
            return None
        if busy(frame):
            return answer(started, ["a cell was still running after its reply"], refuse=True)
        # A given cell gets the helpers, data and libraries back too: `Y = X * 2` after an answer
        # that zeroed X in place was the given cell's zeros, which it vouched for.
        if cell in given:
            return answer(started, put_back())
        # NOTE: a thread (or a timer's signal handler) can patch again right after this
        # handler returns, before the test is compiled: one that kept swapping the shell's
        # compiler passed every test of a notebook of wrong answers. So the kernel gets a
        # moment and is looked at again, and the test is not run when something came back or
        # when a thread runs the notebook's own code.
        found = put_back()
        sleep(0.01 + urandom(1)[0] / 255 * 0.04)  # when the second look comes is not known
        again = [f"{f} (again, while the test waited)" for f in put_back()]
        running = threads_of_the_notebook() + tainted
        in_test[0] = not (again or running)
        if in_test[0]:
            start_watch()
        answer(started, found + again + running, refuse=bool(again or running))

    # NOTE: the look must not run the notebook's code, yet objects of the notebook's that it
    # compares can: a key of the notebook's in the kernel's shell_handlers, whose __eq__ ran as the
    # look compared them with the kept ones, added an AST transformer after the look had passed
    # the transformers by, and the test ran with nothing but its last line (2 points, status
    # review). The look is traced: the notebook's code that runs in it is found (and in the
    # second look, the test is not run).
    ran = []

    def watching(frame, event, arg):
        code = frame.f_code
        if code.co_filename != own_file and student_code(code):
            ran.append(code.co_name)

    # NOTE: what the look drops (a patch it undoes, the finders in the importer cache it clears)
    # can be the last reference to an object of the notebook's, whose weakref finalizer or
    # __del__ then runs inside the look, after the checks it could undo were passed by; a C
    # callable there (`shell.ast_transformers.append`) has no frame to trace. A finder that a
    # thread put in sys.path_importer_cache between the two looks before a test added an AST
    # transformer as the second look cleared the cache (2 points). What a look can drop is
    # held until the next look begins, and let go before its checks, which see what it did.
    graveyard = []

    def held():
        kept = [[getattr(sys, n, None) for n in streams], threading.__dict__.get("_trace_hook"),
                threading.__dict__.get("_profile_hook"), shell.events, events.callbacks]
        kept += [getattr(shell, a, None) for a in namespaces]
        kept += [getattr(o, a, None) for o, a in homes.values()]
        kept += [getattr(o, a, None) for o, a in lists.values()]
        kept += [getattr(o, a, None) for o, a in dicts.values()]
        kept += [getattr(sys, a, None) for a in imports]
        spaces = [vars(obj) for obj in objects.values()] + [vars(m) for m, _ in modules.values()]
        spaces += [namespaces["user_ns"], modules_dict, vars(builtins), vars(_signal), callbacks,
                   importer_cache, *[d for d in dict_objects.values() if d is not None]]
        kept += [list(dict.values(d)) for d in spaces if issubclass(type(d), dict)]
        kept += [list(vars(cls).values()) for cls in {cls for _, cls, _ in methods}]
        for current in [*lists.values(), *imports.values(), *callbacks.values()]:
            current = getattr(*current, None) if type(current) is tuple else current
            kept.append(list(current) if type(current) is list else None)
        return kept

    def put_back():
        found = []
        if sys.gettrace() is not tracing[0] or sys.getprofile() is not tracing[1]:
            found.append("sys.settrace/setprofile was set")
        graveyard.clear()  # (the previous look's: what its finalizers do is seen below)
        setprofile(tracing[1])
        settrace(watching)
        try:
            sweep(found)  # (first: held() looks names up in these dicts)
            graveyard.extend(held())
            put_each_back(found)
        finally:
            settrace(tracing[0])
        if ran:
            found.append(f"the notebook's code ran while the grading guard looked ({ran[0]:.40})")
            ran.clear()
        return found

    def put_each_back(found):
        for name, stream in streams.items():
            if getattr(sys, name) is not stream:
                found.append(f"sys.{name} was replaced")
                setattr(sys, name, stream)
        if getattr(threading, "_trace_hook", None) or getattr(threading, "_profile_hook", None):
            found.append("threading.settrace/setprofile was set")
            threading._trace_hook = threading._profile_hook = None
        for attr, value in namespaces.items():
            if getattr(shell, attr, None) is not value:
                found.append(f"shell.{attr} was replaced")
                setattr(shell, attr, value)
        for label, (owner, attr) in homes.items():
            if getattr(owner, attr, None) is not objects[label]:
                found.append(f"{attr} was replaced")
                setattr(owner, attr, objects[label])
        for label, obj in objects.items():
            mine = instance[label]
            for name in {n for n in vars(obj) if (label, n) in patchable} | set(mine):
                if vars(obj).get(name) is not mine.get(name):
                    found.append(f"{label}.{name} was patched on the instance")
                    if name in mine:
                        setattr(obj, name, mine[name])
                    else:
                        delattr(obj, name)
        for (label, cls, name), value in methods.items():
            if vars(cls).get(name) is not value:
                found.append(f"{cls.__name__}.{name} was replaced")
                setattr(cls, name, value)
        # NOTE: by identity: an element can define __eq__ to equal anything
        for key, (obj, attr) in lists.items():
            current = list_objects[key]
            if current is None:
                continue
            if getattr(obj, attr, None) is not current:
                found.append(f"{key} was replaced")
                setattr(obj, attr, current)
            if not same(current, saved_lists[key]):
                found.append(f"{key} changed")
                current[:] = saved_lists[key]
        for key, (obj, attr) in dicts.items():
            current, saved = dict_objects[key], saved_dicts[key]
            if current is None:
                continue
            if getattr(obj, attr, None) is not current:
                found.append(f"{key} was replaced")
                setattr(obj, attr, current)
            if set(current) != set(saved) or any(current[k] is not v for k, v in saved.items()):
                found.append(f"{key} changed")
                current.clear(); current.update(saved)
        for name in dict.fromkeys(refused):
            found.append(f"{name} was called (refused)")
        refused.clear()
        if shell.events is not events or events.callbacks is not callbacks:
            found.append("shell.events was replaced")
            shell.events, events.callbacks = events, callbacks
        for event, saved in saved_events.items():
            current = callbacks.setdefault(event, [])
            if type(current) is not list:  # (see list_objects)
                found.append(f"callbacks on the {event} event were replaced")
                callbacks[event] = list(saved)
                continue
            if not same(current, saved):
                added = [f for f in current if not any(f is g for g in saved)]
                if not all(plotting(f) for f in added) or len(current) - len(added) < len(saved):
                    found.append(f"callbacks on the {event} event changed")
                parked.append((event, added))
                current[:] = saved
        for key, value in saved_builtins.items():
            if vars(builtins).get(key) is not value:
                found.append(f"builtins.{key} was rebound")
                setattr(builtins, key, value)
        hide_no_builtin(found)
        for module_name, (module, attrs) in modules.items():
            if sys.modules.get(module_name, module) is not module:
                found.append(f"sys.modules[{module_name!r}] was replaced")
                sys.modules[module_name] = module
            for key, value in attrs.items():
                if vars(module).get(key) is not value:
                    found.append(f"{module_name}.{key} was rebound")
                    setattr(module, key, value)
        if vars(_signal).get("signal") is not signal_without_frames:
            found.append("_signal.signal was rebound")
            _signal.signal = signal_without_frames
        if vars(_signal).get("pthread_sigmask") is not mask_without_guard_signals:
            found.append("_signal.pthread_sigmask was rebound")
            _signal.pthread_sigmask = mask_without_guard_signals
        put_data_back(found)
        found += dict.fromkeys(unasked)
        unasked.clear()
        restore_imports(found)

    def put_data_back(found):
        for name, value in names.items():
            if shell.user_ns.get(name) is not value:
                found.append(f"test helper {name!r} was rebound")
                shell.user_ns[name] = value
        for name, value in data.items():
            if shell.user_ns.get(name, data) is not value:
                shell.user_ns[name] = value
        put_contents_back(found)

    def hide_no_builtin(found):
        user_ns = shell.user_ns
        if user_ns.get("__builtins__") is not user_builtins:
            found.append("the notebook's __builtins__ was replaced")
            user_ns["__builtins__"] = user_builtins
        # NOTE: keys by type first: `in` on a set hashes the key, and a key can be any object
        hiding = [k for k in list(user_ns) if type(k) is str and k in builtin_names]
        for key in hiding:
            value = user_ns[key]
            kept = (ipython_names.get(key, hiding), vars(builtins).get(key, hiding))
            if key in names or value is kept[0] or value is kept[1]:
                continue
            del user_ns[key]
            hidden_parked[key] = value  # the notebook's again after the test (see snapshot)
            if callable(value) and not numpy_twin(key, value):  # a number is a naming slip
                found.append(f"the notebook's {key!r} hid builtins.{key} (removed)")

    def numpy_twin(key, value):  # `from numpy import *` binds NumPy's own max, sum, abs...
        # NOTE: removed all the same: NumPy's all(generator) is always true
        for module_name in ("numpy", "math", "minigrad", "torch"):
            module = sys.modules.get(module_name)
            if isinstance(module, types.ModuleType) and vars(module).get(key) is value:
                return True
        return False

    origins = {}  # a file name -> whether it is the notebook's own code

    def notebook_file(name):
        if type(name) is not str:
            return True
        if name not in origins:
            if len(origins) > 10000:  # names compiled by the notebook: keep it bounded
                origins.clear()
            if name[:1] == "<":  # a cell, exec(); not the frozen importlib
                origins[name] = not name.startswith("<frozen ")
            else:
                real = os.path.realpath(name)
                origins[name] = real.startswith(writable) and not real.startswith(libraries)
        return origins[name]

    def student_code(code):
        return notebook_file(code.co_filename)

    # Threads that run the notebook's own code now. One blocked in a queue's put or get or an
    # event's wait (chapter 10's prefetching thread, left with a full queue) is left alone: it
    # only wakes to look, and one that patches when it does is seen by the second look.
    waiting = threading.Condition.wait.__code__

    def threads_of_the_notebook():
        found = []
        for ident, frame in current_frames().items():
            if frame.f_code is waiting:
                continue
            while ident != get_ident() and frame is not None:
                if student_code(frame.f_code):
                    found.append(f"a thread runs the notebook's code ({frame.f_code.co_name})")
                    break
                frame = frame.f_back
        return found

    def restore_imports(found):
        for attr, current in imports.items():
            if getattr(sys, attr) is not current:
                found.append(f"sys.{attr} was replaced")
                setattr(sys, attr, current)
            if not same(current, saved_imports[attr]):
                found.append(f"sys.{attr} changed")
                current[:] = saved_imports[attr]
        # (a finder of the student's own for a library folder; the cache itself by identity, and
        # cleared by dict's own method: a dict subclass's `clear` set to a C function, which no
        # trace sees, added an AST transformer at the end of the second look)
        if sys.path_importer_cache is not importer_cache:
            found.append("sys.path_importer_cache was replaced")
            sys.path_importer_cache = importer_cache
        dict.clear(importer_cache)
        for name, module in loaded.items():
            if sys.modules.get(name, module) is not module:
                found.append(f"sys.modules[{name!r}] was replaced")
                sys.modules[name] = module
        for name, module in list(sys.modules.items()):
            # NOTE: vars(), not getattr: a module's own __getattr__ is the student's code
            if name in loaded or type(module) is not types.ModuleType:
                continue
            str_keys_only(vars(module), f"module {name}", found)
            where = vars(module).get("__file__")
            if type(where) is not str:
                continue
            real = os.path.realpath(where)
            if real.startswith(writable) and not real.startswith(libraries):
                found.append(f"module {name} (from {where}) was unloaded")
                del sys.modules[name]

    def answer(started, found, refuse=False, verdict=None):
        # NOTE: when the handler started (the system's monotonic clock, the worker's too): the
        # worker takes only an answer that began after its signal, not one that was under way
        # (the notebook's code can signal its kernel itself, and time its own signals)
        answers[0] += 1
        verdict = verdict or ("refuse" if refuse else "ok")
        line = "\n%s %s %d %s %.6f %s\n" % ("__TAG__", key, answers[0], verdict, started,
                                            dumps(found[:50]))
        write(log, line.encode())

    signal.signal(signal.SIGUSR1, snapshot)
    signal.signal(signal.SIGUSR2, restore)

    # NOTE: the notebook's code reached the test's frames, and through them its inputs and the
    # reference, by names the review scan cannot see (getattr(sys, "_get" + "frame"), an
    # exception's traceback, a generator, logging.currentframe(), the frame a signal handler is
    # handed, gc.get_objects, ctypes) and could swap a library function's code, defaults or an
    # object's class while a test ran. Audit hooks see every such operation however it is named, and
    # cannot be removed: this one refuses them when the code that asks is the notebook's (a
    # cell, exec(), a file in a folder the student can write), or a library function that hands
    # frames back to it. New audit hooks are refused (one on "exec" runs before every cell), and
    # so is code compiled under a library's file name (or this cell's), which would pass for it.
    import _signal
    own_file = sys._getframe(0).f_code.co_filename
    getframe, main_ident = sys._getframe, threading.main_thread().ident
    relays = frozenset(("inspect", "traceback", "bdb", "pdb", "signal", "ctypes",
                        "IPython.utils.frame"))
    frame_attributes = frozenset(("tb_frame", "gi_frame", "cr_frame", "ag_frame"))
    # (the trace setters too: the originals that refusing() keeps are in its closure, where
    # `sys.settrace.__closure__` found the real one, and a trace function jumped past a check)
    refused_events = frozenset(("sys._getframe", "sys._current_frames", "gc.get_objects",
                                "gc.get_referrers", "gc.get_referents", "marshal.load",
                                "marshal.loads", "object.__setattr__", "object.__delattr__",
                                "sys.settrace", "sys.setprofile", "sys._settraceallthreads",
                                "sys._setprofileallthreads", "sys.monitoring.register_callback"))
    inside = set()  # threads now in the hook: its own frame lookups are audited too

    def asked_by_the_notebook(spelled):
        try:
            return notebook_frame(getframe(2), spelled)  # the caller of the audited operation,
        except Exception:  # or of _signal.signal; none, or the recursion limit: refuse, not guess
            return True

    # NOTE: a library function that calls what it was handed asks for nothing itself: a thread's
    # target (threading.Thread(target=sys._current_frames), a pool's submit) or
    # numpy.vectorize(sys._getframe) ran the operation from a library's frame, taken for the
    # library's own call, and handed the answer the test's frames (2 points, status ok). The first
    # library frame owns the operation only if its code names what it called (spelled: the
    # operation, or the relay below it) or is the relay's module; else whoever handed it asks. A
    # thread whose frames never show who that was (its target handed by the notebook, or started
    # with _thread) is the notebook's. (spelled None: the first library frame owns it, as the
    # import system's helper that calls compile for it.)
    def notebook_frame(frame, spelled):
        handed, below = False, None
        while frame is not None:
            code = frame.f_code
            if code.co_filename == own_file:
                return False
            if student_code(code):
                return True
            name = dict.get(frame.f_globals, "__name__")
            relay = type(name) is str and (name in relays or name == "logging"
                                           and code.co_name in ("currentframe", "<lambda>"))
            if not relay and not handed:
                if spelled is None or frame.f_globals is below:
                    return False
                if not spelled.isdisjoint(code.co_names):
                    return False
                handed = True
            qualname = getattr(code, "co_qualname", code.co_name)  # (Python 3.11+)
            below, spelled = frame.f_globals, frozenset(str.split(qualname, "."))
            frame = frame.f_back
        return get_ident() != main_ident

    def compiled_as(filename):
        if type(filename) is bytes:
            filename = os.fsdecode(filename)
        return type(filename) is str and filename != own_file and notebook_file(filename)

    class_dict = type.__dict__["__dict__"].__get__
    function_code = types.FunctionType.__code__.__get__

    def notebook_owned(target):
        # NOTE: read through the base types' own descriptors: a metaclass or a subclass can
        # lie in its __getattribute__
        if isinstance(target, type):
            return class_dict(target).get("__module__") == "__main__"
        if type(target) is types.FunctionType:  # (this cell's own functions are not the notebook's)
            code = function_code(target)
            return student_code(code) and code.co_filename != own_file
        return False

    def audit(event, args):
        if event == "exec":  # (each top-level statement of a cell, as IPython runs it)
            me = get_ident()
            if in_test[0] and me not in inside:
                inside.add(me)
                try:
                    statement_starts(getframe(1))
                finally:
                    inside.discard(me)
            return
        if event == "sys.addaudithook":
            refused.append(event)
            raise RuntimeError("minigrad-course grading refuses audit hooks")
        if event == "object.__getattr__":
            if args[1] not in frame_attributes:
                return
        elif event == "compile" or event == "code.__new__":
            if compiled_as(args[1]):
                return
        elif event not in refused_events and event[:7] != "ctypes.":
            return
        elif event[:7] == "object." and args[1] != "__class__" and notebook_owned(args[0]):
            return  # a student's own class or function (Value.__add__ = add): theirs to change
        me = get_ident()
        if me in inside:
            return
        if event[:7] == "object.":
            spelled = frozenset((str(args[1]), "getattr", "setattr", "delattr"))
        elif event in ("compile", "code.__new__") or event[:7] == "ctypes.":
            spelled = None
        else:  # sys._getframe: _getframe
            spelled = frozenset((str.rpartition(event, ".")[2],))
        inside.add(me)
        try:
            theirs = asked_by_the_notebook(spelled)
        finally:
            inside.discard(me)
        if theirs:
            name = event if event[:7] != "object." else f"{event[7:]}({args[1]!s:.40})"
            refused.append(name)
            raise RuntimeError(f"minigrad-course grading refuses {name} in the notebook's code: "
                               "tests cannot be checked fairly when answers look at frames, "
                               "the heap or change code objects")

    # A handler the notebook installs is handed the frame the signal interrupted (a timer's
    # signal lands inside a test): it gets None instead. The guard's own signals are not the
    # notebook's to handle, ignore or block: with its look after a locked cell silenced, a name
    # that a later given cell bound was never recorded, and a test ran with the answer's.
    install, mask = _signal.signal, _signal.pthread_sigmask
    guard_signals = frozenset((int(signal.SIGUSR1), int(signal.SIGUSR2)))

    def signal_number(value):  # (an object of the notebook's could say one number, then another)
        return int(value) if type(value) is int or type(value) is signal.Signals else None

    def refuse_guard_signal(what):
        refused.append(what)
        raise RuntimeError(f"minigrad-course grading refuses {what}: the grading guard's "
                           "signals (SIGUSR1, SIGUSR2) are its own")

    def signal_without_frames(signalnum, handler):
        if asked_by_the_notebook(frozenset(("signal",))):
            number = signal_number(signalnum)
            if number is None or number in guard_signals:
                refuse_guard_signal("signal.signal of the guard's signal")
            signalnum = number
            if callable(handler):
                theirs = handler
                def handler(signum, frame):
                    return theirs(signum, None)
        return install(signalnum, handler)

    def mask_without_guard_signals(how, signals):
        if asked_by_the_notebook(frozenset(("pthread_sigmask",))):
            numbers = [signal_number(s) for s in signals]
            how = int(how) if type(how) is int or type(how) is signal.Sigmasks else None
            if how != signal.SIG_UNBLOCK and (None in numbers or how is None
                                              or not guard_signals.isdisjoint(numbers)):
                refuse_guard_signal("signal.pthread_sigmask of the guard's signal")
            signals = numbers
        return mask(how, signals)

    _signal.signal = signal_without_frames
    _signal.pthread_sigmask = mask_without_guard_signals

    # A graded test counts as passed only if its last line ran: the worker appends a call of
    # this function with a fresh nonce, and it answers only from that line's own frame (the
    # cell's last statement, run by the kernel's one running cell on the main thread). A
    # patch of the kernel's replies that put itself back (an error shown as "ok") passed tests.
    cell_runner = type(shell).run_cell_async.__code__

    def reached_end(nonce):
        frame = getframe(1)
        code = frame.f_code
        ends = max((line for _, _, line in code.co_lines() if line), default=None)
        runs = cells = 0
        up = frame.f_back
        while up is not None:
            runs += up.f_code is running_cell
            cells += up.f_code is cell_runner
            up = up.f_back
        last = (code.co_name == "<module>" and frame.f_lineno == ends and runs == cells == 1
                and frame.f_back is not None and frame.f_back.f_code is running_cell)
        if last and get_ident() == main_ident and type(nonce) is str and len(nonce) <= 64:
            in_test[0] = False
            look_at_builtins()  # (see statement_starts)
            found = end_watch()
            if found:
                changed_while_testing.extend(found)  # the evidence (see snapshot)
                raise RuntimeError("minigrad-course grading: the library changed while the test "
                                   f"ran ({'; '.join(found[:3])}): the test does not count")
            answer(monotonic(), [nonce], verdict="done")

    # A library module's attribute set while a test runs, by the notebook's code, and put back
    # by the patch itself on its first use (builtins.abs, reached as `len.__self__`, saying 0.0;
    # minigrad.testing.close.close_mask saying "all close"), left nothing for the guard before
    # the test or the test's closing assert_untampered to see: every such module (builtins, and
    # those of the names the locked cells bind: numpy, minigrad...) gets a class whose
    # __setattr__ and __delattr__ refuse the notebook's code while a graded test runs, also when
    # it asks through a library function (unittest.mock, functools) that is not one of these.
    trusted = frozenset(("minigrad", "minigrad_course", "numpy", "importlib", "IPython",
                         "ipykernel", "_frozen_importlib", "_frozen_importlib_external"))

    # The library's own write is one its code spells (`x.name = value`, `del x.name`, a call of
    # setattr or delattr that it names): numpy.vectorize(setattr) set a module's attribute for
    # the notebook from NumPy's frame (a self-restoring close_mask, taken for NumPy's own write).
    # A library frame that calls a callable it was handed is looked through to whoever called it.
    import opcode
    attribute_writes = frozenset((opcode.opmap["STORE_ATTR"], opcode.opmap["DELETE_ATTR"]))
    setter_names = frozenset(("setattr", "delattr", "__setattr__", "__delattr__"))

    def writes_itself(frame):
        code = frame.f_code
        return (code.co_code[frame.f_lasti] in attribute_writes
                or not setter_names.isdisjoint(code.co_names))

    def changed_by_the_notebook(own):
        # (own: the globals of the module's own code: warnings.catch_warnings sets its filters)
        try:
            frame = getframe(3)  # whoever set the attribute (2: the __setattr__ of its class)
            handed = frame is not None and not writes_itself(frame)
            while frame is not None:
                code = frame.f_code
                if code.co_filename == own_file:
                    return False
                if student_code(code):
                    return True
                name = dict.get(frame.f_globals, "__name__")
                library = type(name) is str and str.partition(name, ".")[0] in trusted
                if not handed and (frame.f_globals is own or library):
                    return False
                frame = frame.f_back
            # (a thread's frames that never showed who asked: see notebook_frame)
            return get_ident() != main_ident
        except Exception:  # the recursion limit: refuse, not guess
            return True

    def refuse_change(owner, own, name):
        if in_test[0] and changed_by_the_notebook(own):
            what = f"setting {owner}.{name!s:.40}"
            refused.append(what)
            raise RuntimeError(f"minigrad-course grading refuses {what} in the notebook's code "
                               "while a test runs: tests cannot be checked fairly when answers "
                               "change the libraries they use")

    def allowed(target, change, name, *value):
        # A change the library makes while a test runs: any other change before it (see
        # start_watch) is recorded first, and this one becomes the new baseline. The value it
        # replaces lives until then: its __del__ cannot change the target unseen in between.
        kept = vars(target).get(name)
        look_at(target)
        change(target, name, *value)
        look_at(target, rebase=True)
        del kept

    module_setattr, module_delattr = types.ModuleType.__setattr__, types.ModuleType.__delattr__

    def module_name(module):
        return dict.get(vars(module), "__name__")

    class LibraryModule(types.ModuleType):
        # NOTE: not "__main__" (this cell's), which the audit hook takes for the notebook's own
        # class, free to change: `type(np).__setattr__ = ...` would have undone this
        __module__ = "minigrad_course.sandbox"
        __slots__ = ()

        def __setattr__(self, name, value):
            refuse_change(module_name(self), vars(self), name)
            allowed(self, module_setattr, name, value)

        def __delattr__(self, name):
            refuse_change(module_name(self), vars(self), name)
            allowed(self, module_delattr, name)

    # The same for a library class (chapter 06's MySGD replaced minigrad.optim.SGD's step while
    # the test ran and put it back before the test's end: the reference was wrong too, 3
    # points). Setting a class's attribute raises no audit event, and the class of `SGD` is
    # `type`, whose __setattr__ nothing can replace: while a graded test runs, the pure-Python
    # classes of the watched modules have a metaclass of ours instead (written where CPython
    # keeps an object's type, as __class__ assignment refuses `type`). Only while a test runs:
    # a class the notebook derives from one of them gets this metaclass too, which does not mix
    # with another (`class Steps(SGD, abc.ABC)`). The library's own writes (minigrad keeps state
    # in class attributes: RemovableHandle._next_id, Optimizer._step_hooked) are let through.
    type_setattr, type_delattr = type.__setattr__, type.__delattr__

    qualname = type.__dict__["__qualname__"].__get__

    def class_name(cls):
        return f"{class_dict(cls).get('__module__')}.{qualname(cls)}"

    def module_of(cls):
        module = sys.modules.get(class_dict(cls).get("__module__"))
        return vars(module) if isinstance(module, types.ModuleType) else None

    class LibraryClass(type):
        __module__ = "minigrad_course.sandbox"
        __slots__ = ()

        def __setattr__(cls, name, value):
            if id(cls) not in classes:  # the notebook's own class (a subclass), or a new one
                return type_setattr(cls, name, value)
            refuse_change(class_name(cls), module_of(cls), name)
            allowed(cls, type_setattr, name, value)

        def __delattr__(cls, name):
            if id(cls) not in classes:
                return type_delattr(cls, name)
            refuse_change(class_name(cls), module_of(cls), name)
            allowed(cls, type_delattr, name)

    # NOTE: setting a class's attribute is not audited (only __class__, __bases__, __name__...):
    # `type(np).__setattr__ = ...`, before a test or during it, undid the refusal. Both classes
    # are marked immutable, as a C type is (type.__setattr__ then refuses every change); the
    # flags word is where CPython keeps it (tp_flags), checked against __flags__ before it is
    # written. The other fields read here are checked on a class and a dict of our own first.
    import ctypes
    word = ctypes.sizeof(ctypes.c_void_p)
    layout = True
    for guard_class in (LibraryModule, LibraryClass):
        flags = ctypes.c_ulong.from_address(id(guard_class) + 21 * word)
        layout = layout and flags.value == guard_class.__flags__
        if layout:  # (a build with another layout: left as it is)
            flags.value |= 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE

    def guard_module(module):
        if type(module) is types.ModuleType:
            module.__class__ = LibraryModule

    # type.__setattr__(SGD, "step", ...) asks no metaclass, nor does vars(module)[name] = ...
    # (or a function's __globals__) ask the module's class: such a change is seen afterwards, by
    # the version CPython gives a class (tp_version_tag, new after any change of it or of a base)
    # and a dict (ma_version_tag, new after any change: a patch put back has a new one). Checked
    # at the test's last line: a change that no class of ours let through fails the test. Not
    # checked: builtins (IPython adds names to its dict around every cell) and a module whose
    # functions rebind its globals (`global`, `globals()`).
    import re
    classes = {}  # id -> a pure-Python class of a watched module (its metaclass `type`)
    steady = {}  # name -> a watched module whose dict only its class changes
    tags, versions = {}, {}  # baselines while a test runs: class id -> tag, module name -> version
    changed_while_testing = []
    rebinds = re.compile(rb"(?m)^[ \t]*global[ \t]|globals\(")
    import marshal
    global_writes = frozenset((opcode.opmap["STORE_GLOBAL"], opcode.opmap["DELETE_GLOBAL"]))
    item_writes = frozenset((opcode.opmap["STORE_SUBSCR"], opcode.opmap["DELETE_SUBSCR"]))
    writers = frozenset(("update", "setdefault", "pop", "popitem", "clear", "exec",
                         "__setitem__", "__delitem__"))
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]

    def version_tag(cls):
        getattr(cls, "__minigrad_version_probe__", None)  # a lookup gives it a tag again
        return ctypes.c_uint.from_address(id(cls) + 48 * word).value

    def dict_version(d):
        return ctypes.c_uint64.from_address(id(d) + 3 * word).value

    class Probe:
        pass

    probe = {}
    tag, version = version_tag(Probe), dict_version(probe)
    type_setattr(Probe, "x", 1)
    probe["x"] = 1
    layout = layout and tag != version_tag(Probe) and version != dict_version(probe)

    def watch(module):
        name = module.__name__
        for value in list(vars(module).values()):
            if (layout and type(value) is type and class_dict(value).get("__module__") == name
                    and value.__flags__ & (1 << 9) and not value.__flags__ & (1 << 8)):
                classes[id(value)] = value  # (a heap type, not immutable)
        path = vars(module).get("__file__")
        if layout and type(module) is LibraryModule and type(path) is str:
            if path.endswith(".py") and not rebinds_its_globals(path):
                steady[name] = module

    def rebinds_its_globals(path):
        # The source first (most modules never name `global`); where it does, the functions'
        # compiled code (module-level code only ran at import: minigrad's own loop over
        # globals() did), from the library's cached bytecode when it matches the source.
        try:
            with open(path, "rb") as f:
                source = f.read()
            if b"global" not in source or rebinds.search(source) is None:  # (fast, then exact)
                return False
            info = os.stat(path)
            expected = [0, int(info.st_mtime) & 0xFFFFFFFF, info.st_size & 0xFFFFFFFF]
            try:
                with open(importlib.util.cache_from_source(path), "rb") as f:
                    data = f.read()
            except OSError:
                data = b""
            header = [int.from_bytes(data[i:i + 4], "little") for i in (4, 8, 12)]
            if header == expected and len(data) > 16:
                todo = [marshal.loads(data[16:])]
            else:  # (no bytecode cached: an editable install)
                todo = [compile(source, path, "exec", dont_inherit=True)]
        except (OSError, ValueError, EOFError, TypeError, SyntaxError):
            return True
        top = todo[0]
        while todo:
            code = todo.pop()
            todo.extend(c for c in code.co_consts if type(c) is types.CodeType)
            if code is top:
                continue
            ops = set(code.co_code[::2])
            if ops & global_writes:
                return True
            # globals() only read (NumPy's __dir__) is no change
            if "globals" in code.co_names and (ops & item_writes or not writers.isdisjoint(
                    code.co_names)):
                return True
        return False

    def below(cls):  # the watched classes a change of cls gives a new tag: cls and its subclasses
        found, todo = [], [cls]
        while todo:
            one = todo.pop()
            if id(one) in tags and not any(one is f for f in found):
                found.append(one)
            todo.extend(type.__subclasses__(one))
        return found

    # The dict of builtins changes around every cell (ipykernel's `input`, IPython's `exit`),
    # but not while a statement of the test runs: its version is taken when the test's first
    # statement starts and compared as each next one starts, and at its last line (a test that
    # failed is torn down before the guard's next look). `vars(builtins)["abs"] = ...`, put back
    # on its last use, made chapter 00's abs(s - 10.0) < 1e-4 pass a slope_at of 0.0; and
    # `__import__` put back to Python's own skipped the check of sys.modules above.
    def statement_starts(frame):
        # (exec() by the kernel's one running cell: not by an answer, nor a run_code of its own)
        if frame is None or frame.f_code is not running_cell:
            return
        runs, up = 0, frame
        while up is not None:
            runs += up.f_code is running_cell
            up = up.f_back
        if runs == 1:
            look_at_builtins()

    def look_at_builtins():
        # (not on a write by the library, which look_at takes as a new baseline: ipykernel puts
        # `input` back as a failed test's cell ends, and code can make it set `input` at will)
        if not layout:
            return
        now, before = dict_version(vars(builtins)), versions.get("builtins")
        if before is not None and now != before:
            changed_while_testing.append("builtins was changed through its __dict__")
        versions["builtins"] = now

    def look_at(target, rebase=False):
        if not tags and not versions:  # no test runs
            return
        if isinstance(target, type):
            for cls in below(target):
                now, before = version_tag(cls), tags.get(id(cls), None)
                if now != before and before is not None and not rebase:
                    changed_while_testing.append(f"{class_name(cls)} was changed unseen")
                tags[id(cls)] = now
            return
        name = module_name(target)
        before = versions.get(name, None)
        if before is not None and steady.get(name) is target:
            now = dict_version(vars(target))
            if now != before and not rebase:
                changed_while_testing.append(f"{name} was changed through its __dict__")
            versions[name] = now

    def start_watch():
        changed_while_testing.clear()
        for cls in classes.values():
            if type(cls) is type:
                incref(LibraryClass)  # (never given back: a class freed later drops one)
                ctypes.c_void_p.from_address(id(cls) + word).value = id(LibraryClass)
            tags[id(cls)] = version_tag(cls)
        for name, module in steady.items():
            # NOTE: a warning issued from a module's code puts a registry in its dict (NumPy's
            # std of one value, ddof=1, did so in numpy._core._methods): there from the start
            vars(module).setdefault("__warningregistry__", {})
            versions[name] = dict_version(vars(module))

    def end_watch():
        if not tags and not versions:
            return []
        found = list(changed_while_testing)
        for key, cls in classes.items():
            if key in tags and version_tag(cls) != tags[key]:
                found.append(f"{class_name(cls)} was changed unseen (type.__setattr__?)")
        for name, module in steady.items():
            if name in versions and dict_version(vars(module)) != versions[name]:
                found.append(f"{name} was changed through its __dict__")
        tags.clear()
        versions.clear()
        changed_while_testing.clear()
        for cls in classes.values():
            if type(cls) is LibraryClass:
                ctypes.c_void_p.from_address(id(cls) + word).value = id(type)
        return list(dict.fromkeys(found))

    guard_module(builtins)
    # NOTE: a library is recorded as it is before any student code runs: recorded after the
    # locked cell that binds it, what a cell the student put above the setup cell had patched
    # (numpy.allclose saying "all close") was taken for the library's own and put back before each
    # test (2 points, status ok). So the modules the locked cells import are imported here, and
    # put back before each locked cell too (what a given cell computes is the original's).
    for name in libraries_used:
        try:
            importlib.import_module(name)
        except Exception:  # (the locked cell's own import says what is wrong)
            continue
    packages = {str.partition(name, ".")[0] for name in libraries_used}
    for name, module in list(sys.modules.items()):
        if str.partition(name, ".")[0] in packages and type(module) is types.ModuleType:
            remember_module(module)
    shell.user_ns[__END_NAME__] = reached_end
    names[__END_NAME__] = reached_end
    sys.addaudithook(audit)
    # NOTE: the worker signals the process, and any of its threads may take the signal: taken
    # by a thread of zmq's or ipykernel's, it left the main thread asleep in the event loop, and
    # the guard answered when a message next woke it (30 s later: a test lost). A byte on a
    # pipe that the loop watches wakes it (unless a wakeup descriptor was set already).
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    before = signal.set_wakeup_fd(wake_w)
    if before == -1:
        asyncio.get_event_loop().add_reader(wake_r, os.read, wake_r, 4096)
    else:  # the loop's own, which wakes it already
        signal.set_wakeup_fd(before)
        os.close(wake_r)
        os.close(wake_w)
# NOTE: run with globals of its own, and a copy of the builtins: a function defined in a cell
# looks its globals and builtins up in the notebook's namespace, where a name of the notebook's
# (`vars`, `getattr`, `isinstance`) hid the builtin the guard used to look for what to undo.
import builtins as _minigrad_builtins
import types as _minigrad_types

_minigrad_types.FunctionType(
    _minigrad_guard.__code__,
    {"__builtins__": dict(vars(_minigrad_builtins)), "__name__": "minigrad_course.guard",
     "get_ipython": get_ipython},
)(__BOUND__, __GIVEN__, __MODULES__, __KEY_FILE__, __REQUESTS_FILE__)
del _minigrad_guard, _minigrad_builtins, _minigrad_types
"""


@dataclass
class Limits:
    """Resource limits for one notebook run (None: no limit)."""

    timeout: float = 600.0  # wall-clock seconds for the whole notebook
    cell_timeout: float | None = 120.0  # a cell running longer is interrupted
    memory_mb: int | None = 2048  # address space of each process, and memory of them all
    max_procs: int = 32  # processes the student's code may have at once
    output_kb: int = 1024  # printed output kept per notebook
    file_mb: int | None = 256  # largest file the student's code may write


@dataclass
class RunResult:
    """Outcome of a notebook run: one record per executed code cell, plus run-level flags."""

    cells: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # timeout, kernel-died, process-limit, ...
    error: str | None = None
    kernel_log: str = ""
    evidence: list[str] = field(default_factory=list)  # what the guard had to undo


def clean_traceback(lines: list[str]) -> str:
    """A traceback as plain text (no colour codes), cut to its last TRACEBACK_CHARS."""
    text = _ANSI.sub("", "\n".join(lines or []))
    return text if len(text) <= TRACEBACK_CHARS else "...\n" + text[-TRACEBACK_CHARS:]


def cell_record(index: int, reply: dict[str, Any]) -> dict[str, Any]:
    """A JSON-able summary of one cell's execute_reply."""
    content = reply.get("content", {})
    record = {"index": index, "status": content.get("status", "error")}
    if record["status"] != "ok":
        record["ename"] = str(content.get("ename", "Error"))[:200]
        record["evalue"] = str(content.get("evalue", ""))[:TRACEBACK_CHARS]
        record["traceback"] = clean_traceback(content.get("traceback", []))
    return record


class _Client(NotebookClient):
    """nbclient that keeps no outputs and no widget state (only counts their bytes): replies
    carry what grading needs. With a guard, graded tests run only after it answered."""

    output_bytes = 0
    output_capped = False
    guard: Guard | None = None
    shown_errors: dict[int, dict] | None = None  # cell index -> the first error it showed

    def output(self, outs, msg, display_id, cell_index):  # noqa: D102 (nbclient's hook)
        content = msg.get("content", {})
        self.output_bytes += len(json.dumps(content, default=str))
        if msg.get("msg_type") == "error" and self.shown_errors is not None:
            self.shown_errors.setdefault(cell_index, content)
        if _CAP_NOTICE in str(content.get("text", "")):
            self.output_capped = True
        return None

    def handle_comm_msg(self, outs, msg, cell_index):  # noqa: D102 (nbclient's hook)
        # NOTE: nbclient would keep every widget's state and binary buffers for the life of the
        # run; grading saves no widgets, so a comm message is counted like output and dropped.
        buffers = sum(len(b) for b in msg.get("buffers") or [])
        self.output_bytes += len(json.dumps(msg.get("content", {}), default=str)) + buffers

    async def async_execute_cell(self, cell, cell_index, execution_count=None, **kwargs):  # noqa: D102
        guard = self.guard
        if guard is not None and not await guard.before(cell_index):
            reply = {"content": {"status": "error", "ename": "GradingGuard", "traceback": []}}
            reply["content"]["evalue"] = "not run: the grading guard could not check the kernel"
            await run_hook(
                self.on_cell_executed, cell=cell, cell_index=cell_index, execute_reply=reply
            )
            return cell
        if guard is not None and cell_index in guard.restore_before:
            cell.source = guard.mark_end(cell_index, cell.source)
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, **kwargs)
        except (CellControlSignal, DeadKernelError):
            raise
        except Exception as exc:  # a message from the kernel that nbclient could not process
            reply = {"content": {"status": "error", "ename": "GradingError", "traceback": []}}
            reply["content"]["evalue"] = (
                f"the kernel sent a message the grader could not read ({type(exc).__name__})"
            )
            await run_hook(
                self.on_cell_executed, cell=cell, cell_index=cell_index, execute_reply=reply
            )
        if guard is not None and not await guard.after(cell_index):
            reply = {"content": {"status": "error", "ename": "GradingGuard", "traceback": []}}
            reply["content"]["evalue"] = "not passed: the cell had not finished when it replied"
            await run_hook(
                self.on_cell_executed, cell=cell, cell_index=cell_index, execute_reply=reply
            )
        return cell


class Guard:
    """The worker's side of the interception guard (see _GUARD_SETUP): signal the kernel
    around graded cells and read its answers from the kernel log, through the worker's fd."""

    _LINE = re.compile(
        rb"^" + GUARD_TAG.encode() + rb" (\S*) (\d+) (ok|refuse|done) ([0-9]+\.[0-9]+) (.*)$"
    )

    def __init__(
        self,
        log_fd: int,
        requests_fd: int,
        pid: Callable[[], int | None],
        restore_before,
        snapshot_after,
        key: str,
        given=(),
    ):
        self.log_fd, self.pid, self.key = log_fd, pid, key.encode()
        self.requests_fd, self.asked = requests_fd, 0
        self.restore_before, self.snapshot_after = set(restore_before), set(snapshot_after)
        self.given = set(given)  # locked cells that are not graded: their data is put back too
        self.offset = 0
        # NOTE: (when the guard's handler started, its verdict: True for ok) of each answer. An
        # answer is matched to a signal by starting after it, not by its number: the notebook's
        # code can signal its own kernel (os.kill), and answers numbered ahead made the worker
        # read the verdict of an old answer and run a test the guard had refused.
        self.verdicts: list[tuple[float, bool]] = []
        self.evidence: list[str] = []
        self.nonces: dict[int, str] = {}  # graded cell index -> the nonce of its last line
        self.ended: set[str] = set()  # nonces whose line ran (see reached_end in the setup)

    def mark_end(self, cell_index: int, source: str) -> str:
        """The test's source with a last line that tells the guard the test ran to its end."""
        nonce = self.nonces[cell_index] = secrets.token_hex(8)
        return f"{source}\n{END_NAME}({nonce!r})\n"

    def ran_to_end(self, cell_index: int) -> bool:
        """Whether the graded test's last line ran (its reply can be forged by the cell)."""
        self._scan()
        return self.nonces.get(cell_index) in self.ended

    async def before(self, cell_index: int) -> bool:
        """Put the known routes back before a graded test (the helpers and data the locked cells
        bound, before a given cell); False: the guard did not answer, or said that the kernel
        could not be made safe for the test."""
        if cell_index in self.given:
            await self._ask(signal.SIGUSR2, cell_index)  # (a given cell runs all the same)
            return True
        return cell_index not in self.restore_before or await self._ask(signal.SIGUSR2, cell_index)

    async def after(self, cell_index: int) -> bool:
        """Record the helpers a locked cell bound, before any student code runs again; False
        when a graded test had not really finished (the kernel still ran it, or was dead)."""
        if cell_index not in self.snapshot_after:
            return True
        finished = await self._ask(signal.SIGUSR1, cell_index)
        if cell_index not in self.restore_before:
            return True
        if not _alive(self.pid()):
            self.evidence.append(f"cell {cell_index}: the kernel died after its reply")
            return False
        return finished

    async def _ask(self, signum: int, cell_index: int) -> bool:
        pid = self.pid()
        if not _alive(pid):  # a dead kernel is nbclient's to report, not a guard failure
            return True
        self._scan()  # what came before (its evidence), then only the answers to this signal
        self.verdicts.clear()
        sent = time.monotonic()
        # NOTE: the request first, then the signal: the guard acts only on a signal the worker
        # asked for (the notebook's code can signal its kernel itself)
        self.asked += 1
        request = f"{self.asked} {int(signum)} {cell_index}\n".ljust(64)
        os.pwrite(self.requests_fd, request.encode(), 0)
        os.kill(pid, signum)
        deadline = sent + GUARD_SECONDS
        while time.monotonic() < deadline:
            self._scan()
            answers = [ok for started, ok in self.verdicts if started >= sent]
            if answers:
                return all(answers)
            if not _alive(pid):
                return True
            await asyncio.sleep(0.002)
        self.evidence.append("the grading guard did not answer (its signal handler replaced?)")
        return False

    def _scan(self) -> None:
        size = os.fstat(self.log_fd).st_size
        if size - self.offset > 2**24:  # a flooded log: only its end can hold the answer
            self.offset = size - 2**20
        data = os.pread(self.log_fd, size - self.offset, self.offset)
        end = data.rfind(b"\n") + 1
        self.offset += end
        for line in data[:end].splitlines():
            if not line.startswith(GUARD_TAG.encode()):
                continue
            match = self._LINE.match(line)
            if match is None or match.group(1) != self.key:
                forged = "a forged answer of the grading guard was written to stderr"
                if forged not in self.evidence:  # once, however many lines
                    self.evidence.append(forged)
            elif match.group(3) == b"done":
                with contextlib.suppress(ValueError):
                    found = json.loads(match.group(5))
                    self.ended.update(str(f) for f in found[:1] if isinstance(found, list))
            else:
                self.verdicts.append((float(match.group(4)), match.group(3) == b"ok"))
                with contextlib.suppress(ValueError):
                    found = json.loads(match.group(5))
                    self.evidence += [str(f)[:200] for f in found if isinstance(found, list)]


class _SandboxKernelManager(AsyncKernelManager):
    """Starts an ipykernel (this interpreter's, or the grading runtime's) behind an optional
    command prefix (the jail); its client refuses oversized messages."""

    prefix: list[str] = []
    python: str = sys.executable
    replies: Replies | None = None  # of the client made last

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = [self.python, "-m", "ipykernel_launcher", "-f", self.connection_file]
        return list(self.prefix) + command + list(extra_arguments or [])

    def client(self, **kwargs):  # noqa: D102
        kc = super().client(**kwargs)
        kc.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)  # its own context: no one else
        kc.context.setsockopt(zmq.RCVHWM, _QUEUED)
        self.replies = kc.replies = Replies()
        kc.execute = kc.replies.sending(kc.execute)
        kc.session.deserialize = _dropping_unreadable(kc.session.deserialize, kc.replies)
        return kc


class Replies:
    """Every execute_reply and error message the kernel sent for each request of ours, for the
    whole run: nbclient reads a cell's messages until its first reply and status idle only.

    # NOTE: code in the kernel holds its sockets and key: an answer sent a reply "ok" and a status
    # "idle" for the test that called it, and the test's real error came after nbclient had moved
    # on (the test passed). A request answered twice, or with an error anywhere, did not pass.
    """

    def __init__(self):
        self.sent: set[str] = set()
        self.statuses: dict[str, list] = {}
        self.errors: set[str] = set()

    def sending(self, execute):
        def send(*args, **kwargs):
            msg_id = execute(*args, **kwargs)
            self.sent.add(msg_id)
            return msg_id

        return send

    def saw(self, msg: dict) -> None:
        parent = msg["parent_header"].get("msg_id")
        if type(parent) is not str or parent not in self.sent:
            return
        kind = msg["header"].get("msg_type")
        if kind == "execute_reply":
            statuses = self.statuses.setdefault(parent, [])
            if len(statuses) < 4:  # bounded: a second one is all it takes
                statuses.append(msg.get("content", {}).get("status"))
        elif kind == "error":
            self.errors.add(parent)

    def contradicted(self, msg_id: str) -> bool:
        """Whether the request had a reply other than its one "ok", or showed an error."""
        return self.statuses.get(msg_id, ["ok"]) != ["ok"] or msg_id in self.errors


def _dropping_unreadable(deserialize, replies: Replies):
    """Session.deserialize that turns a message it cannot read (JSON nested 200,000 deep, a
    bad signature, a header that is not an object: student code can write to the kernel's
    sockets) into one that answers no request, instead of an exception that ends the run; each
    message read is shown to replies."""

    def dropped() -> dict:
        parts = ("header", "parent_header", "metadata", "content")
        return {**{part: {} for part in parts}, "buffers": [], "msg_id": "", "msg_type": ""}

    def read(msg_list, content=True, copy=True):
        try:
            msg = deserialize(msg_list, content=content, copy=copy)
        except (ValueError, TypeError, KeyError, RecursionError):
            return dropped()
        parts = (msg.get("header"), msg.get("parent_header"), msg.get("content", {}))
        if not all(isinstance(part, dict) for part in parts):
            return dropped()
        replies.saw(msg)
        return msg

    return read


def _alive(pid: int | None) -> bool:
    try:
        return pid is not None and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _kernel_pid(km: AsyncKernelManager) -> int | None:
    process = getattr(km.provisioner, "process", None) if km.provisioner else None
    return getattr(process, "pid", None)


# Descriptors each process of the notebook may hold (a kernel holds about 65). It inherited the
# grader's hard limit (20,000 on the machine measured; 1,048,576 in many containers), and a
# descriptor can hold kernel memory that no process's size shows: a socket pair with full
# buffers holds about 200 kB a descriptor (1,000 pairs: 195 MB, in a process of 13 MB), so 4 GB
# a process outside every memory limit; and 32 processes of a million descriptors each are more
# than the system's table of open files holds (2.4 million there) for every user.
OPEN_FILES = 256
# The shared temporary folders that are memory on most systems (tmpfs), which a grading kernel
# gets empty and of its own, of this size (see jail.private_tmpfs). Python's multiprocessing
# keeps its semaphores in /dev/shm; joblib uses it only when it has 2 GB free.
PRIVATE_TMPFS, PRIVATE_TMPFS_MB = ["/dev/shm", "/run/lock"], 64
CGROUP_MARGIN_MB = 256  # a notebook's memory cgroup holds --memory-mb and this much more


@dataclass
class Jail:
    """How to confine the kernel: limits always; a uid/gid (when root) and a private scratch
    directory (HOME, connection file, a minimal environment) when grading."""

    uid: int | None = None
    gid: int | None = None
    scratch: Path | None = None
    cgroup: str | None = None  # a memory cgroup the kernel joins (jail.memory_cgroup)

    def prefix(self, limits: Limits, connection_file: str) -> list[str]:
        config: dict[str, Any] = {"memory_mb": limits.memory_mb, "file_mb": limits.file_mb}
        config.update(open_files=OPEN_FILES, cgroup=self.cgroup)
        if self.uid is not None:
            config.update(uid=self.uid, gid=self.gid, chown=[connection_file, str(self.scratch)])
            config.update(tmpfs=PRIVATE_TMPFS, tmpfs_mb=PRIVATE_TMPFS_MB)
            config["nproc"] = limits.max_procs + 96  # threads count too
        else:
            config["nproc"] = _tasks_of_uid(os.getuid()) + limits.max_procs + 96
        return [sys.executable, "-m", "minigrad_course.jail", json.dumps(config)]


def _tasks_of_uid(uid: int) -> int:
    """Threads owned by uid now (RLIMIT_NPROC counts all of a user's threads)."""
    total = 0
    for process in psutil.process_iter(["uids", "num_threads"]):
        uids = process.info.get("uids")
        if uids is not None and uids.real == uid:
            total += process.info.get("num_threads") or 1
    return total


def kernel_env(scratch: Path, sandboxed: bool, python: str = sys.executable) -> dict[str, str]:
    """Environment for a kernel: one BLAS thread; when sandboxed (grading), a private HOME, no
    GPU, and the kernel's interpreter first on PATH (``python`` in a subprocess is one the
    sandbox user can run)."""
    if sandboxed:
        keep = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "SYSTEMROOT")
        env = {k: os.environ[k] for k in keep if k in os.environ}
        env.update(
            HOME=str(scratch),
            IPYTHONDIR=str(scratch / ".ipython"),
            MPLCONFIGDIR=str(scratch / ".matplotlib"),
            MPLBACKEND="Agg",
            PATH=os.pathsep.join([str(Path(python).parent), env.get("PATH", os.defpath)]),
            # NOTE: grading is CPU only (the memory limit and CUDA do not mix). On a grading
            # machine with a GPU, the chapters' tests expected "cuda" where minigrad found one,
            # and a pick_device that always says "cuda" passed: the kernel sees no GPU.
            CUDA_VISIBLE_DEVICES="",
            **library_env(python),
        )
    else:
        env = dict(os.environ)
    env.update(
        MALLOC_ARENA_MAX="2",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONDONTWRITEBYTECODE="1",
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


@dataclass
class GuardPlan:
    """Where the interception guard acts, by cell index in the notebook that runs: before
    each graded test, after each locked cell (which binds the helpers it protects)."""

    restore_before: list[int] = field(default_factory=list)
    snapshot_after: list[int] = field(default_factory=list)
    # the names each cell of snapshot_after binds at top level, in the same order: the helpers
    # and data the guard puts back before each test
    snapshot_names: list[list[str]] = field(default_factory=list)
    # the modules the locked cells import (at top level): the guard records them before any
    # student code runs
    modules: list[str] = field(default_factory=list)


# The kernel's ports are picked free, then bound by the kernel: on a busy machine another process
# can take one in between, and the kernel hangs, or exits (ZMQError: Address already in use),
# before any cell ran: a row said `error` (0 points until the next run), `verify` failed a chapter.
_NEVER_STARTED = ("Kernel didn't respond", "Kernel died before replying to kernel_info")


def execute(
    nb: NotebookNode,
    limits: Limits,
    cwd: Path,
    on_cell: Callable[[dict[str, Any]], None] | None = None,
    jail: Jail | None = None,
    whole_process: bool = False,
    python: str = sys.executable,
    guard: GuardPlan | None = None,
) -> RunResult:
    """Run every code cell of nb in a fresh kernel started in cwd; errors do not stop the run.

    Each record's ``index`` is the cell's position in nb. A cell that runs past
    limits.cell_timeout is interrupted and recorded as a ``CellTimeout`` error; past
    limits.timeout the kernel is killed and the rest is not run. With whole_process (a worker
    process of its own), every descendant of this process counts as the student's and is killed
    at the end; otherwise only the kernel's tree is watched. With a guard plan, the known
    routes to fake a test's outcome are undone before each graded test (RunResult.evidence).
    """
    arguments = (nb, limits, cwd, on_cell, jail, whole_process, python, guard)
    result = _execute_once(*arguments)
    if not result.cells and any(m in (result.error or "") for m in _NEVER_STARTED):
        result = _execute_once(*arguments)  # a kernel that never started: no cell ran
    return result


def _execute_once(
    nb: NotebookNode,
    limits: Limits,
    cwd: Path,
    on_cell: Callable[[dict[str, Any]], None] | None = None,
    jail: Jail | None = None,
    whole_process: bool = False,
    python: str = sys.executable,
    guard: GuardPlan | None = None,
) -> RunResult:
    result = RunResult()
    runnable = copy.deepcopy(nb)
    setup = _SETUP_CELL.format(
        limit=limits.output_kb * 1024, notice=_CAP_NOTICE, chars=TRACEBACK_CHARS
    )
    if guard is not None:
        key = secrets.token_hex(16)
        key_file = _hand_over(Path(cwd) / GUARD_KEY_FILE, key, jail)
        asks, asks_path = _request_file(Path(cwd) / GUARD_REQUESTS_FILE)
        # + 1: the setup cell
        bound = {i + 1: names for i, names in zip(guard.snapshot_after, guard.snapshot_names)}
        given = [i + 1 for i in guard.snapshot_after if i not in guard.restore_before]
        setup += (
            _GUARD_SETUP.replace("__TAG__", GUARD_TAG)
            .replace("__BOUND__", repr(bound))
            .replace("__GIVEN__", repr(given))
            .replace("__MODULES__", repr(guard.modules))
            .replace("__KEY_FILE__", repr(str(key_file)))
            .replace("__REQUESTS_FILE__", repr(str(asks_path)))
            .replace("__END_NAME__", repr(END_NAME))
            .replace("__SHARED_TMP__", repr(SHARED_TMP))
        )
    runnable.cells.insert(0, nbformat.v4.new_code_cell(setup))
    if guard is not None:
        # NOTE: a last cell of our own: the kernel's messages for the notebook's last test (a
        # second reply, its error) arrive before this cell's reply, so they are read (Replies).
        runnable.cells.append(nbformat.v4.new_code_cell("pass"))
    ours = {0, len(runnable.cells) - 1} if guard is not None else {0}
    deadline = time.monotonic() + limits.timeout
    requests: dict[int, str] = {}  # cell index -> the msg_id of its execute_request

    def record(cell, cell_index, execute_reply):
        if cell_index in ours:
            return
        msg_id = execute_reply.get("parent_header", {}).get("msg_id")
        if type(msg_id) is str:
            requests.setdefault(cell_index, msg_id)
        guard = client.guard
        graded = guard is not None and cell_index in guard.restore_before
        shown = client.shown_errors.get(cell_index)
        if shown is not None and execute_reply.get("content", {}).get("status") == "ok":
            # NOTE: the reply is built from what the cell's code can reach (a post_run_cell
            # callback can clear the error); the error shown on iopub went out first.
            execute_reply = {"content": {**shown, "status": "error"}}
            if graded:
                guard.evidence.append(f"cell {cell_index} reported success after an error")
        ok = execute_reply.get("content", {}).get("status") == "ok"
        if graded and ok and not guard.ran_to_end(cell_index):
            # NOTE: code in the kernel can make the reply say "ok" (a patch of the kernel's
            # session that put itself back); the test's own last line did not run
            content = {"status": "error", "ename": "GradingGuard", "traceback": []}
            content["evalue"] = NOT_TO_ITS_END
            execute_reply = {"content": content}
            guard.evidence.append(f"cell {cell_index} replied ok without running to its end")
        entry = cell_record(cell_index - 1, execute_reply)
        result.cells.append(entry)
        if on_cell is not None:
            on_cell(entry)

    def cell_timeout(cell) -> int:
        remaining = max(1.0, deadline - time.monotonic() + 5)
        return int(min(limits.cell_timeout or remaining, remaining))

    # The connection file goes in the sandbox's scratch directory when jailed (the sandbox user
    # must read it). The kernel's stderr goes to a file in a directory of the worker's own,
    # read back only through the descriptor the worker opened (never a path a student controls).
    private = jail is not None and jail.scratch is not None
    state = Path(tempfile.mkdtemp(prefix="minigrad-run-"))
    km = _SandboxKernelManager(kernel_name="python3")
    km.connection_file = str((jail.scratch if private else state) / "kernel-connection.json")
    if private:
        # NOTE: sockets in the scratch directory (its user's only), not TCP ports of 127.0.0.1,
        # which every user can reach: the kernel of another student graded at the same time
        # could read this one's output and send it messages of any size (read into memory
        # before their signature is checked)
        km.transport = "ipc"
        km.ip = str(jail.scratch / "kernel")
    km.prefix = jail.prefix(limits, km.connection_file) if jail else []
    km.python = python
    client = _Client(
        runnable,
        km=km,
        allow_errors=True,
        interrupt_on_timeout=True,
        timeout_func=cell_timeout,
        startup_timeout=STARTUP_SECONDS,
        iopub_timeout=4,
        error_on_timeout={
            "ename": "CellTimeout",
            "evalue": f"the cell ran longer than {limits.cell_timeout:g} s and was interrupted",
            "traceback": [],
        },
        on_cell_executed=record,
        resources={"metadata": {"path": str(cwd)}},
        # the guard writes to fd 2 (see _GUARD_SETUP): it must be the log, not ipykernel's pipe
        extra_arguments=["--IPKernelApp.capture_fd_output=False"] if guard is not None else [],
    )
    client.shown_errors = {}
    watchdog = Watchdog(deadline, limits.max_procs, lambda: os.getpid(), jail, limits.memory_mb)
    if not whole_process:
        watchdog.root = lambda: _kernel_pid(km)
    watchdog.start()
    # NOTE: the kernel gets a descriptor that can only write: from one opened for reading too,
    # it read the guard's earlier answers, key included (lseek and read on fd 2).
    with open(state / "kernel.log", "w+b") as log, open(state / "kernel.log", "ab") as out:
        if guard is not None:
            client.guard = Guard(
                log.fileno(),
                asks,
                lambda: _kernel_pid(km),
                [i + 1 for i in guard.restore_before],  # + 1: the setup cell
                [i + 1 for i in guard.snapshot_after],
                key,
                given,
            )
        try:
            home = jail.scratch if private else state
            client.execute(env=kernel_env(home, private, python), stdout=out, stderr=out)
        except DeadKernelError:
            result.flags.append(watchdog.reason or "kernel-died")
        except CellTimeoutError:
            result.flags.append("timeout")
        except Exception as exc:  # the batch must go on: report, never raise
            result.flags.append(watchdog.reason or "error")
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            watchdog.done.set()
            watchdog.join()
            watchdog.kill_all()  # nbclient's shutdown can return with the kernel still up
            # NOTE: nbclient leaves its exit-time cleanup registered when the kernel never
            # started; at exit it then failed on the manager it had already dropped
            atexit.unregister(client._cleanup_kernel)
        result.kernel_log = _tail(log.fileno(), KERNEL_LOG_CHARS)
        logged = os.fstat(log.fileno()).st_size
    if guard is not None:
        os.close(asks)
    if watchdog.reason and watchdog.reason not in result.flags:
        result.flags.append(watchdog.reason)
    # (what the notebook's code wrote to file descriptors 1 and 2, past sys.stdout, is in the log)
    if client.output_capped or client.output_bytes + logged > 2 * limits.output_kb * 1024:
        result.flags.append("output-limit")
    if client.guard is not None:
        for entry in list(result.cells):
            msg_id = requests.get(entry["index"] + 1)
            graded = entry["index"] + 1 in client.guard.restore_before
            # (a reply "ok" made an error already because the test did not run to its end)
            said_ok = entry["status"] == "ok" or entry.get("evalue") == NOT_TO_ITS_END
            if not (graded and said_ok and km.replies.contradicted(msg_id or "")):
                continue
            client.guard.evidence.append(f"cell {entry['index'] + 1} was answered twice")
            if entry["status"] == "ok":
                content = {"status": "error", "ename": "GradingGuard", "traceback": []}
                content["evalue"] = "not passed: the kernel sent it a second reply, or an error"
                correction = cell_record(entry["index"], {"content": content})
                result.cells.append(correction)
                if on_cell is not None:
                    on_cell(correction)
        result.evidence = list(dict.fromkeys(client.guard.evidence))
    shutil.rmtree(state, ignore_errors=True)
    return result


def _hand_over(path: Path, key: str, jail: Jail | None) -> Path:
    """Write the guard's key to path, in the kernel's working folder, for the kernel's user only
    (its setup reads and deletes it). A file left by a kernel that never started is replaced;
    nothing that is already there is followed or written through."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        if jail is not None and jail.uid is not None:
            os.fchown(fd, jail.uid, jail.gid)
        f.write(key)
    return path


def _request_file(path: Path) -> tuple[int, Path]:
    """A file the worker writes its requests to the guard in, readable by the kernel's user and
    writable by the worker's only (the kernel runs as another user when grading as root): its
    descriptor and path. What is already there is replaced, never followed."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    os.fchmod(fd, 0o644)  # (the worker's umask is 077)
    return fd, path


def _tail(fd: int, chars: int) -> str:
    """The last bytes of an open file, without the guard's answers (read with pread)."""
    size = os.fstat(fd).st_size
    data = os.pread(fd, chars, max(0, size - chars))
    lines = data.decode("utf-8", "replace").splitlines()
    return "\n".join(line for line in lines if not line.startswith(GUARD_TAG))


def make_scratch(uid: int | None, gid: int | None, prefix: str = "minigrad-grade-") -> Path:
    """A private working directory for one kernel, owned by the sandbox user if any."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    if uid is not None:
        os.chown(scratch, uid, gid)
    return scratch


def remove_files_of(uid: int, folders: tuple[str, ...] = SHARED_TMP) -> None:
    """Delete what uid left at the top of the shared temporary folders (never following a
    link: a symbolic link is removed itself, a folder through file descriptors)."""
    for folder in folders:
        try:
            entries = os.scandir(folder)  # (read as it goes: see _empty_folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid != uid:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        remove_tree(entry.path)
                    else:
                        os.unlink(entry.path)


def remove_tree(path: str) -> None:
    """Delete the folder path and all below it, never following a link, without recursion.

    # NOTE: shutil.rmtree recurses (Python 3.11): a notebook's folder nested 5,000 deep raised
    # RecursionError after the run, which stopped the worker before it removed the scratch
    # folder, and again after each later notebook of its uid, whose files stayed, readable by
    # the next student graded as that uid. Here each folder found below path is moved up into
    # path, emptied and removed: one descriptor below path is open at a time.
    """
    try:
        top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        todo: list[str] = []
        _empty_folder(top, top, todo)
        while todo:
            name = todo.pop()
            with contextlib.suppress(OSError):
                folder = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
                try:
                    _empty_folder(folder, top, todo)
                finally:
                    os.close(folder)
                os.rmdir(name, dir_fd=top)
    finally:
        os.close(top)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _empty_folder(folder: int, top: int, todo: list[str]) -> None:
    """Unlink what the open folder holds but folders, which go to todo (moved into top first,
    under a fresh name, when folder is not top)."""
    # (as the entries are read, not listed first: the worker's memory is not the notebook's to
    # fill with names; each change is to an entry read already)
    with os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if not entry.is_dir(follow_symlinks=False):
                    os.unlink(entry.name, dir_fd=folder)
                elif folder == top:
                    todo.append(entry.name)
                else:
                    moved = f".removing-{secrets.token_hex(8)}"
                    os.rename(entry.name, moved, src_dir_fd=folder, dst_dir_fd=top)
                    todo.append(moved)


def run_job(job_path: str) -> None:
    """Run one grading job (see grade.py): a JSON file in, JSON lines out; never raises."""
    job = json.loads(Path(job_path).read_text())
    limits = Limits(**job["limits"])
    uid, gid = job.get("uid"), job.get("gid")
    scratch = make_scratch(uid, gid, f"minigrad-grade-{job.get('run_id', 'x')}-")
    jail = Jail(uid=uid, gid=gid, scratch=scratch)
    if uid is not None and limits.memory_mb:
        # (+ a margin for what the cgroup counts and the watchdog does not: the kernel's own
        # memory for the notebook's files, sockets and page tables)
        limit = (limits.memory_mb + CGROUP_MARGIN_MB) * 2**20
        jail.cgroup = memory_cgroup(f"minigrad-grade-{uid}", limit)  # (the uid is ours alone)
    guard = GuardPlan(**job["guard"]) if job.get("guard") else None
    with open(job["records"], "a", encoding="utf-8") as out:
        written = [0]

        def on_cell(entry: dict[str, Any]) -> None:
            if written[0] > DETAILED_RECORDS_BYTES and entry["status"] != "ok":
                entry = {**entry, "evalue": entry.get("evalue", "")[:500], "traceback": ""}
            line = json.dumps(entry) + "\n"
            written[0] += len(line)
            out.write(line)
            out.flush()

        try:
            nb = nbformat.reads(Path(job["notebook"]).read_text(encoding="utf-8"), as_version=4)
            python = job.get("python") or sys.executable
            result = execute(nb, limits, scratch, on_cell, jail, True, python, guard)
            if jail.cgroup and out_of_memory(jail.cgroup) and "memory-limit" not in result.flags:
                result.flags.append("memory-limit")
            end = {"event": "end", **{k: v for k, v in asdict(result).items() if k != "cells"}}
        except Exception as exc:  # never lose the row: report the failure as data
            end = {"event": "end", "flags": ["error"], "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(end) + "\n")
    if uid is not None:
        kill_uid(uid)
        remove_files_of(uid)
    if jail.cgroup:
        remove_cgroup(jail.cgroup)
    remove_tree(str(scratch))


def serve() -> int:
    """A grading worker: run each job path read from stdin, answer "done" on stdout.

    One worker serves many notebooks (each in a fresh kernel), so the imports are paid once.
    It is a child subreaper: whatever a student's code daemonises stays our descendant and
    is killed after each notebook.
    """
    set_child_subreaper()
    os.umask(0o077)  # records and scratch files: for the grader's user only
    for line in sys.stdin:
        if line.strip():
            run_job(line.strip())
            sys.stdout.write("done\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
