"""The restricted evaluator refuses the classic escapes with clear errors."""

from __future__ import annotations

import pytest

from engine import bounded_eval
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


@pytest.mark.parametrize(
    "expression",
    [
        "4000000**4000000 > 0",  # held the interpreter for 57 s
        "10**5000",
        "(10**4000) * (10**4000)",
        "1 << 100000",
        "'a'.ljust(5*10**7)",  # stored a 50 MB state row
        "'a'.rjust(10**6)",
        "'a'.center(10**6)",
        "'1'.zfill(10**6)",
        "('\\t' * 1000).expandtabs(10**4)",
        "('a' * 1000).replace('a', 'b' * 1000)",
        "'x'.replace('', 'y' * 99999)",
        "f'{1:>99999999}'",
        "'{:>99999999}'.format(1)",
        "'ab' * 99999",
        "[1] * 10**6",
        "[[1]*99999 for a in [0]*9999]",  # asked for ~8 GB
        "[x for x in [0]*9999 for y in [0]*9999]",
        "','.join(['a'] * 99999)",
    ],
)
def test_expressions_cannot_grow_without_bound(env: RestrictedEnvironment, expression: str) -> None:
    """Each of these, deployed in a condition or script, once held the service or stored
    a huge state row; now each stops at once with a clear error."""
    with pytest.raises(ScriptError) as err:
        env.evaluate(expression, {})
    message = str(err.value)
    assert any(
        words in message
        for words in ("digits", "characters or items", "elements", "steps", "not allowed")
    ), message


@pytest.mark.parametrize(
    "expression", ["d.update({'x': 1})", "xs.append(1)", "xs.pop()", "s.add(1)", "xs.sort()"]
)
def test_expressions_may_not_change_data(env: RestrictedEnvironment, expression: str) -> None:
    data = {"d": {}, "xs": [3, 1], "s": set()}
    with pytest.raises(ScriptError) as err:
        env.evaluate(expression, data)
    assert "may not change data" in str(err.value)
    assert data == {"d": {}, "xs": [3, 1], "s": set()}
    with pytest.raises(ScriptError):
        check_expression(expression)  # refused at deploy already


def test_ordinary_expressions_still_work(env: RestrictedEnvironment) -> None:
    data = {"name": "东湖", "xs": [1, 2, 3], "n": 7}
    assert env.evaluate("name.replace('东', '西') + str(n).zfill(3)", data) == "西湖007"
    assert env.evaluate("[x * 2 for x in xs if x > 1]", data) == [4, 6]
    assert env.evaluate("2**64 + len(', '.join(['a', 'b']))", data) == 2**64 + 4
    assert env.evaluate("f'{n:>4}|{name}'", data) == "   7|东湖"
    assert env.evaluate("sorted(xs) if False else xs.count(2)", data) == 1


@pytest.mark.parametrize(
    "expression", ["1+" * 50_000 + "1", "-" * 3000 + "1", "(" * 90 + "1" + ")" * 90 + "+1" * 2500]
)
def test_huge_or_deep_expressions_are_refused_at_deploy(expression: str) -> None:
    """An attack: deploying 50,000 chained ``1+`` answered 500 (a recursion error)."""
    with pytest.raises(ScriptError) as err:
        check_expression(expression)
    assert "characters" in str(err.value) or "nested too deeply" in str(err.value)


def test_an_evaluation_has_a_time_budget(
    env: RestrictedEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last guard behind the step and size limits: an evaluation still running when its
    time budget is spent stops with a clear error. The budget is set to nothing here rather
    than waited for."""
    monkeypatch.setattr(bounded_eval, "MAX_SECONDS", -1.0)
    assert env.evaluate("len([1, 2])", {}) == 2  # too short to read the clock
    with pytest.raises(ScriptError) as err:
        env.evaluate("[x for x in [0] * 999]", {})
    assert "takes more than" in str(err.value)


def test_scripts_may_drop_a_variable(env: RestrictedEnvironment) -> None:
    """``del name`` lets a loop re-enter a multi-instance activity (whose item variable
    must not be there yet); a name that is not there is no error."""
    data = {"handler": "dept-cg", "n": 1}
    env.execute("del handler\ndel missing\nn = n + 1", data)
    assert data == {"n": 2}
    with pytest.raises(ScriptError):
        parse_script("del _secret")
    with pytest.raises(ScriptError):
        parse_script("del data['x']")
