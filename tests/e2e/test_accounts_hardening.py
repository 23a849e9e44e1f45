"""Attacks on the accounts, each refused: guessing passwords (per account and per address,
a right password never counted), telling user names apart by the answer's time, a copied
session cookie after logout, and redirects to another site after login or a language
switch."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.app_fixtures import PASSWORD, Api
from web import create_app
from web.throttle import LOGIN_PER_ACCOUNT
from workflows.adapters import passwords
from workflows.services.context import GridcaseContext

GUESSES = int(LOGIN_PER_ACCOUNT.split()[0])


def _app(ctx: GridcaseContext) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}, ctx)


def _client(app: Flask, address: str = "10.0.0.1") -> FlaskClient:
    """A browser at ``address`` (one app: its limits count in one place, as Redis does for
    every worker process of a deployment)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(web: FlaskClient, user: str, password: str, **kw: object):
    return web.post("/login", data={"username": user, "password": password}, **kw)


def test_password_guessing_is_slowed_per_account_and_per_address(ctx: GridcaseContext) -> None:
    app = _app(ctx)
    web = _client(app)
    assert _login(web, "cd01", PASSWORD).status_code == 302  # right: never counted
    for _ in range(GUESSES):
        assert _login(web, "cd01", "guess").status_code == 401
    refused = _login(web, "cd01", PASSWORD)  # even the right one, for a while
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert "请求过于频繁" in page and "分钟后再试" in page
    # Another account from the same address is still let in; the guessed one from
    # anywhere is not.
    assert _login(web, "gw01", PASSWORD).status_code == 302
    assert _login(_client(app, "10.0.0.2"), "cd01", PASSWORD).status_code == 429
    # Many accounts from one address: the address is slowed down too.
    spray = _client(app, "10.0.0.3")
    answers = [_login(spray, f"user{i}", "guess").status_code for i in range(31)]
    assert answers[:30] == [401] * 30 and answers[30] == 429


def test_unknown_and_known_user_names_cost_the_same_check(
    ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted, not timed: an unknown name pays for one argon2 check like a known one (a
    check is ~0.1 s, so a name that skipped it would answer in a few milliseconds)."""
    web = _client(_app(ctx), "10.0.1.1")
    checks: list[str] = []
    real = passwords._hasher

    class Counted:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def verify(self, stored: str, password: str) -> bool:
            checks.append(password)
            return real.verify(stored, password)

    monkeypatch.setattr(passwords, "_hasher", Counted())
    for user in ("cd01", "nobody-here"):
        checks.clear()
        assert _login(web, user, "wrong-password").status_code == 401
        assert checks == ["wrong-password"], user


def test_a_copied_session_cookie_stops_working_at_logout(ctx: GridcaseContext) -> None:
    app = _app(ctx)
    web = _client(app)
    assert _login(web, "cd01", PASSWORD).status_code == 302
    cookie = web.get_cookie("session")
    assert cookie is not None
    thief = _client(app, "10.9.9.9")
    thief.set_cookie("session", cookie.value)
    assert thief.get("/inbox").status_code == 200
    web.post("/logout")
    assert thief.get("/inbox").status_code == 302  # back to the login page
    assert _login(web, "cd01", PASSWORD).status_code == 302  # a new session works


def test_a_password_change_ends_every_other_session(ctx: GridcaseContext) -> None:
    """The attack: a session cookie copied from a shared computer. Changing the password
    ends it; the browser that changed it stays in; guessing the current one is limited."""
    app = _app(ctx)
    web, thief = _client(app), _client(app, "10.0.0.66")
    _login(web, "cd01", PASSWORD)
    with web.session_transaction() as stolen:
        thief_cookie = dict(stolen)
    with thief.session_transaction() as session:
        session.update(thief_cookie)
    assert thief.get("/inbox").status_code == 200

    page = "/account/password"
    short = web.post(
        page, data={"current_password": PASSWORD, "new_password": "abc", "repeat_password": "abc"}
    )
    assert short.status_code == 400 and "至少 8 个字符".encode() in short.data
    wrong = web.post(
        page,
        data={
            "current_password": "nope",
            "new_password": "n3w-pass-456",
            "repeat_password": "n3w-pass-456",
        },
    )
    assert wrong.status_code == 400 and "当前密码不对".encode() in wrong.data
    assert thief.get("/inbox").status_code == 200  # nothing changed yet
    done = web.post(
        page,
        data={
            "current_password": PASSWORD,
            "new_password": "n3w-pass-456",
            "repeat_password": "n3w-pass-456",
        },
    )
    assert done.status_code == 302
    assert web.get("/inbox").status_code == 200  # this browser stays signed in
    assert thief.get("/inbox").status_code == 302  # the copied cookie no longer works
    assert _login(_client(app, "10.0.0.7"), "cd01", PASSWORD).status_code == 401
    assert _login(_client(app, "10.0.0.8"), "cd01", "n3w-pass-456").status_code == 302

    guesses = [
        web.post(
            page,
            data={"current_password": f"g{i}", "new_password": "x" * 9, "repeat_password": "x" * 9},
        ).status_code
        for i in range(GUESSES + 1)
    ]
    assert guesses[-1] == 429 and set(guesses[:-1]) <= {400, 429}


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "/\\evil.example", "https://evil.example/", "/%0d%0aSet-Cookie:x", ""],
)
def test_no_redirect_leaves_the_site(ctx: GridcaseContext, target: str) -> None:
    web = _client(_app(ctx))
    done = web.post(f"/login?next={target}", data={"username": "cd01", "password": PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"].startswith("/") and "evil" not in done.headers["Location"]
    assert not done.headers["Location"].startswith("//")
    switched = web.post("/lang/en", data={"next": target})
    assert switched.headers["Location"].startswith("/")
    assert "evil" not in switched.headers["Location"]
    kept = web.post("/lang/zh_Hans", data={"next": "/inbox?page=2"})
    assert kept.headers["Location"] == "/inbox?page=2"


def test_behind_a_proxy_the_clients_address_is_counted(
    ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDCASE_PROXIES", "1")
    monkeypatch.setenv("GRIDCASE_COOKIE_SECURE", "1")
    app = _app(ctx)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    proxy = _client(app, "10.0.0.254")  # every request arrives from the proxy

    def guess(client_address: str, i: int) -> int:
        headers = {"X-Forwarded-For": client_address}
        return _login(proxy, f"user{i}", "guess", headers=headers).status_code

    answers = [guess("203.0.113.7", i) for i in range(31)]
    assert answers[:30] == [401] * 30 and answers[30] == 429  # that client is slowed
    assert guess("198.51.100.9", 99) == 401  # another client behind the same proxy is not


def test_api_tokens_expire_and_are_managed_over_the_api(api: Api) -> None:
    ctx = api.ctx
    made = api.post("gw01", "/api/v1/tokens", json={"name": "巡查App", "days": 30})
    assert made.status_code == 201, made.get_json()
    token, token_id = made.get_json()["token"], made.get_json()["id"]
    own = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/me", headers=own).status_code == 200

    # Listing: one's own; an administrator's, everyone's. Never the secret.
    mine = api.get("gw01", "/api/v1/tokens").get_json()["tokens"]
    assert {t["username"] for t in mine} == {"gw01"} and token not in str(mine)
    everyone = api.get("admin", "/api/v1/tokens").get_json()["tokens"]
    assert {"gw01", "admin"} <= {t["username"] for t in everyone}
    assert api.get("gw01", "/api/v1/tokens?username=admin").status_code == 403
    assert (
        api.post("gw01", "/api/v1/tokens", json={"name": "x", "username": "cd01"}).status_code
        == 403
    )
    bad = api.post("gw01", "/api/v1/tokens", json={"name": "", "days": 99999})
    assert bad.status_code == 400 and {"name", "days"} <= set(bad.get_json()["fields"])

    # Thirty days later the token no longer works.
    ctx.clock.advance(days=30, seconds=1)
    expired = api.client.get("/api/v1/me", headers=own)
    assert expired.status_code == 401 and "expired" in expired.get_json()["message"]

    # Revoking: another person's token only as an administrator.
    fresh = api.post("cd01", "/api/v1/tokens", json={"name": "脚本"}).get_json()
    assert (
        api.client.delete(
            f"/api/v1/tokens/{fresh['id']}", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )  # (gw01's own token has expired meanwhile)
    assert api.delete_as("gw01", f"/api/v1/tokens/{fresh['id']}").status_code == 403
    revoked = api.delete_as("admin", f"/api/v1/tokens/{fresh['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    gone = {"Authorization": f"Bearer {fresh['token']}"}
    assert api.client.get("/api/v1/me", headers=gone).status_code == 401
    assert token_id != fresh["id"]
