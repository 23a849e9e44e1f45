"""/api/v1/processes, /api/v1/me and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from web.openapi import openapi_document
from web.schemas import ProcessSchema
from web.security import context, login_required
from workflows import processes

bp = Blueprint("api_processes", __name__, url_prefix="/api/v1")


@bp.get("/processes")
@login_required
def list_processes():
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
    return {"username": actor.username, "display_name": actor.display_name, "grants": grants}


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
