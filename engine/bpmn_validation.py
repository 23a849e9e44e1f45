"""Validate a BPMN file and its forms before it may be deployed.

Every finding names the file, the element id and the line, so a designer can go straight to
it in the modeler. Checks, in order: well-formed XML, the BPMN 2.0 XSD, then our own rules
(lanes are known roles, user tasks sit in lanes, extension properties follow the host's
declared rules, forms exist and are valid JSON Schema, conditions, scripts and timer
expressions are accepted by the restricted evaluator), then SpiffWorkflow's own parse.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import isodate
import jsonschema
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.assignment import FORM_PROPERTY, is_plain_form_name
from engine.errors import BpmnProblem, BpmnValidationError, Phrase, ScriptError
from engine.properties import PropertyRule
from engine.script_sandbox import check_expression, parse, parse_script

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
_USER_TASK_TAGS = ("userTask", "manualTask")


@dataclass(frozen=True)
class ValidatedBpmn:
    """What validation learned about a file: its main process and the forms it uses."""

    process_id: str
    name: str
    form_files: tuple[str, ...]


@functools.cache
def _xsd() -> BpmnValidator:
    """Build the XSD validator once; it costs ~15 ms."""
    return BpmnValidator()


def user_task_properties(element: etree._Element) -> dict[str, str]:
    """Read ``spiffworkflow:property`` name/value pairs of a flow node."""
    props = element.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS
    )
    return {p.get("name"): p.get("value", "") for p in props}


def referenced_forms(xml: bytes) -> list[str]:
    """List the form file names a BPMN file refers to (best effort; bad XML gives [])."""
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError:
        return []
    path = f".//spiffworkflow:property[@name='{FORM_PROPERTY}']/@value"
    return sorted({name for name in root.xpath(path, namespaces=NS) if is_plain_form_name(name)})


class _Checker:
    def __init__(self, file_name: str, root: etree._Element):
        self.file_name = file_name
        self.root = root
        self.problems: list[BpmnProblem] = []

    def add(self, message: str, element: Any = None, line: int | None = None) -> None:
        element_id = element.get("id") if element is not None else None
        if line is None and element is not None:
            line = element.sourceline
        self.problems.append(BpmnProblem(self.file_name, message, element_id, line))

    def element_at_line(self, line: int | None) -> Any:
        if line is None:
            return None
        for el in self.root.iter():
            if el.sourceline == line and isinstance(el.tag, str) and el.get("id"):
                return el
        return None


def _parse_xml(file_name: str, xml: bytes) -> etree._Element:
    try:
        return etree.fromstring(xml, etree.XMLParser(remove_blank_text=False))
    except etree.XMLSyntaxError as err:
        raise BpmnValidationError(
            [BpmnProblem(file_name, f"not well-formed XML: {err.msg}", None, err.lineno)]
        ) from err


def _check_xsd(checker: _Checker) -> None:
    xsd = _xsd()
    copy = etree.fromstring(etree.tostring(checker.root))
    xsd.preprocess(copy)
    if xsd.validator.validate(copy):
        return
    for err in xsd.validator.error_log:
        checker.add(
            Phrase("BPMN schema: %(problem)s", problem=err.message),
            checker.element_at_line(err.line),
            err.line,
        )


def _main_process(checker: _Checker, stem: str) -> Any:
    processes = checker.root.findall("bpmn:process", NS)
    if not processes:
        checker.add(Phrase("the file defines no bpmn:process"))
        return None
    for proc in processes:
        if proc.get("id") == stem:
            return proc
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    if len(executable) == 1:
        return executable[0]
    checker.add(
        Phrase("cannot tell the main process: name one process id %(id)s", id=repr(stem)),
        processes[0],
    )
    return None


def _check_lanes(checker: _Checker, process: Any, known_lanes: Collection[str]) -> None:
    in_lane: set[str] = set()
    for lane in process.iterfind(".//bpmn:lane", NS):
        name = (lane.get("name") or "").strip()
        if name not in known_lanes:
            known = ", ".join(sorted(known_lanes))
            checker.add(
                Phrase(
                    "lane %(name)s names no known role (known: %(known)s)",
                    name=repr(name),
                    known=known,
                ),
                lane,
            )
        in_lane.update(ref.text.strip() for ref in lane.iterfind("bpmn:flowNodeRef", NS))
    for tag in _USER_TASK_TAGS:
        for task in process.iterfind(f".//bpmn:{tag}", NS):
            override = user_task_properties(task).get("lane")
            if override is not None:
                if override not in known_lanes:
                    checker.add(
                        Phrase("lane property %(name)s names no known role", name=repr(override)),
                        task,
                    )
                continue
            if not in_lane.intersection(_self_and_subprocesses(task)):
                checker.add(
                    Phrase("user task is in no lane: every user task needs a role lane"), task
                )


def _self_and_subprocesses(task: Any) -> list[str]:
    """The task's id and those of the subprocesses around it: a task inside a subprocess
    takes the subprocess's lane (unless its ``lane`` property names another)."""
    ids = [task.get("id")]
    parent = task.getparent()
    while parent is not None and parent.tag == f"{{{NS['bpmn']}}}subProcess":
        ids.append(parent.get("id"))
        parent = parent.getparent()
    return ids


def _check_properties(checker: _Checker, process: Any, rules: Sequence[PropertyRule]) -> None:
    """Every extension property is declared, sits on an element it is meant for and has an
    allowed value; user tasks carry the required ones."""
    by_name = {r.name: r for r in rules}
    for element in process.iter():
        if not isinstance(element.tag, str):
            continue
        tag = etree.QName(element).localname
        props = user_task_properties(element)
        for name, value in props.items():
            rule = by_name.get(name)
            if rule is None:
                known = ", ".join(sorted(by_name))
                checker.add(
                    Phrase(
                        "unknown property %(name)s (known: %(known)s)", name=repr(name), known=known
                    ),
                    element,
                )
            elif not rule.allowed_on(tag):
                checker.add(
                    Phrase(
                        "property %(name)s does not belong on a %(tag)s", name=repr(name), tag=tag
                    ),
                    element,
                )
            elif not value.strip():
                checker.add(Phrase("property %(name)s has no value", name=repr(name)), element)
            elif rule.values is not None and value not in rule.values:
                allowed = ", ".join(sorted(rule.values))
                checker.add(
                    Phrase(
                        "property %(name)s=%(value)s is not one of: %(allowed)s",
                        name=name,
                        value=repr(value),
                        allowed=allowed,
                    ),
                    element,
                )
        if tag in _USER_TASK_TAGS:
            for rule in rules:
                if rule.required and rule.allowed_on(tag) and not props.get(rule.name):
                    checker.add(
                        Phrase(
                            "user task has no spiffworkflow property %(name)s", name=repr(rule.name)
                        ),
                        element,
                    )


def _check_user_tasks(checker: _Checker, process: Any, forms: Mapping[str, Any]) -> list[str]:
    used: list[str] = []
    for tag in _USER_TASK_TAGS:
        for task in process.iterfind(f".//bpmn:{tag}", NS):
            form = user_task_properties(task).get(FORM_PROPERTY)
            if not form:
                continue
            if not is_plain_form_name(form):
                checker.add(
                    Phrase(
                        "form file %(form)s must be a plain file name of the forms folder "
                        "(letters, digits, '.', '_', '-'; ending in .json)",
                        form=repr(form),
                    ),
                    task,
                )
                continue
            used.append(form)
            if form not in forms:
                checker.add(Phrase("form file %(form)s is missing", form=repr(form)), task)
                continue
            try:
                jsonschema.Draft202012Validator.check_schema(forms[form])
            except jsonschema.SchemaError as err:
                checker.add(
                    Phrase(
                        "form %(form)s is not a valid JSON Schema: %(problem)s",
                        form=repr(form),
                        problem=err.message,
                    ),
                    task,
                )
    return used


# Expressions besides conditions, scripts and timers: (what, path from an element, whose
# element the problem names — the parent's, or the grandparent's).
EXPRESSIONS = (
    (Phrase("condition"), ".//bpmn:conditionExpression", 1),
    (Phrase("message payload"), ".//spiffworkflow:messagePayload", 3),
    (Phrase("loop cardinality"), ".//bpmn:loopCardinality", 2),
    (Phrase("completion condition"), ".//bpmn:completionCondition", 2),
    (Phrase("script"), ".//spiffworkflow:preScript", 2),
    (Phrase("script"), ".//spiffworkflow:postScript", 2),
)


def _check_flows(checker: _Checker, process: Any) -> None:
    """Every sequence flow joins two elements of its process (SpiffWorkflow accepted a
    flow from nowhere and left it out)."""
    ids = {e.get("id") for e in process.iter() if e.get("id")}
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        for end in ("sourceRef", "targetRef"):
            named = flow.get(end)
            if named not in ids:
                checker.add(
                    Phrase(
                        "sequence flow %(end)s %(named)s names no element",
                        end=end,
                        named=repr(named),
                    ),
                    flow,
                )


def _check_expressions(checker: _Checker, root: Any) -> None:
    """Every expression of every process in the file (and its subprocesses)."""
    for what, path, up in EXPRESSIONS:
        for found in root.iterfind(path, NS):
            owner = found
            for _ in range(up):
                owner = owner.getparent() if owner.getparent() is not None else owner
            text = (found.text or "").strip()
            try:
                if what == "script":
                    for _name, expression in parse_script(text):
                        if expression is not None:
                            check_expression(expression)
                elif text:
                    check_expression(text)
            except ScriptError as err:
                checker.add(
                    Phrase("%(what)s: %(problem)s", what=what, problem=str(err)),
                    owner,
                    found.sourceline,
                )
    for script in root.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        try:
            for _name, expression in parse_script(script.text or ""):
                if expression is not None:
                    check_expression(expression)
        except ScriptError as err:
            checker.add(
                Phrase("script: %(problem)s", problem=str(err)),
                script.getparent(),
                script.sourceline,
            )
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        for timer in root.iterfind(f".//bpmn:timerEventDefinition/bpmn:{kind}", NS):
            event = timer.getparent().getparent()
            try:
                _check_timer(kind, (timer.text or "").strip())
            except (ScriptError, ValueError, isodate.ISO8601Error) as err:
                checker.add(
                    Phrase("timer %(kind)s: %(problem)s", kind=kind, problem=str(err)),
                    event,
                    timer.sourceline,
                )


# The shortest period a repeating timer may have: a cycle of R/PT0S fires without end.
MIN_CYCLE = timedelta(minutes=1)


def _check_timer(kind: str, text: str) -> None:
    """A timer is an expression; when it is a string literal, it must be valid ISO 8601."""
    check_expression(text)
    node = parse(text, mode="eval").body
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return  # a variable or function call: checked when the timer is reached
    value = node.value
    if kind == "timeDuration":
        isodate.parse_duration(value)
    elif kind == "timeDate":
        parsed = isodate.parse_datetime(value)
        if parsed.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone")
    else:
        parts = value.split("/")
        if not parts[0].startswith("R") or len(parts) < 2:
            raise ValueError(f"{value!r} is not an ISO 8601 repeating interval (R[n]/...)")
        period = isodate.parse_duration(parts[-1])  # months and years: an isodate.Duration
        if isinstance(period, timedelta) and period < MIN_CYCLE:
            minimum = int(MIN_CYCLE.total_seconds())
            raise ValueError(f"{value!r} repeats more often than every {minimum} s")


def _check_spiff_parse(checker: _Checker, xml: bytes, process_id: str) -> None:
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(etree.fromstring(xml), checker.file_name)
        parser.get_spec(process_id)
    except ValidationException as err:
        line = err.line_number if isinstance(err.line_number, int) else None
        checker.problems.append(
            BpmnProblem(checker.file_name, str(err).splitlines()[0], err.id or None, line)
        )


def validate_bpmn(
    file_name: str,
    xml: bytes,
    forms: Mapping[str, Any],
    known_lanes: Collection[str],
    properties: Sequence[PropertyRule] = (),
) -> ValidatedBpmn:
    """Validate one BPMN file with the forms it refers to.

    Raises:
        BpmnValidationError: with every problem found, each naming element and line.
    """
    root = _parse_xml(file_name, xml)
    checker = _Checker(file_name, root)
    _check_xsd(checker)
    if checker.problems:
        raise BpmnValidationError(checker.problems)
    stem = file_name.rsplit("/", 1)[-1].removesuffix(".bpmn")
    process = _main_process(checker, stem)
    if process is None:
        raise BpmnValidationError(checker.problems)
    _check_lanes(checker, process, known_lanes)
    if properties:
        _check_properties(checker, process, properties)
    used = _check_user_tasks(checker, process, forms)
    _check_flows(checker, process)
    _check_expressions(checker, root)
    if not checker.problems:
        _check_spiff_parse(checker, xml, process.get("id"))
    if checker.problems:
        raise BpmnValidationError(checker.problems)
    return ValidatedBpmn(
        process_id=process.get("id"),
        name=process.get("name") or process.get("id"),
        form_files=tuple(sorted(set(used))),
    )
