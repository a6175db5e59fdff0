"""`minigrad.utils.benchmark`: time a statement as PyTorch's `torch.utils.benchmark` does.

`Timer(stmt, setup, globals=...)` runs `setup` once, then `stmt` many times; `timeit(number)`
gives one measurement of `number` runs after a warm-up, `blocked_autorange()` repeats blocks of
runs until `min_run_time` seconds are spent. Each block is timed between two waits for the GPU
(when there is one), so queued GPU work is counted where it runs, not where it is launched:
the mistake the lecture warns about when comparing CPU and GPU. `Compare(measurements).print()`
tables medians by label, thread count, sub_label and description.

What differs from PyTorch: Python statements only (no `language=Language.CPP`, no Callgrind),
and no `adaptive_autorange` or fuzzers.
"""

from __future__ import annotations

import statistics
import textwrap
import timeit as _timeit
from dataclasses import dataclass, field

from minigrad import cuda, threads

__all__ = ["Compare", "Measurement", "Timer"]


@dataclass
class Measurement:
    """Blocks of `number_per_run` runs each, `raw_times` seconds per block; `times` are seconds
    per run. The labels say what was measured (they group `Compare`'s table)."""

    number_per_run: int
    raw_times: list
    stmt: str
    setup: str = "pass"
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1
    times: list = field(init=False)

    def __post_init__(self):
        self.times = [t / self.number_per_run for t in self.raw_times]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def _quartiles(self) -> tuple[float, float]:
        if len(self.times) < 2:
            return self.times[0], self.times[0]
        low, _, high = statistics.quantiles(self.times, n=4, method="inclusive")
        return low, high

    @property
    def iqr(self) -> float:
        low, high = self._quartiles()
        return high - low

    @property
    def title(self) -> str:
        if self.label is None:
            return self.stmt
        return self.label if self.sub_label is None else f"{self.label}: {self.sub_label}"

    def __repr__(self) -> str:
        n, blocks = self.number_per_run, len(self.times)
        lines = [f"<{type(self).__module__}.Measurement object at {id(self):#x}>", self.title]
        if self.description:
            lines.append(self.description)
        if "\n" in self.setup:
            lines += ["setup:", textwrap.indent(self.setup, "  "), ""]
        elif self.setup != "pass":
            lines.append(f"setup: {self.setup}")
        if blocks == 1:
            lines.append(f"  {_in_units(self.mean)}")
            runs = f"1 measurement, {n} runs "
        else:
            lines.append(f"  Median: {_in_units(self.median)}")
            if blocks >= 4:
                low, high = self._quartiles()
                unit = self.median
                lines.append(
                    f"  IQR:    {_in_units(high - low, unit)} "
                    f"({_in_units(low, unit, False)} to {_in_units(high, unit, False)})"
                )
            runs = f"{blocks} measurements, {n} runs per measurement"
        lines.append(f"  {runs}, {self.num_threads} thread{'s' * (self.num_threads > 1)}")
        return "\n".join(lines)


def _in_units(seconds: float, like: float | None = None, name: bool = True) -> str:
    """seconds in the unit that suits `like` (default: seconds itself): s, ms, us or ns."""
    reference = seconds if like is None else like
    unit, scale = next(
        ((u, k) for u, k in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)) if reference >= k),
        ("ns", 1e-9),
    )
    return f"{seconds / scale:.2f} {unit}" if name else f"{seconds / scale:.2f}"


class Timer:
    """Time `stmt` (a Python statement, a string) after `setup`, with `globals` as its names;
    in one thread unless `num_threads` says otherwise, as PyTorch's Timer."""

    def __init__(
        self,
        stmt: str = "pass",
        setup: str = "pass",
        global_setup: str = "",
        timer=_timeit.default_timer,
        globals: dict | None = None,  # noqa: A002 - PyTorch's name
        label: str | None = None,
        sub_label: str | None = None,
        description: str | None = None,
        env: str | None = None,
        num_threads: int = 1,
        language="python",
    ):
        if not isinstance(stmt, str):
            raise ValueError("Timer: stmt must be a string (a Python statement), as PyTorch's")
        if str(getattr(language, "value", language)).lower() not in ("python", "py"):
            raise ValueError(
                "Timer: minigrad times Python statements only (no language=Language.CPP)"
            )
        self._stmt, self._setup = textwrap.dedent(stmt).strip(), textwrap.dedent(setup).strip()
        setup_code = "\n".join(part for part in (global_setup, self._setup) if part) or "pass"
        self._timer = _timeit.Timer(self._stmt, setup_code, timer, globals=dict(globals or {}))
        self._labels = dict(label=label, sub_label=sub_label, description=description, env=env)
        self._num_threads = num_threads

    def _block(self, number: int) -> float:
        """Seconds for `number` runs, from an idle GPU to an idle GPU."""
        _wait_for_gpu()
        seconds = self._timer.timeit(number)
        _wait_for_gpu()
        return seconds

    def _measurement(self, number: int, raw_times: list) -> Measurement:
        return Measurement(
            number, raw_times, self._stmt, self._setup or "pass", **self._labels,
            num_threads=self._num_threads,
        )  # fmt: skip

    def timeit(self, number: int = 1000000) -> Measurement:
        """One block of `number` runs, after a warm-up of number // 100 (at least 2) runs."""
        with _threads(self._num_threads):
            self._block(max(number // 100, 2))
            return self._measurement(number, [self._block(number)])

    def blocked_autorange(self, callback=None, min_run_time: float = 0.2) -> Measurement:
        """Blocks of runs until min_run_time seconds are spent. The block size grows tenfold
        from 1 until timing overhead is negligible (this also warms up); callback(number,
        seconds) is called after each block."""
        with _threads(self._num_threads):
            number = self._block_size(min_run_time)
            raw_times, total = [], 0.0
            while total < min_run_time:
                seconds = self._block(number)
                raw_times.append(seconds)
                total += seconds
                if callback is not None:
                    callback(number, seconds)
            return self._measurement(number, raw_times)

    def _block_size(self, min_run_time: float) -> int:
        overhead = statistics.median(self._block(0) for _ in range(5))
        number = 1
        while number < 10**9:
            seconds = self._block(number)
            if seconds > min_run_time or (
                seconds >= min_run_time / 1000 and overhead <= 1e-4 * seconds
            ):
                break
            number *= 10
        return number


def _wait_for_gpu() -> None:
    if cuda.is_available():
        cuda.synchronize()


class _threads:  # noqa: N801 - a context manager, named as what it sets
    def __init__(self, n: int):
        self.n = n

    def __enter__(self):
        self.before = threads.get_num_threads()
        threads.set_num_threads(self.n)

    def __exit__(self, *exc_info):
        threads.set_num_threads(self.before)


class Compare:
    """A table of measurements' medians: one table per label, rows by thread count and
    sub_label, columns by description, as PyTorch's Compare (without its colouring)."""

    def __init__(self, results):
        self._results = list(results)

    def __str__(self) -> str:
        tables = []
        for label in dict.fromkeys(m.label for m in self._results):
            group = [m for m in self._results if m.label == label]
            columns = list(dict.fromkeys(m.description for m in group))
            cells = {(m.num_threads, m.sub_label, m.description): m.median for m in group}
            unit, scale = _table_unit(min(cells.values()))
            names = [str(c or "") for c in columns]
            widths = [max(len(name), 8) + 2 for name in names]
            rows_width = max(len(str(m.sub_label or "")) for m in group) + 6
            header = " " * rows_width + "|" + "|".join(f"{n:^{w}}" for n, w in zip(names, widths))
            title = f" {label or ''} "
            lines = [f"[{title:-^{len(header) - 2}}]", header]
            for n in sorted({m.num_threads for m in group}):
                section = f"{n} threads: "
                lines.append(section + "-" * (len(header) - len(section)))
                for row in dict.fromkeys(m.sub_label for m in group if m.num_threads == n):
                    values = [cells.get((n, row, c)) for c in columns]
                    shown = [
                        f"{v / scale:^{w}.1f}" if v is not None else " " * w
                        for v, w in zip(values, widths)
                    ]
                    lines.append(f"{str(row or ''):>{rows_width - 2}}  |" + "|".join(shown))
            lines.append(f"\nTimes are in {unit}.")
            tables.append("\n".join(lines))
        return "\n\n".join(tables)

    def print(self) -> None:
        print(str(self))


def _table_unit(smallest: float) -> tuple[str, float]:
    for unit, scale in (("seconds (s)", 1.0), ("milliseconds (ms)", 1e-3)):
        if smallest >= scale:
            return unit, scale
    return "microseconds (us)", 1e-6
