"""Malformed BPMN is rejected with the file, the element and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.deployment import read_source, read_source_forms
from engine.errors import BpmnValidationError
from engine.spec_registry import SpecRegistry
from workflows.domain.catalog import Catalog
from workflows.wiring.bootstrap import make_registry

BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "closed_loop.bpmn"


@pytest.fixture(scope="module")
def registry() -> SpecRegistry:
    return make_registry(Catalog.load())


@pytest.fixture(scope="module")
def source():
    return read_source(BPMN)


def _problems(registry: SpecRegistry, xml: bytes, forms) -> list:
    with pytest.raises(BpmnValidationError) as err:
        registry.validate("closed_loop.bpmn", xml, forms)
    return err.value.problems


def _line_of(xml: bytes, needle: bytes) -> int:
    return xml[: xml.index(needle)].count(b"\n") + 1


def test_the_shipped_process_is_valid(registry: SpecRegistry, source) -> None:
    checked = registry.validate(source.file_name, source.xml, source.forms)
    assert checked.process_id == "closed_loop"
    assert "closed_loop.review.schema.json" in checked.form_files


def test_not_xml_names_the_line(registry: SpecRegistry) -> None:
    problems = _problems(registry, b'<?xml version="1.0"?>\n<definitions>\n<oops\n', {})
    assert problems[0].line is not None and problems[0].line >= 3
    assert "not well-formed" in problems[0].message


def test_unknown_lane_role_names_the_lane_and_line(registry: SpecRegistry, source) -> None:
    xml = source.xml.replace(b'name="department_handler"', b'name="janitor"', 1)
    problems = _problems(registry, xml, source.forms)
    lane = [p for p in problems if "janitor" in p.message]
    assert lane, problems
    assert lane[0].element_id == "lane_department_handler"
    assert lane[0].line == _line_of(xml, b'name="janitor"')


def test_missing_form_names_the_user_task(registry: SpecRegistry, source) -> None:
    forms = {k: v for k, v in source.forms.items() if k != "closed_loop.verify.schema.json"}
    problems = _problems(registry, source.xml, forms)
    assert [(p.element_id, "missing" in p.message) for p in problems] == [("verify", True)]
    assert problems[0].line == _line_of(source.xml, b'id="verify"')


def test_dangerous_condition_is_rejected_before_deploy(registry: SpecRegistry, source) -> None:
    xml = source.xml.replace(b"decision == 'reject'", b"__import__('os').system('id')", 1)
    problems = _problems(registry, xml, source.forms)
    assert any("__import__" in p.message for p in problems), problems


def test_bad_timer_expression_is_reported(registry: SpecRegistry, source) -> None:
    timer = (
        b'<bpmn:boundaryEvent id="t_bad" attachedToRef="review" cancelActivity="false">'
        b'<bpmn:timerEventDefinition><bpmn:timeDuration>"P2X"</bpmn:timeDuration>'
        b"</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    )
    xml = source.xml.replace(b"</bpmn:process>", timer + b"</bpmn:process>", 1)
    problems = _problems(registry, xml, source.forms)
    assert any(p.element_id == "t_bad" and "timer" in p.message for p in problems), problems


@pytest.mark.parametrize("cycle", ["'R/PT0S'", "'R/PT10S'", "'R5/PT0.5S'"])
def test_a_timer_cycle_that_would_fire_without_end_is_refused(
    registry: SpecRegistry, source, cycle: str
) -> None:
    """An attack: a non-interrupting timer repeating every 0 s held the engine in one request
    for ever. Refused at deploy, naming the event and its line."""
    timer = (
        b'<bpmn:boundaryEvent id="t_spin" attachedToRef="review" cancelActivity="false">'
        b"<bpmn:timerEventDefinition><bpmn:timeCycle>" + cycle.encode() + b"</bpmn:timeCycle>"
        b"</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    )
    xml = source.xml.replace(b"</bpmn:process>", timer + b"</bpmn:process>", 1)
    problems = _problems(registry, xml, source.forms)
    spin = [p for p in problems if p.element_id == "t_spin"]
    assert spin and "more often than every 60 s" in spin[0].message, problems
    assert spin[0].line == _line_of(xml, b"<bpmn:timeCycle>")


@pytest.mark.parametrize(
    ("before", "after", "element", "says"),
    [
        (
            b'name="status" value="registered"',
            b'name="stauts" value="registered"',
            "dispatch",
            "unknown property 'stauts'",
        ),
        (
            b'name="status" value="registered"',
            b'name="status" value="done"',
            "dispatch",
            "status='done' is not one of",
        ),
        (
            b'name="emit" value="overdue"',
            b'name="emit" value="fire_alarm"',
            None,
            "emit='fire_alarm' is not one of",
        ),
        (
            b'name="unit" value="review_unit"',
            b'name="colour" value="review_unit"',
            "review",
            "no spiffworkflow property 'unit'",
        ),
        (
            b'name="timer" value="overdue"',
            b'name="due" value="overdue"',
            None,
            "property 'due' does not belong on a boundaryEvent",
        ),
    ],
)
def test_the_property_contract_is_checked_at_deploy(
    registry: SpecRegistry, source, before: bytes, after: bytes, element: str | None, says: str
) -> None:
    xml = source.xml.replace(before, after, 1)
    problems = _problems(registry, xml, source.forms)
    found = [p for p in problems if says in p.message]
    assert found, problems
    assert found[0].line is not None
    if element:
        assert found[0].element_id == element


@pytest.mark.parametrize(
    "name",
    [
        "../secret.json",
        "/etc/passwd.json",
        "../../catalog.schema.json",
        "forms/x.json",
        "..json",
        "a\\b.json",
    ],
)
def test_a_form_outside_the_forms_folder_is_never_read(
    registry: SpecRegistry, source, tmp_path: Path, name: str
) -> None:
    """An attack: a designer names a JSON file elsewhere on the server as a task's form.
    Nothing is read, and the answer is the same whether such a file exists or not."""
    xml = source.xml.replace(
        b'value="closed_loop.verify.schema.json"', f'value="{name}"'.encode(), 1
    )
    (tmp_path / "forms").mkdir()
    secret = tmp_path / "secret.json"
    secret.write_text('{"type": "object", "title": "secret"}')
    forms = read_source_forms(xml, tmp_path / "forms")
    assert set(forms) <= set(source.forms) and "secret" not in str(forms)
    problems = _problems(registry, xml, {**source.forms, name: {"type": "object"}})
    assert [(p.element_id, "plain file name" in p.message) for p in problems] == [("verify", True)]


def test_every_expression_of_the_file_is_checked(registry: SpecRegistry, source) -> None:
    """Message payloads, and the processes beside the main one, were not checked at deploy."""
    xml = source.xml.replace(
        b"{'review_unit': review_unit,", b"{'review_unit': invited.append(1),", 1
    )
    other = (
        b'<bpmn:process id="other" isExecutable="false">'
        b'<bpmn:startEvent id="o_start"/><bpmn:endEvent id="o_end"/>'
        b'<bpmn:sequenceFlow id="o_flow" sourceRef="o_start" targetRef="o_end">'
        b"<bpmn:conditionExpression>().__class__</bpmn:conditionExpression>"
        b"</bpmn:sequenceFlow></bpmn:process>"
    )
    xml = xml.replace(b"</bpmn:process>", b"</bpmn:process>" + other, 1)
    problems = _problems(registry, xml, source.forms)
    named = {(p.element_id, p.message.split(":")[0]) for p in problems}
    assert ("convene", "message payload") in named, problems
    assert ("o_flow", "condition") in named, problems


def test_a_flow_from_nowhere_is_refused(registry: SpecRegistry, source) -> None:
    """Accepted by validate and deploy until now (the flow was silently left out)."""
    xml = source.xml.replace(
        b'sourceRef="closed" targetRef="evaluate"', b'sourceRef="clsoed" targetRef="evaluate"', 1
    )
    problems = _problems(registry, xml, source.forms)
    assert [(p.element_id, "'clsoed' names no element" in p.message) for p in problems] == [
        ("flow_closed_to_evaluate", True)
    ]
