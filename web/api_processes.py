"""/api/v1/processes, /api/v1/me and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from web.api_schemas import DeployResultSchema, DeploySchema, MeSchema, ProcessSchema
from web.openapi import openapi_document
from web.request_body import json_body
from web.security import context, login_required
from workflows.services import processes

bp = Blueprint("api_processes", __name__, url_prefix="/api/v1")


@bp.get("/processes")
@login_required
def list_processes():
    processes.require_reader(context(), g.actor)
    summaries = processes.list_processes(context())
    payload = [
        {
            "process_id": s.process_id,
            "name": s.name,
            "latest_version": s.latest_version,
            "versions": [
                {**_version_fields(v.version), "instances": v.instances} for v in s.versions
            ],
        }
        for s in summaries
    ]
    return jsonify(ProcessSchema(many=True).dump(payload))


@bp.post("/processes")
@login_required
def deploy_process():
    """Check, or check and deploy, one BPMN file (designers; the browser modeler uses it).

    422 lists every problem with element and line; nothing is stored then.
    """
    body = DeploySchema().load(json_body())
    result = processes.upload(
        context(),
        g.actor,
        body["file_name"],
        body["xml"].encode("utf-8"),
        body["forms"],
        deploy_it=body["deploy"],
    )
    deployed = result.deployed
    payload = {
        "process_id": result.process_id,
        "deployed": deployed is not None,
        "created": bool(deployed and deployed.created),
        "version": _version_fields(deployed.version) if deployed else None,
    }
    return DeployResultSchema().dump(payload), (201 if deployed and deployed.created else 200)


def _version_fields(version) -> dict:
    return {
        name: getattr(version, name)
        for name in (
            "id",
            "process_id",
            "version",
            "name",
            "content_hash",
            "file_name",
            "deployed_at",
            "deployed_by",
        )
    }


@bp.get("/me")
@login_required
def me():
    actor = g.actor
    grants = [{"role": r, "unit": u} for r, u in actor.grants]
    return MeSchema().dump(
        {"username": actor.username, "display_name": actor.display_name, "grants": grants}
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app))
