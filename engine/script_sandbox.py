"""A restricted evaluator for BPMN conditions, timer expressions and script tasks.

SpiffWorkflow's default environment is plain ``eval``/``exec``: ``__import__('os')`` works
and even empty builtins can be escaped through the subclass walk. Process designers deploy
from the web, so their expressions run here instead, in ``simpleeval``: no dunder access, no
imports, no names but the task data and the functions the domain registers.

Scripts are deliberately tiny: each line is ``name = expression``. Anything more is a business
rule and belongs in a registered function, not in the diagram.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable, Mapping
from typing import Any

import simpleeval
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.bounded_eval import MUTATING, BoundedEval
from engine.errors import ScriptError

SAFE_BUILTINS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
}


# CPython 3.11's ast.parse is not safe across threads (two workers completing tasks at once
# raised "SystemError: AST constructor recursion depth mismatch"), so every parse goes
# through one lock; expressions come from deployed diagrams, so their trees are kept.
_PARSE_LOCK = threading.Lock()
_PARSED: dict[str, ast.AST] = {}
_PARSED_LIMIT = 20_000
# The longest expression a diagram may hold (a condition of 50,000 chained "1+" made the
# parser fail with a recursion error).
MAX_EXPRESSION = 5_000


def parse(source: str, mode: str = "exec") -> ast.AST:
    """``ast.parse`` under the module's lock."""
    with _PARSE_LOCK:
        return ast.parse(source, mode=mode)


def parsed_expression(expression: str) -> ast.AST:
    """The evaluator's tree of an expression, parsed once."""
    found = _PARSED.get(expression)
    if found is None:
        with _PARSE_LOCK:
            found = simpleeval.SimpleEval.parse(expression)
        if len(_PARSED) < _PARSED_LIMIT:
            _PARSED[expression] = found
    return found


def _message(expression: str, err: Exception) -> str:
    if isinstance(err, simpleeval.NameNotDefined):
        return f"unknown name {err.name!r} in {expression!r}"
    if isinstance(err, simpleeval.FunctionNotDefined):
        return f"function {err.func_name!r} is not registered (in {expression!r})"
    if isinstance(err, simpleeval.FeatureNotAvailable | simpleeval.AttributeDoesNotExist):
        return f"not allowed in BPMN expressions: {err} (in {expression!r})"
    return f"{type(err).__name__}: {err} (in {expression!r})"


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and ``name = expression`` scripts over task data only."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None):
        super().__init__({})
        self.functions = {**SAFE_BUILTINS, **(functions or {})}

    def _evaluator(self, context: Mapping[str, Any], external: Mapping[str, Any] | None) -> Any:
        names = {"None": None, "True": True, "False": False, **(external or {}), **context}
        return BoundedEval(names=names, functions=self.functions)

    def evaluate(self, expression: str, context: dict[str, Any], external_context=None) -> Any:
        try:
            evaluator = self._evaluator(context, external_context)
            return evaluator.eval(expression, parsed_expression(expression))
        except ScriptError:
            raise
        except Exception as err:
            raise ScriptError(_message(expression, err)) from err

    def execute(self, script: str, context: dict[str, Any], external_context=None) -> bool:
        for name, expression in parse_script(script):
            if expression is None:
                context.pop(name, None)
            else:
                context[name] = self.evaluate(expression, context, external_context)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ScriptError("service tasks are run by the host, not by scripts")


def parse_script(script: str) -> list[tuple[str, str | None]]:
    """Split a script into ``(name, expression)`` pairs, rejecting anything else.

    ``del name`` drops a variable when it is there (``(name, None)``): a multi-instance
    activity entered again refuses to start while its item variable from the last round
    is still in the data.

    Raises:
        ScriptError: the script is not a sequence of simple assignments.
    """
    if len(script or "") > MAX_EXPRESSION * 10:
        raise ScriptError(f"a script of more than {MAX_EXPRESSION * 10} characters")
    try:
        tree = parse(script or "")
    except SyntaxError as err:
        raise ScriptError(f"line {err.lineno}: syntax error: {err.msg}") from err
    except (RecursionError, MemoryError) as err:
        raise ScriptError("the script is nested too deeply") from err
    pairs: list[tuple[str, str | None]] = []
    for node in tree.body:
        if isinstance(node, ast.Delete) and all(isinstance(t, ast.Name) for t in node.targets):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(n.startswith("_") for n in names):
                raise ScriptError(f"line {node.lineno}: names may not start with '_'")
            pairs += [(n, None) for n in names]
            continue
        if (
            not isinstance(node, ast.Assign)
            or len(node.targets) != 1
            or not isinstance(node.targets[0], ast.Name)
        ):
            raise ScriptError(
                f"line {node.lineno}: scripts may only contain 'name = expression' and "
                "'del name' lines"
            )
        name = node.targets[0].id
        if name.startswith("_"):
            raise ScriptError(f"line {node.lineno}: names may not start with '_'")
        pairs.append((name, ast.get_source_segment(script, node.value) or ""))
    return pairs


def check_expression(expression: str) -> None:
    """Reject an expression the evaluator would refuse, without running it.

    Raises:
        ScriptError: the expression does not parse, uses dunder names or calls a method
            that changes its object.
    """
    if len(expression) > MAX_EXPRESSION:
        raise ScriptError(f"an expression of more than {MAX_EXPRESSION} characters")
    try:
        tree = parse(expression, mode="eval")
    except SyntaxError as err:
        raise ScriptError(f"syntax error in {expression!r}: {err.msg}") from err
    except (RecursionError, MemoryError) as err:
        raise ScriptError(f"the expression is nested too deeply ({expression[:40]!r}…)") from err
    for node in ast.walk(tree):
        name = getattr(node, "id", None) or getattr(node, "attr", None)
        if isinstance(name, str) and name.startswith("__"):
            raise ScriptError(f"not allowed in BPMN expressions: {name!r} (in {expression!r})")
        called = node.func if isinstance(node, ast.Call) else None
        if isinstance(called, ast.Attribute) and called.attr in MUTATING:
            raise ScriptError(
                f"expressions may not change data: .{called.attr}() (in {expression!r})"
            )


class RestrictedScriptEngine(PythonScriptEngine):
    """Script engine using :class:`RestrictedEnvironment`; fixes Spiff's ``call_service`` bug."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None):
        super().__init__(environment=RestrictedEnvironment(functions))

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise ScriptError("service tasks are run by the host, not by scripts")
