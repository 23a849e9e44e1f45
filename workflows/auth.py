"""Who is acting: log in with a password or a bearer token, and what the person holds."""

from __future__ import annotations

from dataclasses import dataclass

from engine.db import utcnow
from workflows.accounts import new_token, password_matches, token_hash
from workflows.context import GridcaseContext
from workflows.errors import AuthenticationError
from workflows.models import ApiToken, User
from workflows.uow import CaseUnitOfWork


@dataclass(frozen=True)
class Actor:
    """An authenticated person and their role grants ``(role, unit_key)``."""

    user_id: int
    username: str
    display_name: str
    grants: tuple[tuple[str, str], ...]
    acting_for: tuple[str, ...] = ()  # usernames this person stands in for right now (代班)

    def holds(self, role: str | None, unit_key: str | None) -> bool:
        return (role, unit_key) in self.grants

    def units_with(self, role: str) -> list[str]:
        return [unit for r, unit in self.grants if r == role]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r for r, _ in self.grants)


def _actor(uow: CaseUnitOfWork, user: User) -> Actor:
    """The person with their own grants plus, while they stand in for someone, that
    person's grants too."""
    grants = dict.fromkeys((g.role, g.unit_key) for g in uow.users.grants(user.id))
    acting = uow.substitutions.acting_now(user.id)
    for row in acting:
        grants.update(dict.fromkeys((g.role, g.unit_key) for g in uow.users.grants(row.user_id)))
    names = tuple(row.username for row in acting)
    return Actor(user.id, user.username, user.display_name, tuple(grants), names)


def authenticate(ctx: GridcaseContext, username: str, password: str) -> Actor:
    """Raises: AuthenticationError for an unknown user, a wrong password or a disabled user."""
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None or not user.active or not password_matches(user.password_hash, password):
            raise AuthenticationError("wrong user name or password")
        return _actor(uow, user)


def actor_for_token(ctx: GridcaseContext, token: str) -> Actor:
    """Raises: AuthenticationError for an unknown token or a disabled user."""
    with ctx.uow() as uow:
        found = uow.users.by_token_hash(token_hash(token))
        if found is None or not found[0].active:
            raise AuthenticationError("invalid API token")
        user, api_token = found
        api_token.last_used_at = utcnow()
        actor = _actor(uow, user)
        uow.commit()
        return actor


def load_actor(ctx: GridcaseContext, username: str) -> Actor:
    """Raises: AuthenticationError when the user no longer exists or is disabled."""
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None or not user.active:
            raise AuthenticationError("the user no longer exists")
        return _actor(uow, user)


def issue_token(ctx: GridcaseContext, username: str, name: str) -> str:
    """Create an API token for a user; the plain token is returned once and never stored.

    Raises:
        AuthenticationError: unknown user.
    """
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise AuthenticationError(f"unknown user {username!r}")
        token, digest = new_token()
        uow.users.add_token(ApiToken(user_id=user.id, name=name, token_hash=digest))
        uow.commit()
        return token
