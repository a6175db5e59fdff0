"""minigrad.viz: the drawing of an autograd graph and of a static Graph."""

import xml.etree.ElementTree as ET

import pytest

import minigrad
from minigrad import viz
from minigrad.viz.layout import layout
from minigrad.viz.model import from_tensor


def _mlp_loss():
    x = minigrad.randn(3, 4, requires_grad=True)
    w = minigrad.randn(4, 2, requires_grad=True)
    return x, w, (x @ w).relu().sum()


def test_draw_shows_ops_and_shapes_inline_svg():
    x, w, y = _mlp_loss()
    svg = viz.draw(y, {x: "x", w: "w"})._repr_svg_()
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag.endswith("svg")
    for text in ("MatMul", "Relu", "Sum", "(3, 2)", "(4, 2) float32", ">x<", ">w<"):
        assert text in svg


def test_gradients_appear_after_backward():
    x, w, y = _mlp_loss()
    assert "grad" not in viz.draw(y).svg
    y.backward()
    assert "grad |g|=" in viz.draw(y, {"x": x, "w": w}).svg


def test_small_gradients_are_shown_as_values():
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (a * 3).sum().backward()
    assert "grad [3., 3.]" in viz.draw((a * 3).sum()).svg


def test_to_dot_and_save(tmp_path):
    x, w, y = _mlp_loss()
    dot = viz.to_dot(y)
    assert dot.startswith("digraph minigrad {") and dot.count("->") == 5
    svg_path = viz.draw(y).save(tmp_path / "g.svg")
    ET.parse(svg_path)
    assert viz.draw(y).save(tmp_path / "g.dot").read_text() == dot


def test_a_leaf_alone_and_a_wrong_type():
    assert len(viz.draw(minigrad.ones(2)).picture.boxes) == 1
    with pytest.raises(TypeError, match="expected a Tensor or a minigrad.static Graph"):
        viz.draw([1, 2])


def test_shared_inputs_are_drawn_once():
    x = minigrad.randn(3, requires_grad=True)
    y = x * x + x
    pic = from_tensor(y)
    assert sum(b.title == "leaf" for b in pic.boxes) == 1
    assert len(pic.arrows) == len(set(pic.arrows))


def test_layout_flows_downwards_without_overlap():
    x, w, y = _mlp_loss()
    pic = from_tensor(y)
    placed, width, height = layout(pic)
    for a, b in pic.arrows:  # data flows down the page
        assert placed[a].y + placed[a].h <= placed[b].y
    for i, p in enumerate(placed):
        assert p.x >= 0 and p.x + p.w <= width and p.y + p.h <= height
        for q in placed[i + 1 :]:
            apart = p.x + p.w <= q.x or q.x + q.w <= p.x or p.y + p.h <= q.y or q.y + q.h <= p.y
            assert apart


def test_a_deep_chain_does_not_recurse():
    x = minigrad.randn(2, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    assert len(from_tensor(y).boxes) == 3002
    assert viz.draw(y).svg.count("<rect") == 3002
