"""Limits a designer cannot lift on what one BPMN expression may compute.

``simpleeval`` bounds string repetition and comprehension length, but a deployed expression
still took the service down: ``4000000**4000000`` held the interpreter for a minute,
``'a'.ljust(5*10**7)`` stored a 50 MB state row, ``[[1]*99999 for a in [0]*9999]`` asked for
8 GB. Here every operation that can grow a value is checked *before* it runs where the size
can be known (powers, products and shifts of integers, padding and replacing methods, format
widths), every value is measured after, and one evaluation has a budget of steps and of
elements made, and of time (the step and size limits keep it far below the budget; the
clock is the last guard). Expressions are pure: a method that changes its object is refused.
"""

from __future__ import annotations

import ast
import math
import re
import string
import time
from collections.abc import Sized
from typing import Any

import simpleeval

from engine.errors import ScriptError

MAX_SIZE = 100_000  # characters or items of one value
MAX_DIGITS = 4_300  # of one integer (Python's own limit for int ↔ str)
MAX_ELEMENTS = 1_000_000  # characters and items made by one evaluation, in all
MAX_STEPS = 200_000  # nodes evaluated by one evaluation (loops in comprehensions)
MAX_SECONDS = 1.0  # of one evaluation, read every CLOCK_EVERY steps
CLOCK_EVERY = 256
MUTATING = frozenset(
    {
        "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault",
        "popitem", "add", "discard", "sort", "reverse", "intersection_update",
        "difference_update", "symmetric_difference_update",
    }
)  # fmt: skip
# Methods whose result may be far larger than their object: the width they are given.
PADDING = frozenset({"ljust", "rjust", "center", "zfill"})
_WIDTH = re.compile(r"(\d+)")


class BoundedEval(simpleeval.EvalWithCompoundTypes):
    """``EvalWithCompoundTypes`` with the limits above."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._steps = 0
        self._made = 0
        self._deadline = time.monotonic() + MAX_SECONDS

    def _eval(self, node: ast.AST) -> Any:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise ScriptError(f"the expression takes more than {MAX_STEPS} steps")
        if self._steps % CLOCK_EVERY == 0 and time.monotonic() > self._deadline:
            raise ScriptError(f"the expression takes more than {MAX_SECONDS:g} s")
        if isinstance(node, ast.BinOp):
            return self._measured(self._binop(node))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return self._measured(self._method_call(node))
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            _check_format_spec(ast.unparse(node.format_spec))
        return self._measured(super()._eval(node))

    def _measured(self, value: Any) -> Any:
        size = _size(value)
        if size > MAX_SIZE:
            raise ScriptError(f"a value of more than {MAX_SIZE} characters or items")
        self._made += size
        if self._made > MAX_ELEMENTS:
            raise ScriptError(f"the expression makes more than {MAX_ELEMENTS} elements")
        return value

    def _binop(self, node: ast.BinOp) -> Any:
        left, right = self._eval(node.left), self._eval(node.right)
        if _whole(left) and _whole(right):
            digits = _digits_of(node.op, left, right)
            if digits > MAX_DIGITS:
                raise ScriptError(f"a number of more than {MAX_DIGITS} digits")
        elif isinstance(node.op, ast.Mult) and _whole(right) and isinstance(left, Sized):
            _check_width(len(left) * right)
        elif isinstance(node.op, ast.Mult) and _whole(left) and isinstance(right, Sized):
            _check_width(len(right) * left)
        return self.operators[type(node.op)](left, right)

    def _method_call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Attribute)
        name = node.func.attr
        if name in MUTATING:
            raise ScriptError(f"expressions may not change data: .{name}() is not allowed")
        owner = self._eval(node.func.value)
        args = [self._eval(a) for a in node.args]
        kwargs = {k.arg: self._eval(k.value) for k in node.keywords if k.arg}
        if isinstance(owner, str):
            _check_string_method(owner, name, args)
        method = self._eval_attribute_of(owner, node.func)
        return method(*args, **kwargs)

    def _eval_attribute_of(self, owner: Any, node: ast.Attribute) -> Any:
        """The attribute as simpleeval would give it (its dunder and safety checks)."""
        holder = ast.Name(id="_owner_", ctx=ast.Load())
        saved = self.names
        self.names = {"_owner_": owner}
        try:
            return self._eval_attribute(ast.Attribute(value=holder, attr=node.attr, ctx=node.ctx))
        finally:
            self.names = saved


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _digits(value: int) -> int:
    return max(1, math.ceil(abs(value).bit_length() * 0.30103))


def _digits_of(op: ast.operator, left: int, right: int) -> int:
    """The digits the result may have, known before it is computed."""
    if isinstance(op, ast.Pow) and right > 0 and abs(left) > 1:
        return math.ceil(right * math.log10(abs(left)))
    if isinstance(op, ast.Mult):
        return _digits(left) + _digits(right)
    if isinstance(op, ast.LShift) and right > 0:
        return _digits(left) + math.ceil(right * 0.30103)
    return max(_digits(left), _digits(right)) + 1


def _size(value: Any) -> int:
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        return len(value)
    return 0


def _check_width(width: int) -> None:
    if width > MAX_SIZE:
        raise ScriptError(f"a value of more than {MAX_SIZE} characters or items")


def _check_string_method(owner: str, name: str, args: list[Any]) -> None:
    if name in PADDING and args and _whole(args[0]):
        _check_width(args[0])
    elif name == "expandtabs":
        tab = args[0] if args and _whole(args[0]) else 8
        _check_width(len(owner) + owner.count("\t") * tab)
    elif name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
        old, new = args[0], args[1]
        times = owner.count(old) if old else len(owner) + 1
        _check_width(len(owner) + times * max(0, len(new) - len(old)))
    elif name in ("format", "format_map"):
        for _text, _field, spec, _conv in string.Formatter().parse(owner):
            if spec:
                _check_format_spec(spec)
    elif name == "join" and args and isinstance(args[0], Sized):
        _check_width(len(args[0]) * (len(owner) + 1))


def _check_format_spec(spec: str) -> None:
    """A format spec's width and precision (``>99999999``) are sizes too."""
    for found in _WIDTH.findall(spec):
        _check_width(int(found) if len(found) < 12 else MAX_SIZE + 1)
