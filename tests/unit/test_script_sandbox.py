"""The restricted evaluator refuses the classic escapes with clear errors."""

from __future__ import annotations

import pytest

from engine.errors import ScriptError
from engine.script_sandbox import RestrictedEnvironment, check_expression, parse_script


@pytest.fixture
def env() -> RestrictedEnvironment:
    return RestrictedEnvironment({"double": lambda x: 2 * x})


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "().__class__.__bases__[0].__subclasses__()",
        "(1).__class__",
        "open('/etc/passwd').read()",
        "eval('1')",
        "exec('x = 1')",
        "getattr(decision, '__class__')",
        "[c for c in ().__class__.__mro__]",
    ],
)
def test_escapes_fail_with_a_clear_error(env: RestrictedEnvironment, expression: str) -> None:
    with pytest.raises(ScriptError) as err:
        env.evaluate(expression, {"decision": "accept"})
    assert "not allowed" in str(err.value) or "not registered" in str(err.value)


def test_conditions_see_task_data_and_registered_functions(env: RestrictedEnvironment) -> None:
    assert env.evaluate(
        "decision == 'reject' and not fixed", {"decision": "reject", "fixed": False}
    )
    assert env.evaluate("double(n) + len(xs)", {"n": 4, "xs": [1, 2]}) == 10


def test_unknown_name_is_reported(env: RestrictedEnvironment) -> None:
    with pytest.raises(ScriptError, match="unknown name 'missing'"):
        env.evaluate("missing == 1", {})


def test_scripts_are_assignment_lines_evaluated_in_order(env: RestrictedEnvironment) -> None:
    data = {"n": 1}
    env.execute("n = n + 1\nm = double(n)", data)
    assert data == {"n": 2, "m": 4}


@pytest.mark.parametrize(
    "script",
    ["import os", "for i in range(3):\n    x = i", "x.y = 1", "def f():\n    pass", "_x = 1"],
)
def test_scripts_reject_anything_but_assignments(script: str) -> None:
    with pytest.raises(ScriptError, match="line 1"):
        parse_script(script)


def test_static_check_rejects_dunders() -> None:
    with pytest.raises(ScriptError, match="__class__"):
        check_expression("x.__class__")
    check_expression("decision == 'accept'")
