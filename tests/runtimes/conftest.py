"""The seconds each notebook took on each runtime, after the run."""

from test_runtimes import TIMES


def pytest_terminal_summary(terminalreporter):
    if TIMES:
        terminalreporter.section("notebooks on the cloud runtimes (seconds, kernel start included)")
        for name, seconds in TIMES.items():
            terminalreporter.write_line(f"{name:<64} {seconds:>6} s")
