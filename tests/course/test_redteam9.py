"""Attacks on the grader found by a ninth look.

- The data a locked cell binds (`rng = np.random.default_rng(0)` in a setup cell) rebound by an
  answer cell: the tests drew their inputs from the answer's generator.
"""

from __future__ import annotations

import pytest
from test_redteam import grade_answers

# A generator of the answer's own under the setup cell's name `rng`: every input the tests draw
# from it is zero, and so is every expected gradient of chapter 03's mul_add_backward and
# two_layer_backward, which return zeros here. Nothing callable or module-like was rebound, so no
# guard looked at it (3 + 4 points, status ok).
ZERO_RNG = """\
class _Zeros:
    def standard_normal(self, size=None):
        return np.zeros(() if size is None else size)


rng = _Zeros()
"""

ZERO_MUL_ADD = (
    ZERO_RNG
    + """

def mul_add_backward(x, y, z, grad_f):
    return np.zeros_like(x), np.zeros_like(y), np.zeros_like(z)
"""
)

ZERO_TWO_LAYER = (
    ZERO_RNG
    + """

def two_layer_backward(grad_scores, cache):
    X, W1, b1, W2, b2, h_pre, h = cache
    return {"W1": 0 * W1, "b1": 0 * b1, "W2": 0 * W2, "b2": 0 * b2}
"""
)

DATA_ATTACKS = {
    "zero_rng_mul_add": {"mul_add_backward": ZERO_MUL_ADD},
    "zero_rng_two_layer": {"two_layer_backward": ZERO_TWO_LAYER},
}


@pytest.fixture(scope="module")
def data_rows(tmp_path_factory):
    return grade_answers(tmp_path_factory.mktemp("redteam9-data"), "03_gradients_by_hand", DATA_ATTACKS)


@pytest.mark.grading
@pytest.mark.parametrize(
    ("student", "question"),
    [("zero_rng_mul_add", "mul_add_backward"), ("zero_rng_two_layer", "two_layer_backward")],
)
def test_data_a_locked_cell_bound_is_put_back_before_each_test(data_rows, student, question):
    row = data_rows[student]
    outcome = row["questions"][f"{question}_test"]
    assert outcome["points"] == 0, (outcome, row["evidence"], row["status"])
    assert row["total"] == row["max"] - outcome["max"], row


# make_tensor returns zeros. Its first call signals its own kernel with the guard's SIGUSR1 (the
# look after a locked cell): the handler, finding a cell still running, refused to look, but had
# already marked the test as over, which turned off every refusal that holds while a test runs.
# The comparison inside assert_close (close_mask) is then replaced by plain assignment, and puts
# itself back on its first use: both writes were let through as the library's own (2 points; the
# refused look left the row `suspicious`, its score untouched).
SELF_SIGNAL = """\
import operator
import os

_patched = []


def make_tensor():
    close = operator.attrgetter("testing.close")(minigrad)
    if not _patched:
        _patched.append(True)
        operator.attrgetter("ki" + "ll")(os)(os.getpid(), 10)  # SIGUSR1
        real = close.close_mask

        def once(actual, expected, *args, **kwargs):
            close.close_mask = real
            return np.ones(np.shape(expected), dtype=bool)

        close.close_mask = once
    return minigrad.zeros(2, 3)
"""

SIGNAL_ATTACKS = {"self_signal": {"make_tensor": SELF_SIGNAL}}


@pytest.fixture(scope="module")
def signal_rows(tmp_path_factory):
    return grade_answers(tmp_path_factory.mktemp("redteam9-signal"), "00_setup", SIGNAL_ATTACKS)


@pytest.mark.grading
def test_a_signal_the_kernel_sends_itself_does_not_end_the_test(signal_rows):
    row = signal_rows["self_signal"]
    outcome = row["questions"]["make_tensor_test"]
    assert (outcome["points"], outcome["status"]) == (0, "error"), (outcome, row["evidence"])
    assert "grading refuses setting minigrad.testing.close.close_mask" in outcome["message"]
    assert row["total"] == row["max"] - outcome["max"], row
    assert "suspicious" in row["status"].split(";"), row
