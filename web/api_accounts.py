"""/api/v1/tokens: API tokens — one's own, or anyone's for administrators."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, g, request

from web.api_schemas import IssuedTokenSchema, NewTokenSchema, TokenListSchema, TokenSchema
from web.request_body import json_body
from web.security import context, login_required
from workflows.services import accounts

bp = Blueprint("api_accounts", __name__, url_prefix="/api/v1")


@bp.get("/tokens")
@login_required
def list_tokens():
    """Tokens (never their secret): one's own; administrators every one, or ``?username=``."""
    found = accounts.tokens_seen_by(context(), g.actor, request.args.get("username") or None)
    return TokenListSchema().dump({"tokens": found})


@bp.post("/tokens")
@login_required
def create_token():
    """A new token, shown once: ``name``, ``days`` (default 365), ``username`` (another
    person's: administrators only)."""
    body = NewTokenSchema().load(json_body())
    token, info = accounts.issue_token_as(
        context(), g.actor, body["username"] or g.actor.username, body["name"], body["days"]
    )
    return IssuedTokenSchema().dump({**asdict(info), "token": token}), 201


@bp.delete("/tokens/<int:token_id>")
@login_required
def revoke_token(token_id: int):
    """Revoke a token (kept, marked revoked): one's own; administrators anyone's."""
    return TokenSchema().dump(accounts.revoke_token_as(context(), g.actor, token_id))
