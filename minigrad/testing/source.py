"""`assert_not_used`: fail an answer whose source names what the question asks the student to
write by hand. Calling minigrad's own op (or autograd) inside a backward rule, a layer or an
optimizer step passes every check of the values, so only the source can tell.

# NOTE: a deterrent, not a proof: a name built at run time (getattr with a joined string) goes
# unseen. The checks of the values still run on every answer.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

# Routes to a gradient that minigrad computes: none belongs in a backward rule written by hand.
AUTOGRAD = ("autograd", "backward", "vjp", "jvp", "jacrev", "jacfwd", "func", "torch")


def _named(tree: ast.AST, names: frozenset[str]) -> dict[str, int]:
    """{name: first line} for each of `names` used as a name, an attribute (except of ctx and
    self) or a module part."""
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words = [node.id]
        elif isinstance(node, ast.Attribute):
            # what an answer stores on its own ctx or self (ctx.softmax) calls nothing
            mine = isinstance(node.value, ast.Name) and node.value.id in ("ctx", "self")
            words = [] if mine else [node.attr]
        elif isinstance(node, ast.ImportFrom):
            words = (node.module or "").split(".") + [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            words = [part for a in node.names for part in a.name.split(".")]
        else:
            continue
        for word in set(words) & names:
            found.setdefault(word, node.lineno)
    return found


def assert_not_used(fn, names, what: str) -> None:
    """AssertionError if the source of function `fn` names any of `names` (see the module)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        raise AssertionError(
            f"the source of {what} cannot be read: define it with def in the answer cell"
        ) from None
    found = _named(tree, frozenset(names))
    if found:
        where = ", ".join(f"{name} (line {line})" for name, line in sorted(found.items()))
        raise AssertionError(
            f"{what} uses {where}: this question asks you to write it yourself, not to call "
            "minigrad's own"
        )
