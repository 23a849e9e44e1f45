"""The host's property rules are enforced at validation, each finding naming the element and
its line."""

from __future__ import annotations

import pytest

from engine.errors import BpmnProblem, BpmnValidationError
from engine.spec_registry import SpecRegistry


def _line_of(xml: bytes, needle: bytes) -> int:
    return xml[: xml.index(needle)].count(b"\n") + 1


def _problems(registry: SpecRegistry, xml: bytes) -> list[BpmnProblem]:
    with pytest.raises(BpmnValidationError) as err:
        registry.validate("review.bpmn", xml, {})
    return err.value.problems


def test_the_fixture_keeps_the_rules(registry, bpmn_xml) -> None:
    checked = registry.validate("review.bpmn", bpmn_xml("review"), {})
    assert (checked.process_id, checked.name, checked.form_files) == ("review", "Review", ())


@pytest.mark.parametrize(
    ("before", "after", "element", "says"),
    [
        pytest.param(
            b'<spiffworkflow:property name="unit" value="board"/>',
            b"",
            "approve",
            "user task has no spiffworkflow property 'unit'",
            id="required-missing",
        ),
        pytest.param(
            b'name="status" value="checking"',
            b'name="stauts" value="checking"',
            "check",
            "unknown property 'stauts'",
            id="unknown-name",
        ),
        pytest.param(
            b'name="emit" value="shared"',
            b'name="status" value="accepted"',
            "share",
            "property 'status' does not belong on a scriptTask",
            id="wrong-element",
        ),
        pytest.param(
            b'name="status" value="checking"',
            b'name="timer" value="warning"',
            "check",
            "property 'timer' does not belong on a userTask",
            id="timer-on-user-task",
        ),
        pytest.param(
            b'name="status" value="accepted"',
            b'name="status" value="approved"',
            "end_accepted",
            "status='approved' is not one of: accepted, checking, rejected",
            id="value-not-allowed",
        ),
        pytest.param(
            b'name="emit" value="shared"',
            b'name="emit" value=" "',
            "share",
            "property 'emit' has no value",
            id="empty-value",
        ),
    ],
)
def test_a_broken_rule_names_the_element_and_its_line(
    registry, bpmn_xml, before: bytes, after: bytes, element: str, says: str
) -> None:
    xml = bpmn_xml("review")
    assert xml.count(before) == 1
    xml = xml.replace(before, after)
    [problem] = _problems(registry, xml)
    assert says in problem.message
    assert problem.element_id == element
    assert problem.line == _line_of(xml, f'id="{element}"'.encode())
    assert problem.file == "review.bpmn"


def test_every_broken_rule_is_reported_at_once(registry, bpmn_xml) -> None:
    xml = (
        bpmn_xml("review")
        .replace(b'name="status" value="checking"', b'name="stauts" value="checking"')
        .replace(b'<spiffworkflow:property name="unit" value="board"/>', b"")
        .replace(b'name="status" value="rejected"', b'name="status" value="lost"')
    )
    found = {(p.element_id, p.line) for p in _problems(registry, xml)}
    assert found == {
        ("check", _line_of(xml, b'id="check"')),
        ("approve", _line_of(xml, b'id="approve"')),
        ("end_rejected", _line_of(xml, b'id="end_rejected"')),
    }


def test_without_rules_any_property_is_accepted(bpmn_xml) -> None:
    xml = bpmn_xml("review").replace(b'name="status" value="checking"', b'name="colour" value="x"')
    assert SpecRegistry({"clerk", "boss"}).validate("review.bpmn", xml, {}).process_id == "review"
