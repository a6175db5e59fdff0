"""The order in which the C++ standard library's `std::sort` (GCC's libstdc++, which PyTorch's
Linux builds use) leaves a row, step by step, so that `mode` picks PyTorch's CPU index.

PyTorch's `mode` sorts (value, index) pairs by value with `<` and takes the last pair of the
longest run of equal values. `std::sort` is not stable: past 16 elements it partitions
around a median of three (an introsort, a heap sort when the partitions go too deep) and ends
with an insertion sort; with nan, `<` is no order, and runs are split where nan lands. The
index PyTorch returns among equal values is therefore the one this sort leaves last, which
only the same steps find. Plain Python: it runs only for rows where the order decides.
"""

from __future__ import annotations

_THRESHOLD = 16  # libstdc++'s _S_threshold: shorter ranges are left to the insertion sort


def mode_index(values: list) -> int:
    """PyTorch's CPU `mode` index of one row: the last index of the first longest run of
    values that compare equal (`!=` ends a run, so each nan is a run of its own) in the
    order `std::sort` leaves."""
    pairs = _std_sort([(v, i) for i, v in enumerate(values)])
    best, run, index = 0, 0, 0
    for k, (value, i) in enumerate(pairs):
        run += 1
        if k == len(pairs) - 1 or value != pairs[k + 1][0]:
            if run > best:
                best, index = run, i
            run = 0
    return index


def _std_sort(a: list) -> list:
    """a (pairs compared by their first item with `<`) in std::sort's order, in place."""
    n = len(a)
    if n > 1:
        _introsort(a, 0, n, 2 * (n.bit_length() - 1))
        _insertion_sort(a, 0, min(n, _THRESHOLD))
        for i in range(_THRESHOLD, n):  # the smallest is among the first 16 now
            _insert_backwards(a, i)
    return a


def _introsort(a: list, first: int, last: int, depth: int) -> None:
    """Quicksort down to ranges of 16, the right part by recursion (depth <= 2 log2 n), the
    left part by the loop; a heap sort once `depth` partitions are spent."""
    while last - first > _THRESHOLD:
        if depth == 0:
            _heap_sort(a, first, last)
            return
        depth -= 1
        cut = _partition_around_median(a, first, last)
        _introsort(a, cut, last, depth)
        last = cut


def _partition_around_median(a: list, first: int, last: int) -> int:
    """Move the median of a[first + 1], a[mid], a[last - 1] to a[first], then partition the
    rest around it (Hoare's scheme with no bound checks: the pivot stops each scan)."""
    x, y, z = first + 1, first + (last - first) // 2, last - 1
    ax, ay, az = a[x][0], a[y][0], a[z][0]
    if ax < ay:
        median = y if ay < az else z if ax < az else x
    else:
        median = x if ax < az else z if ay < az else y
    a[first], a[median] = a[median], a[first]
    pivot, lo, hi = a[first][0], first + 1, last
    while True:
        while a[lo][0] < pivot:
            lo += 1
        hi -= 1
        while pivot < a[hi][0]:
            hi -= 1
        if lo >= hi:
            return lo
        a[lo], a[hi] = a[hi], a[lo]
        lo += 1


def _insertion_sort(a: list, first: int, last: int) -> None:
    """Each item moves back past the larger ones; one smaller than a[first] goes first."""
    for i in range(first + 1, last):
        if a[i][0] < a[first][0]:
            a[first : i + 1] = [a[i], *a[first:i]]
        else:
            _insert_backwards(a, i)


def _insert_backwards(a: list, i: int) -> None:
    """a[i] moved back while it is smaller than the item before it. (C++ has no bound check
    here: a smaller item is known to be in front; `i > 0` keeps Python's a[-1] out.)"""
    item = a[i]
    while i > 0 and item[0] < a[i - 1][0]:
        a[i] = a[i - 1]
        i -= 1
    a[i] = item


def _heap_sort(a: list, first: int, last: int) -> None:
    """A max-heap of a[first:last] built bottom-up, then its top moved to the end, n times."""
    n = last - first
    for parent in range((n - 2) // 2, -1, -1):
        _sift(a, first, parent, n, a[first + parent])
    while n > 1:
        n -= 1
        item, a[first + n] = a[first + n], a[first]
        _sift(a, first, 0, n, item)


def _sift(a: list, first: int, hole: int, n: int, item) -> None:
    """libstdc++'s __adjust_heap: the hole at `hole` walks down to a leaf along the larger
    child (the right one unless the left is larger), then `item` climbs back up from there
    while its parent is smaller."""
    top = child = hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if a[first + child][0] < a[first + child - 1][0]:
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if n % 2 == 0 and child == (n - 2) // 2:  # a last parent with only a left child
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and a[first + parent][0] < item[0]:
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = item
