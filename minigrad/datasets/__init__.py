"""Small datasets for the course, all offline: scikit-learn's digits, spirals and moons made
in code, and a reader for MNIST / Fashion-MNIST IDX files that you already have.

    X_train, y_train, X_test, y_test = minigrad.datasets.load_digits(split=True)
"""

from minigrad.datasets.idx import load_mnist, read_idx
from minigrad.datasets.toy import load_digits, make_moons, make_spirals

__all__ = ["load_digits", "load_mnist", "make_moons", "make_spirals", "read_idx"]
