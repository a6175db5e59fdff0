"""Constraints: where a parameter or a value of a distribution may lie. `check(value)` gives a
bool tensor (one entry per event); the names and reprs follow `torch.distributions.constraints`
since validation messages show them."""

from __future__ import annotations

import minigrad
from minigrad.distributions.utils import show
from minigrad.tensor import Tensor


class Constraint:
    """A region of values; `event_dim` is how many rightmost dims make one event."""

    is_discrete = False
    event_dim = 0

    def check(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters and is not checked by itself."""

    def check(self, value):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint) -> bool:
    return isinstance(constraint, _Dependent)


class _Real(Constraint):
    def check(self, value):
        return value == value  # NOTE: nan is the only value not equal to itself


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        return (value == 0) | (value == 1)


class _GreaterThan(Constraint):
    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return value > self.lower_bound

    def __repr__(self):
        return f"GreaterThan(lower_bound={show(self.lower_bound)})"


class _GreaterThanEq(Constraint):
    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return value >= self.lower_bound

    def __repr__(self):
        return f"GreaterThanEq(lower_bound={show(self.lower_bound)})"


class _IntegerGreaterThanEq(_GreaterThanEq):
    """Integers >= lower_bound (PyTorch's name for it is IntegerGreaterThan)."""

    is_discrete = True

    def check(self, value):
        return (value % 1 == 0) & super().check(value)

    def __repr__(self):
        return f"IntegerGreaterThan(lower_bound={show(self.lower_bound)})"


class _LessThan(Constraint):
    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return value < self.upper_bound

    def __repr__(self):
        return f"LessThan(upper_bound={show(self.upper_bound)})"


class _Interval(Constraint):
    """[lower_bound, upper_bound]."""

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        return (self.lower_bound <= value) & (value <= self.upper_bound)

    def __repr__(self):
        bounds = f"lower_bound={show(self.lower_bound)}, upper_bound={show(self.upper_bound)}"
        return f"{type(self).__name__.lstrip('_')}({bounds})"


class _HalfOpenInterval(_Interval):
    """[lower_bound, upper_bound)."""

    def check(self, value):
        return (self.lower_bound <= value) & (value < self.upper_bound)


class _IntegerInterval(_Interval):
    is_discrete = True

    def check(self, value):
        return (value % 1 == 0) & super().check(value)


class _Simplex(Constraint):
    """Non-negative vectors that sum to 1 (over the last dim)."""

    event_dim = 1

    def check(self, value):
        return (value >= 0).all(dim=-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        return ((value == 0) | (value == 1)).all(dim=-1) & (value.sum(-1) == 1)


class _Multinomial(Constraint):
    """Vectors of non-negative counts summing to at most upper_bound (the number of trials);
    like PyTorch's, it does not check that the counts are integers."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return (value >= 0).all(dim=-1) & (value.sum(dim=-1) <= self.upper_bound)


class _IndependentConstraint(Constraint):
    """base_constraint over events made of its `reinterpreted_batch_ndims` rightmost dims."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int):
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.is_discrete = base_constraint.is_discrete
        self.event_dim = base_constraint.event_dim + reinterpreted_batch_ndims

    def check(self, value):
        result = self.base_constraint.check(value)
        for _ in range(self.reinterpreted_batch_ndims):
            result = result.all(dim=-1)
        return result

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _LowerCholesky(Constraint):
    """Lower-triangular square matrices with a positive diagonal."""

    event_dim = 2

    def check(self, value):
        lower = (value.tril() == value).flatten(-2).all(dim=-1)
        return lower & (value.diagonal(dim1=-2, dim2=-1) > 0).all(dim=-1)


class _CorrCholesky(Constraint):
    """Cholesky factors of correlation matrices: lower Cholesky with rows of unit length."""

    event_dim = 2

    def check(self, value):
        tol = minigrad.finfo(value.dtype).eps * value.shape[-1] * 10  # PyTorch's tolerance
        with minigrad.no_grad():
            row_norm = minigrad.linalg.vector_norm(value, dim=-1)
        unit_rows = ((row_norm - 1.0).abs() <= tol).all(dim=-1)
        return _LowerCholesky().check(value) & unit_rows


class _PositiveDefinite(Constraint):
    """Symmetric square matrices whose eigenvalues are all positive."""

    event_dim = 2

    def check(self, value):
        from minigrad import linalg

        symmetric = ((value - value.mT).abs() <= 1e-6).flatten(-2).all(dim=-1)
        with minigrad.no_grad():
            return symmetric & (linalg.eigvalsh(value) > 0).all(dim=-1)


class _Cat(Constraint):
    """cseq[i] on the i-th slice of `dim` (lengths[i] entries, 1 by default), as torch.cat
    lays the slices out; check gives the slices' checks concatenated."""

    def __init__(self, cseq, dim: int = 0, lengths=None):
        self.cseq = _constraints(cseq)
        self.lengths = [1] * len(self.cseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.cseq):
            raise AssertionError(
                f"lengths ({len(self.lengths)}) must match cseq ({len(self.cseq)})"
            )
        self.dim = dim

    @property
    def is_discrete(self):
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self):
        return max(c.event_dim for c in self.cseq)

    def check(self, value):
        _check_dim(self.dim, value)
        starts = [sum(self.lengths[:i]) for i in range(len(self.lengths))]
        return minigrad.cat(
            [
                c.check(value.narrow(self.dim, start, length))
                for c, start, length in zip(self.cseq, starts, self.lengths)
            ],
            self.dim,
        )


class _Stack(Constraint):
    """cseq[i] on value.select(dim, i), as torch.stack lays the entries out; check gives the
    entries' checks stacked."""

    def __init__(self, cseq, dim: int = 0):
        self.cseq = _constraints(cseq)
        self.dim = dim

    @property
    def is_discrete(self):
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self):
        # NOTE: a negative dim inside the parts' events adds one event dim (the stacked one)
        event_dim = max(c.event_dim for c in self.cseq)
        return event_dim + 1 if self.dim + event_dim < 0 else event_dim

    def check(self, value):
        _check_dim(self.dim, value)
        entries = [value.select(self.dim, i) for i in range(value.shape[self.dim])]
        return minigrad.stack([c.check(v) for c, v in zip(self.cseq, entries)], self.dim)


def _constraints(cseq) -> list:
    cseq = list(cseq)
    if not all(isinstance(c, Constraint) for c in cseq):
        raise AssertionError("All elements of cseq must be Constraint instances")
    return cseq


def _check_dim(dim: int, value) -> None:
    if not -value.ndim <= dim < value.ndim:
        raise AssertionError(f"dim {dim} out of range for value with {value.ndim} dimensions")


dependent = _Dependent()
real = _Real()
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
nonnegative_integer = _IntegerGreaterThanEq(0)
positive_integer = _IntegerGreaterThanEq(1)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
one_hot = _OneHot()
real_vector = _IndependentConstraint(real, 1)
lower_cholesky = _LowerCholesky()
corr_cholesky = _CorrCholesky()
positive_definite = _PositiveDefinite()
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
interval = _Interval
half_open_interval = _HalfOpenInterval
multinomial = _Multinomial
integer_interval = _IntegerInterval
independent = _IndependentConstraint
cat = _Cat
stack = _Stack
