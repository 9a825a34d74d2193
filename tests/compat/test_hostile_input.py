"""Hostile input at the AWS JSON surface: NUL characters (which PostgreSQL cannot store, so they once answered
500), huge values under sensitive members (a 200 KB password once came back in a 1.9 MB x-amzn-errormessage
header and log line), and newlines meant to forge log lines. Each is refused with Cognito's answer and nothing
leaks into headers or logs."""

from __future__ import annotations

import json

import pytest

from conftest import raw_call, raw_request, unique
from test_persistence import pg_schema  # noqa: F401  (fixture)
from test_oidc_endpoints import CALLBACK, HttpBrowser, authorize_path, submit
from userlib import PASSWORD

BIG = "P4ss!" * 40_000  # 200 KB


def _pool_and_client(idp):
    pool = idp.create_user_pool(PoolName=unique("hostile"))["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pool, ClientName="c",
                                      ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
                                      )["UserPoolClient"]["ClientId"]
    return pool, cid


NUL_CALLS = [
    ("InitiateAuth", lambda pool, cid: {"ClientId": cid, "AuthFlow": "USER_PASSWORD_AUTH",
                                        "AuthParameters": {"USERNAME": "al\u0000ice", "PASSWORD": PASSWORD}}),
    ("SignUp", lambda pool, cid: {"ClientId": cid, "Username": "nul-attr", "Password": PASSWORD,
                                  "UserAttributes": [{"Name": "name", "Value": "a\u0000b"}]}),
    ("ForgotPassword", lambda pool, cid: {"ClientId": cid, "Username": "x", "ClientMetadata": {"k\u0000": "v"}}),
    ("ListUsers", lambda pool, cid: {"UserPoolId": pool, "Filter": 'username = "a\u0000"'}),
]


def _assert_nul_refused(server, idp):
    pool, cid = _pool_and_client(idp)
    for op, body in NUL_CALLS:
        r = raw_call(server, op, body(pool, cid), sign=op == "ListUsers")
        assert r.status == 400, (op, r)
        assert r.json()["__type"] == "InvalidParameterException", (op, r)
        assert "null character" in r.json()["message"], (op, r)
    # Nothing was stored half-way.
    assert idp.list_users(UserPoolId=pool)["Users"] == []


def _assert_nul_refused_by_oauth_and_pages(server, idp):
    pool, cid = _pool_and_client(idp)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for method, path, body, json_answer in [
        ("GET", f"/oauth2/authorize?response_type=code&client_id={cid}%00&redirect_uri=https%3A%2F%2Fa%2Fcb", b"",
         False),
        ("GET", f"/login?response_type=code&client_id=a%00b&redirect_uri=https%3A%2F%2Fa%2Fcb", b"", False),
        ("POST", f"/login?response_type=code&client_id={cid}&redirect_uri=https%3A%2F%2Fa%2Fcb",
         b"username=al%00ice&password=x&_csrf=t", False),
        ("POST", "/oauth2/token", f"grant_type=authorization_code&client_id={cid}%00&code=x".encode(), True),
        ("POST", "/oauth2/revoke", b"token=a%00&client_id=x", True),
    ]:
        r = raw_request(server, method, path, body, form if method == "POST" else {})
        assert r.status == 400, (path, r)
        if json_answer:
            assert r.json()["error"] == "invalid_request", (path, r)
    # Through the sign-in form as a browser submits it, with a valid client, redirect and form token.
    web = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", AllowedOAuthFlowsUserPoolClient=True,
                                      AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"],
                                      CallbackURLs=[CALLBACK], SupportedIdentityProviders=["COGNITO"]
                                      )["UserPoolClient"]["ClientId"]
    b = HttpBrowser(server)
    page = b.get(authorize_path(response_type="code", client_id=web, redirect_uri=CALLBACK).replace(
        "/oauth2/authorize", "/login"))
    assert page.status == 200, page
    r = submit(b, page.body, {"username": "al\x00ice", "password": "x"})
    assert r.status == 400, r


def test_nul_characters_are_refused_on_sqlite(server, idp):
    _assert_nul_refused(server, idp)
    _assert_nul_refused_by_oauth_and_pages(server, idp)


@pytest.mark.postgres
def test_nul_characters_are_refused_on_postgres(server_factory, tmp_path, pg_schema):  # noqa: F811
    _, url = pg_schema
    srv = server_factory(data_dir=tmp_path / "pg", extra_args=["--database-url", url]).start()
    _assert_nul_refused(srv, srv.client())
    _assert_nul_refused_by_oauth_and_pages(srv, srv.client())
    assert " ERROR " not in srv.stderr(), "a NUL reached the database"


@pytest.mark.parametrize("op", ["InitiateAuth", "SignUp"])
def test_huge_sensitive_values_are_never_echoed(server, idp, op):
    pool, cid = _pool_and_client(idp)
    body = ({"ClientId": cid, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "u", "PASSWORD": BIG}}
            if op == "InitiateAuth" else {"ClientId": cid, "Username": "u", "Password": BIG})
    r = raw_call(server, op, body, sign=False)
    assert r.status == 400, r
    header = r.header("x-amzn-ErrorMessage") or ""
    assert "P4ss!" not in header and "P4ss!" not in r.json()["message"], r
    assert len(header) <= 1100 and len(r.json()["message"]) <= 1100
    assert "P4ss!P4ss!" not in server.stderr(), "the password reached the log"


def test_long_messages_are_capped(server):
    # A non-sensitive value may be repeated in the message, but never at any length.
    r = raw_call(server, "DescribeUserPool", {"UserPoolId": "us-east-1_" + "u" * 100_000})
    assert r.status == 400 and r.json()["__type"] == "InvalidParameterException", r
    assert len(r.json()["message"]) <= 1100 and len(r.header("x-amzn-ErrorMessage") or "") <= 1100, r
    assert max(len(line) for line in server.stderr().splitlines()) < 4000


def test_a_newline_in_a_value_cannot_forge_a_log_line(server):
    forged = "INFO latchkey_server::aws::dispatch: forged-entry operation=AdminDeleteUser"
    r = raw_call(server, "DescribeUserPool", {"UserPoolId": f"x\n{forged}"})
    assert r.status == 400, r
    lines = server.stderr().splitlines()
    assert not any(line.startswith(forged) or line.startswith(" " + forged) for line in lines), \
        "a request value started a log line of its own"
    assert any("forged-entry" in line for line in lines), "the refused value is still logged, escaped"
