"""Hostile graph files that move an argument between a node's inputs and its attributes.
static.trace makes a tensor argument an input and any other an attribute, and static.load's
size and work checks look for each there; where a file moved one (or left it out) the check's
lookup failed and was taken for "the op fails as it runs", so no check happened: matmul's a
as an attribute loaded 2**44 multiply-adds, col2im's shape as a constant input allocated
4 TiB as the graph ran, conv2d's image as an attribute skipped its columns' bound. Each test
named `..._is_refused` loaded such a file before the fix; the last pins the graphs of ops
whose argument may be a tensor or a number, which must keep loading.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from helpers import edited_graph_file

import minigrad
import minigrad.nn.functional as F
from minigrad import static


def _refused(path, argument: str) -> None:
    with pytest.raises(ValueError, match=f"needs its argument '{argument}'"):
        static.load(path)


def _add_constant(doc, path_members: dict, array) -> int:
    """A new constant value holding array (its member goes in path_members): its id."""
    vid = len(doc["values"])
    name = f"arrays/{len(doc['constants'])}.npy"
    doc["values"].append([list(array.shape), str(array.dtype)])
    doc["constants"][str(vid)] = {"value": {"array": name}, "name": ""}
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    path_members[name] = buffer.getvalue()
    return vid


def _with_members(path: str, members: dict) -> str:
    with zipfile.ZipFile(path, "a") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("tensor", [True, False])  # a Tensor, or an array, as the attribute
def test_matmul_with_a_tensor_given_as_an_attribute_is_refused(tmp_path, tensor):
    g = static.trace(minigrad.matmul, minigrad.ones(3, 3), minigrad.ones(3, 3))

    def edit(doc):  # (2**14, 2**15) @ (2**15, 2**14): 2**43 multiply-adds, the limit's double
        doc["values"][0][0], doc["values"][1][0] = [2**14, 2**15], [2**15, 2**14]
        doc["values"][2][0] = [2**14, 2**14]
        node = doc["nodes"][0]
        node["inputs"], node["attrs"] = [1, 0], {"a": {"ref": [1, tensor]}}

    _refused(edited_graph_file(tmp_path, g, edit), "a")


def test_col2im_with_its_shape_given_as_a_constant_input_is_refused(tmp_path):
    w = minigrad.ones(1, 1, 3, 3)
    g = static.trace(lambda x: F.conv_transpose2d(x, w), minigrad.ones(1, 1, 4, 4))
    members = {}

    def edit(doc):  # a (1, 1, 2**20, 2**20) result: 4 TiB of float32
        (node,) = [n for n in doc["nodes"] if n["op"] == "col2im"]
        del node["attrs"]["shape"]
        node["inputs"].append(_add_constant(doc, members, np.array([1, 1, 2**20, 2**20])))

    _refused(_with_members(edited_graph_file(tmp_path, g, edit), members), "shape")


def test_one_hot_with_num_classes_given_as_a_graph_input_is_refused(tmp_path):
    g = static.trace(lambda x: F.one_hot(x, 5), minigrad.tensor([1, 2]))

    def edit(doc):
        doc["values"].append([[], "int64"])
        doc["inputs"].append(2)
        doc["input_names"].append("x1")
        node = doc["nodes"][0]
        del node["attrs"]["num_classes"]
        node["inputs"].append(2)

    _refused(edited_graph_file(tmp_path, g, edit), "num_classes")


@pytest.mark.parametrize("tensor", [True, False])
def test_conv2d_with_its_image_given_as_an_attribute_is_refused(tmp_path, tensor):
    g = static.trace(F.conv2d, minigrad.ones(1, 1, 8, 8), minigrad.ones(1, 1, 3, 3))

    def edit(doc):  # an image (64, 64, 512, 512): 9.6 billion elements of columns
        doc["values"][0][0] = [64, 64, 512, 512]
        node = doc["nodes"][0]
        node["inputs"] = [1, 0]
        node["attrs"]["x"] = {"ref": [1, tensor]}

    _refused(edited_graph_file(tmp_path, g, edit), "x")


def test_an_elementwise_op_with_its_tensor_given_as_an_attribute_is_refused(tmp_path):
    """No size check reads exp's x, so this one moved loaded: static.trace never writes it."""
    g = static.trace(minigrad.exp, minigrad.ones(3))

    def edit(doc):
        doc["nodes"][0]["attrs"] = {"x": {"ref": [0, True]}}

    _refused(edited_graph_file(tmp_path, g, edit), "x")


def test_col2im_without_its_shape_is_refused(tmp_path):
    w = minigrad.ones(1, 1, 3, 3)
    g = static.trace(lambda x: F.conv_transpose2d(x, w), minigrad.ones(1, 1, 4, 4))

    def edit(doc):
        (node,) = [n for n in doc["nodes"] if n["op"] == "col2im"]
        del node["attrs"]["shape"]

    _refused(edited_graph_file(tmp_path, g, edit), "shape")


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, y: minigrad.pow(x, y),
        lambda x, y: minigrad.pow(x, 2.5),
        lambda x, y: minigrad.clamp(x, min=y),
        lambda x, y: minigrad.clamp(x, 0.5, 2.0),
        lambda x, y: minigrad.where(x > 1, x, 0.0),
        lambda x, y: minigrad.histogram(x, 3)[0],
        lambda x, y: minigrad.histogram(x, y.sort()[0])[0],
    ],
)
def test_an_argument_a_tensor_or_a_number_loads_either_way(tmp_path, fn):
    x, y = minigrad.tensor([0.5, 1.5, 2.5]), minigrad.tensor([2.0, 1.0, 0.0])
    g = static.trace(fn, x, y)
    g.save(tmp_path / "g.mgraph")
    loaded = static.load(tmp_path / "g.mgraph")
    np.testing.assert_array_equal(loaded(x, y).numpy(), fn(x, y).numpy())
