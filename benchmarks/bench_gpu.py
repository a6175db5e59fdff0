"""The same code on the GPU: matmul throughput and an MLP training step, minigrad vs PyTorch.

    python benchmarks/bench_gpu.py --csv results/gpu.csv        # the full sweep
    python benchmarks/bench_gpu.py --quick                      # small sizes, a smoke run

Columns: NumPy on the CPU (the BLAS baseline), minigrad on CUDA (CuPy) and PyTorch on CUDA.
Without a GPU the CUDA columns are skipped, with the reason, and the CPU columns still run.

Timing: every sample runs the operation `inner` times and then waits for the GPU
(`minigrad.cuda.synchronize()`, `torch.cuda.synchronize()`), so the clock measures finished
work, not queued kernels. The first call is timed on its own: on CUDA it includes CuPy's
kernel compilation (or loading it from the kernel cache; `--cold-cache` points CuPy at an
empty cache so the first call really compiles) and cuBLAS set-up. Steady-state times are the
median of the samples after one warm-up call. Both libraries run plain float32 (no TF32).

The CSV is long-format, one row per (benchmark, size, backend), ready for a plot:
benchmark,size,backend,device,first_call_ms,median_ms,min_ms,gflops,date
"""

from __future__ import annotations

import argparse
import csv
import datetime
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIELDS = [
    "benchmark",
    "size",
    "backend",
    "device",
    "first_call_ms",
    "median_ms",
    "min_ms",
    "gflops",
    "date",
]


@dataclass
class Row:
    benchmark: str
    size: int
    backend: str
    device: str
    first_call_ms: float
    median_ms: float
    min_ms: float
    gflops: float
    date: str


@dataclass
class Backend:
    """One column: a name, the device it runs on, and how to wait for it."""

    name: str
    device: str
    sync: object  # a function that returns when the device's queued work is done


def measure(fn, sync, min_seconds: float = 0.3, samples: int = 5):
    """(first call, median, min) seconds per call of `fn`, with the device synchronized."""
    sync()
    start = time.perf_counter()
    fn()
    sync()
    first = time.perf_counter() - start
    fn()  # warm-up
    sync()
    start = time.perf_counter()
    fn()
    sync()
    one = max(time.perf_counter() - start, 1e-6)
    inner = max(1, min(1000, int(min_seconds / samples / one)))
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        times.append((time.perf_counter() - start) / inner)
    return first, statistics.median(times), min(times)


# -- which columns can run here --------------------------------------------------------------
def _no_sync():
    pass


def find_backends(skip: list[str]) -> tuple[list[Backend], dict]:
    """The CUDA columns that can run here, and {column: why not} for the others."""
    import minigrad

    backends, skipped = [], {}
    if minigrad.cuda.is_available():
        backends.append(
            Backend("minigrad-cuda", minigrad.cuda.get_device_name(), minigrad.cuda.synchronize)
        )
    else:
        skipped["minigrad-cuda"] = minigrad.cuda.unavailable_reason()
    try:
        import torch
    except ImportError as exc:
        skipped["torch-cuda"] = f"PyTorch is not installed ({exc})"
    else:
        if torch.cuda.is_available():
            backends.append(
                Backend("torch-cuda", torch.cuda.get_device_name(), torch.cuda.synchronize)
            )
        else:
            skipped["torch-cuda"] = (
                f"torch.cuda.is_available() is False (torch {torch.__version__})"
            )
    for name in skip:
        skipped.setdefault(name, "skipped with --skip")
    return [b for b in backends if b.name not in skip], skipped


def cpu_name() -> str:
    import platform

    return f"{platform.processor() or platform.machine()} ({os.cpu_count()} cores)"


# -- matmul ----------------------------------------------------------------------------------
def matmul_operands(backend: str, n: int):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    if backend == "numpy":
        return a, b
    if backend == "minigrad-cuda":
        import minigrad

        return minigrad.from_numpy(a).to("cuda"), minigrad.from_numpy(b).to("cuda")
    import torch

    return torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()


def bench_matmul(sizes, backends, cpu_max: int, date: str, seconds: float) -> list[Row]:
    rows = []
    columns = [Backend("numpy", cpu_name(), _no_sync), *backends]
    for n in sizes:
        for col in columns:
            if col.name == "numpy" and n > cpu_max:
                print(f"  matmul n={n:5d} numpy: skipped (n > --cpu-max {cpu_max})")
                continue
            a, b = matmul_operands(col.name, n)
            first, median, best = measure(lambda a=a, b=b: a @ b, col.sync, seconds)
            gflops = 2 * n**3 / median / 1e9
            rows.append(
                Row("matmul", n, col.name, col.device, first * 1e3, median * 1e3, best * 1e3,
                    gflops, date)
            )  # fmt: skip
            print(
                f"  matmul n={n:5d} {col.name:14s} first {first * 1e3:9.2f} ms   "
                f"steady {median * 1e3:9.3f} ms   {gflops:9.1f} GFLOP/s"
            )
    return rows


def matmul_verdict(rows: list[Row], min_size: int = 2048, bound: float = 1.1) -> list[str]:
    """minigrad CUDA time / PyTorch CUDA time per size, against the issue's 1.1x bar."""
    by = {(r.size, r.backend): r for r in rows if r.benchmark == "matmul"}
    lines = []
    for (n, backend), mine in sorted(by.items()):
        theirs = by.get((n, "torch-cuda"))
        if backend != "minigrad-cuda" or theirs is None:
            continue
        ratio = mine.median_ms / theirs.median_ms
        verdict = "" if n < min_size else ("  ok" if ratio <= bound else f"  OVER {bound}x")
        lines.append(f"  n={n:5d}  minigrad/torch = {ratio:5.2f}x{verdict}")
    return lines


# -- MLP training step -----------------------------------------------------------------------
def mlp_step_fn(lib_name: str, device: str, batch: int, widths: list[int], lr: float = 0.01):
    """A function doing one SGD step of an MLP (Linear-ReLU-...-Linear, cross-entropy).

    Both libraries run the same program, written with their functional API, so the timing
    compares the engines and not two different model classes.
    """
    rng = np.random.default_rng(0)
    shapes = list(zip(widths[1:], widths[:-1]))
    arrays = [(rng.standard_normal(s) / np.sqrt(s[1])).astype(np.float32) for s in shapes]
    biases = [np.zeros(s[0], dtype=np.float32) for s in shapes]
    x = rng.standard_normal((batch, widths[0]), dtype=np.float32)
    y = rng.integers(0, widths[-1], size=batch)
    if lib_name == "minigrad":
        import minigrad as lib
        from minigrad.ops.activations import relu
        from minigrad.ops.matmul import linear
        from minigrad.ops.nn import cross_entropy
    else:
        import torch as lib
        from torch.nn.functional import cross_entropy, linear, relu

    params = []
    for w, b in zip(arrays, biases):
        params += [lib.tensor(w, device=device, requires_grad=True)]
        params += [lib.tensor(b, device=device, requires_grad=True)]
    xt = lib.tensor(x, device=device)
    yt = lib.tensor(y, device=device)

    def step():
        h = xt
        for i in range(0, len(params), 2):
            h = linear(h, params[i], params[i + 1])
            if i + 2 < len(params):
                h = relu(h)
        loss = cross_entropy(h, yt)
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        return loss

    return step


def bench_mlp(backends, batch, widths, date: str, seconds: float, skip=()) -> list[Row]:
    import minigrad

    columns = [("minigrad", "cpu", Backend("minigrad-cpu", cpu_name(), _no_sync))]
    if importlib.util.find_spec("torch") is not None:
        columns.append(("torch", "cpu", Backend("torch-cpu", cpu_name(), _no_sync)))
    columns = [c for c in columns if c[2].name not in skip]
    columns += [(b.name.split("-")[0], "cuda", b) for b in backends]
    flops = 6 * batch * sum(a * b for a, b in zip(widths[:-1], widths[1:]))  # fwd + bwd
    rows = []
    for lib_name, device, col in columns:
        minigrad.manual_seed(0)
        step = mlp_step_fn(lib_name, device, batch, widths)
        first, median, best = measure(step, col.sync, min_seconds=seconds)
        rows.append(
            Row("mlp_step", batch, col.name, col.device, first * 1e3, median * 1e3, best * 1e3,
                flops / median / 1e9, date)
        )  # fmt: skip
        print(
            f"  mlp step {col.name:14s} first {first * 1e3:9.2f} ms   steady {median * 1e3:9.3f} ms"
        )
    return rows


def speedup_table(rows: list[Row]) -> list[str]:
    """The lecture's table: each framework on the CPU and the GPU, and the GPU's speedup."""
    by = {r.backend: r.median_ms for r in rows if r.benchmark == "mlp_step"}
    lines = [f"  {'framework':10s} {'CPU ms':>10s} {'GPU ms':>10s} {'GPU speedup':>12s}"]
    for lib in ("minigrad", "torch"):
        cpu, gpu = by.get(f"{lib}-cpu"), by.get(f"{lib}-cuda")
        cpu_text = f"{cpu:10.2f}" if cpu else f"{'n/a':>10s}"
        gpu_text = f"{gpu:10.2f}" if gpu else f"{'skipped':>10s}"
        speed = f"{cpu / gpu:11.1f}x" if cpu and gpu else f"{'n/a':>12s}"
        lines.append(f"  {lib:10s} {cpu_text} {gpu_text} {speed}")
    if by.get("minigrad-cuda") and by.get("torch-cuda"):
        ratio = by["minigrad-cuda"] / by["torch-cuda"]
        verdict = "ok" if ratio <= 1.5 else "OVER 1.5x"
        lines.append(f"  minigrad CUDA / PyTorch CUDA = {ratio:.2f}x ({verdict}; the bar is 1.5x)")
    return lines


# -- the command line ------------------------------------------------------------------------
def write_csv(path: Path, rows: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            record = asdict(row)
            for key in ("first_call_ms", "median_ms", "min_ms", "gflops"):
                record[key] = f"{record[key]:.4f}"
            writer.writerow(record)
    tmp.replace(path)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192])
    p.add_argument("--cpu-max", type=int, default=4096, help="largest n for the NumPy column")
    p.add_argument("--batch", type=int, default=1024, help="MLP batch size")
    p.add_argument("--widths", type=int, nargs="+", default=[1024, 1024, 1024, 10])
    p.add_argument("--csv", type=Path, help="write the plot-ready CSV here")
    p.add_argument("--skip", nargs="*", default=[], help="columns to leave out, e.g. torch-cuda")
    p.add_argument("--no-mlp", action="store_true", help="only the matmul sweep")
    p.add_argument("--cold-cache", action="store_true", help="first calls compile for real")
    p.add_argument("--seconds", type=float, default=0.5, help="time per measurement")
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.batch, args.widths = [64, 128], 64, [32, 32, 10]
        args.seconds = 0.02
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.cold_cache:  # before CuPy is imported (minigrad imports it on first CUDA use)
        os.environ["CUPY_CACHE_DIR"] = tempfile.mkdtemp(prefix="cupy-cold-cache-")
    date = datetime.date.today().isoformat()
    backends, skipped = find_backends(args.skip)
    print(f"bench_gpu {date}: CPU {cpu_name()}")
    for b in backends:
        print(f"  {b.name}: {b.device}")
    for name, why in skipped.items():
        print(f"  {name}: skipped the CUDA column: {why}")
    print("matmul (float32, C = A @ B, n x n):")
    rows = bench_matmul(args.sizes, backends, args.cpu_max, date, args.seconds)
    print("\n".join(matmul_verdict(rows)) or "  (no minigrad/PyTorch CUDA comparison here)")
    if not args.no_mlp:
        print(f"MLP training step (batch {args.batch}, widths {args.widths}, SGD):")
        mlp = bench_mlp(backends, args.batch, args.widths, date, args.seconds, args.skip)
        rows += mlp
        print("\n".join(speedup_table(mlp)))
    if args.csv:
        write_csv(args.csv, rows)
        print(f"wrote {len(rows)} rows to {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
