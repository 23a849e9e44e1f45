"""Parse each deployed process version once and keep it.

Parsing costs milliseconds; doing it per request is the classic slowness of BPMN hosts.
Versions are immutable, so the content hash is a safe cache key.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.bpmn_validation import ValidatedBpmn, validate_bpmn
from engine.properties import PropertyRule


def content_hash(xml: bytes, forms: Mapping[str, Any]) -> str:
    """Hash a BPMN file together with its forms: either changing makes a new version."""
    digest = hashlib.sha256(xml)
    digest.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class ParsedSpec:
    """A parsed process ready to instantiate."""

    process_id: str
    content_hash: str
    spec: Any
    subprocess_specs: dict[str, Any]
    forms: Mapping[str, Any]

    @functools.cached_property
    def element_names(self) -> dict[str, str]:
        """Each named element's name by its id, subprocesses' elements included (read once
        per version: the spec never changes)."""
        specs = [self.spec, *self.subprocess_specs.values()]
        return {
            t.bpmn_id: t.bpmn_name
            for spec in specs
            for t in spec.task_specs.values()
            if getattr(t, "bpmn_id", None) and getattr(t, "bpmn_name", None)
        }


class SpecRegistry:
    """Validates BPMN for deployment and caches parsed specs by content hash."""

    def __init__(self, known_lanes: Collection[str], properties: Sequence[PropertyRule] = ()):
        self.known_lanes = frozenset(known_lanes)
        self.properties = tuple(properties)
        self._parsed: dict[str, ParsedSpec] = {}
        # Deployed versions never change: their parsed spec (and forms) by version id, so
        # that a step does not read the version's XML row again once it has been parsed.
        self._by_version: dict[int, ParsedSpec] = {}
        self._names: dict[int, str] = {}
        self._lock = threading.Lock()

    def validate(self, file_name: str, xml: bytes, forms: Mapping[str, Any]) -> ValidatedBpmn:
        """Validate a file for deployment (see :func:`engine.bpmn_validation.validate_bpmn`)."""
        return validate_bpmn(file_name, xml, forms, self.known_lanes, self.properties)

    def of_version(self, version_id: int) -> tuple[ParsedSpec, str] | None:
        """The parsed spec and name of a version met before (None: read the version)."""
        found = self._by_version.get(version_id)
        return (found, self._names[version_id]) if found is not None else None

    def known(self, digest: str) -> ParsedSpec | None:
        """The spec parsed from this content before (None: not yet)."""
        return self._parsed.get(digest)

    def remember(self, version_id: int, name: str, parsed: ParsedSpec) -> None:
        self._names[version_id] = name
        self._by_version[version_id] = parsed

    def parsed(
        self, process_id: str, digest: str, file_name: str, xml: str, forms: Mapping[str, Any]
    ) -> ParsedSpec:
        """Return the parsed spec for a version, parsing it on first use only."""
        found = self.known(digest)
        if found is not None:
            return found
        with self._lock:
            found = self._parsed.get(digest)
            if found is None:
                parser = SpiffBpmnParser()
                parser.add_bpmn_xml(etree.fromstring(xml.encode()), file_name)
                found = ParsedSpec(
                    process_id=process_id,
                    content_hash=digest,
                    spec=parser.get_spec(process_id),
                    subprocess_specs=parser.get_subprocess_specs(process_id),
                    forms=forms,
                )
                self._parsed[digest] = found
        return found
