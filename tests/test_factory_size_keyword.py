"""The factories take the shape as size= too (`torch.randn(size=(3, 4))` in docs and blog
code), as PyTorch's, and refuse it given twice."""

import pytest

import minigrad


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword(name):
    factory = getattr(minigrad, name)
    assert factory(size=(2, 3)).shape == (2, 3)
    assert factory(size=[4], dtype=minigrad.float64).dtype is minigrad.float64
    with pytest.raises(TypeError, match=f"{name}\\(\\) got the shape twice"):
        factory(2, size=(2,))
