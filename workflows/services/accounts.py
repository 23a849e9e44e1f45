"""Who is acting: log in with a password or a bearer token; API tokens for programs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from workflows.adapters.models import ApiToken, User
from workflows.adapters.passwords import (
    MIN_PASSWORD,
    hash_password,
    new_token,
    password_matches,
    spend_a_check,
    token_hash,
)
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.errors import (
    AuthenticationError,
    FieldErrors,
    ForbiddenError,
    NotFoundError,
    Phrase,
)
from workflows.domain.permissions import MANAGE_ACCOUNTS, Actor
from workflows.services.context import GridcaseContext

# A token's last use is written at most this often, so that reading with a token does not
# write to the database on every request.
LAST_USED_PRECISION = timedelta(minutes=10)
TOKEN_DAYS = 365  # how long a new token works unless told otherwise
MAX_TOKEN_DAYS = 3 * 365


def _actor(ctx: GridcaseContext, uow: CaseUnitOfWork, user: User) -> Actor:
    """The person with their own grants plus, while they stand in for someone, that
    person's grants too."""
    grants = dict.fromkeys((g.role, g.unit_key) for g in uow.users.grants(user.id))
    acting = uow.substitutions.acting_now(user.id, uow.now())
    for row in acting:
        grants.update(dict.fromkeys((g.role, g.unit_key) for g in uow.users.grants(row.user_id)))
    names = tuple(row.username for row in acting)
    return Actor(user.id, user.username, user.display_name, tuple(grants), names)


def authenticate(ctx: GridcaseContext, username: str, password: str) -> Actor:
    """Raises: AuthenticationError for an unknown user, a wrong password or a disabled user."""
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None:
            spend_a_check(password)
            raise AuthenticationError("wrong user name or password")
        if not password_matches(user.password_hash, password) or not user.active:
            raise AuthenticationError("wrong user name or password")
        return _actor(ctx, uow, user)


def session_epoch(ctx: GridcaseContext, username: str) -> int:
    """The user's sessions issued now carry this number; signing out raises it.

    Raises: AuthenticationError for an unknown user."""
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise AuthenticationError("the user no longer exists")
        return user.session_epoch


def change_password(ctx: GridcaseContext, actor: Actor, current: str, new: str) -> Actor:
    """The person sets a new password; every session they had ends (the caller starts a
    fresh one for the browser that asked).

    Raises:
        FieldErrors: the current password is wrong, or the new one too short or the same.
    """
    with ctx.uow() as uow:
        user = uow.users.by_username(actor.username)
        if user is None or not password_matches(user.password_hash, current):
            raise FieldErrors({"current_password": ["this is not your current password"]})
        _set_password(user, new, current)
        uow.commit()
        return actor


def reset_password(ctx: GridcaseContext, username: str, new: str) -> None:
    """An administrator sets a user's password (from the command line); their sessions end.

    Raises: NotFoundError; FieldErrors for a short password."""
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFoundError(f"no user {username!r}")
        _set_password(user, new)
        uow.commit()


def _set_password(user: User, new: str, current: str | None = None) -> None:
    if len(new) < MIN_PASSWORD:
        raise FieldErrors({"new_password": ["at least 8 characters"]})
    if new == current:
        raise FieldErrors({"new_password": ["choose a password different from the current one"]})
    user.password_hash = hash_password(new)
    user.session_epoch += 1


def sign_out_everywhere(ctx: GridcaseContext, username: str) -> None:
    """End every session of the user (a copied session cookie stops working too)."""
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is not None:
            user.session_epoch += 1
            uow.commit()


def actor_for_token(ctx: GridcaseContext, token: str) -> Actor:
    """Who the token is (from the short cache when asked a moment ago: no database read).

    Raises: AuthenticationError for an unknown or revoked token, or a disabled user."""
    key = ("token", token_hash(token))
    cached = ctx.actors.get(key)
    if cached is not None:
        return cached
    with ctx.uow() as uow:
        found = uow.users.by_token_hash(token_hash(token))
        if found is None or not found[0].active:
            raise AuthenticationError("invalid API token")
        user, api_token = found
        now = uow.now()
        if api_token.expires_at is not None and now >= api_token.expires_at:
            raise AuthenticationError("this API token has expired: ask for a new one")
        actor = _actor(ctx, uow, user)
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_PRECISION:
            api_token.last_used_at = now
            uow.commit()
        ctx.actors.put(key, actor, until=api_token.expires_at)
        return actor


def load_actor(ctx: GridcaseContext, username: str, epoch: int | None = None) -> Actor:
    """The user as they act now (``epoch``: that of their session, which must still hold).

    Raises: AuthenticationError when the user no longer exists or is disabled, or the
    session has been ended."""
    key = ("session", username, epoch)
    cached = ctx.actors.get(key)
    if cached is not None:
        return cached
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None or not user.active:
            raise AuthenticationError("the user no longer exists")
        if epoch is not None and epoch != user.session_epoch:
            raise AuthenticationError("this session has ended: log in again")
        actor = _actor(ctx, uow, user)
    ctx.actors.put(key, actor)
    return actor


def issue_token(ctx: GridcaseContext, username: str, name: str, days: int = TOKEN_DAYS) -> str:
    """Create an API token for a user, valid ``days`` days; the plain token is returned
    once and never stored.

    Raises:
        AuthenticationError: unknown user.
        FieldErrors: a lifetime outside 1 … ``MAX_TOKEN_DAYS`` days, or no name.
    """
    return _issue(ctx, username, name, days)[0]


def _issue(ctx: GridcaseContext, username: str, name: str, days: int) -> tuple[str, TokenInfo]:
    """:func:`issue_token`, with how the new token is listed."""
    errors: dict[str, list[str]] = {}
    if not 1 <= days <= MAX_TOKEN_DAYS:
        errors["days"] = [Phrase("a token lives 1 to %(days)s days", days=MAX_TOKEN_DAYS)]
    if not name.strip() or len(name) > 100:
        errors["name"] = [Phrase("name the token (what uses it), at most 100 characters")]
    if errors:
        raise FieldErrors(errors)
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise AuthenticationError(f"unknown user {username!r}")
        token, digest = new_token()
        now = uow.now()
        row = ApiToken(
            user_id=user.id,
            name=name.strip(),
            token_hash=digest,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        uow.users.add_token(row)
        uow.commit()
        return token, TokenInfo.of(row, username)


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never the token itself."""

    id: int
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken, username: str) -> TokenInfo:
        return cls(
            token.id,
            username,
            token.name,
            token.created_at,
            token.last_used_at,
            token.revoked_at,
            token.expires_at,
        )


def list_tokens(ctx: GridcaseContext, username: str | None = None) -> list[TokenInfo]:
    """Every token (or one user's), newest first.

    Raises:
        NotFoundError: unknown user.
    """
    with ctx.uow() as uow:
        user_id = None
        if username is not None:
            user = uow.users.by_username(username)
            if user is None:
                raise NotFoundError(f"unknown user {username!r}")
            user_id = user.id
        rows: Sequence[tuple[ApiToken, str]] = uow.users.tokens(user_id)
        return [TokenInfo.of(t, name) for t, name in rows]


def revoke_token(ctx: GridcaseContext, token_id: int) -> TokenInfo:
    """Stop a token from working from now on (kept, marked revoked, for the record).

    Raises:
        NotFoundError: no such token.
    """
    with ctx.uow() as uow:
        token = uow.users.token(token_id)
        token.revoked_at = token.revoked_at or uow.now()
        info = TokenInfo.of(token, uow.users.get(token.user_id).username)
        uow.commit()
        return info


def _may_manage(ctx: GridcaseContext, actor: Actor, username: str | None) -> None:
    """Raises: ForbiddenError unless the tokens are the actor's own or the actor manages
    accounts."""
    if username != actor.username and not ctx.permissions.has(actor, MANAGE_ACCOUNTS):
        raise ForbiddenError("only administrators may manage other people's tokens")


def tokens_seen_by(
    ctx: GridcaseContext, actor: Actor, username: str | None = None
) -> list[TokenInfo]:
    """The tokens a person may see: their own; an administrator's, anyone's (``username``
    narrows it; None: all).

    Raises: ForbiddenError; NotFoundError for an unknown user."""
    if username is None and not ctx.permissions.has(actor, MANAGE_ACCOUNTS):
        username = actor.username
    _may_manage(ctx, actor, username)
    return list_tokens(ctx, username)


def issue_token_as(
    ctx: GridcaseContext, actor: Actor, username: str, name: str, days: int = TOKEN_DAYS
) -> tuple[str, TokenInfo]:
    """A token for oneself, or (administrators) for anyone: the plain token, shown once,
    and how it is listed.

    Raises: ForbiddenError; FieldErrors; AuthenticationError for an unknown user."""
    _may_manage(ctx, actor, username)
    return _issue(ctx, username, name, days)


def revoke_token_as(ctx: GridcaseContext, actor: Actor, token_id: int) -> TokenInfo:
    """Revoke one's own token, or (administrators) anyone's.

    Raises: ForbiddenError; NotFoundError."""
    with ctx.uow() as uow:
        owner = uow.users.get(uow.users.token(token_id).user_id).username
    _may_manage(ctx, actor, owner)
    return revoke_token(ctx, token_id)
