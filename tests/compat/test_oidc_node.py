"""openid-client v6 (npm) as the relying party, over HTTP without a browser (node/hosted_oidc.mjs): discovery,
authorization code + PKCE with client_secret_basic and client_secret_post, ID-token validation, userinfo, a replayed
code and what it revokes, refresh, revocation, client credentials with custom scopes. Needs node and `npm ci` in
tests/compat/node (run when openid-client is missing); without node the test skips, or fails when CI is set."""

from __future__ import annotations

import json

import pytest

from nodelib import ensure_packages
from test_node_clients import node, run_node  # noqa: F401 (fixture)
from userlib import PASSWORD, Kit, new_email

RS_ID = "https://orders.example.com"


@pytest.fixture(scope="session")
def oidc_node(node):  # noqa: F811
    ensure_packages(["openid-client"])
    return node


def test_openid_client_against_latchkey(oidc_node, kit: Kit, tmp_path):
    pool = kit.pool()
    try:
        _run(oidc_node, kit, pool, tmp_path)
    finally:
        kit.idp.delete_user_pool(UserPoolId=pool)


def _run(node, kit: Kit, pool: str, tmp_path):
    issuer = kit.issuer(pool)
    callback = "http://localhost:4321/oidc/callback"
    kit.idp.create_resource_server(UserPoolId=pool, Identifier=RS_ID, Name="orders",
                                   Scopes=[{"ScopeName": "read", "ScopeDescription": "read"},
                                           {"ScopeName": "write", "ScopeDescription": "write"}])
    read, write = f"{RS_ID}/read", f"{RS_ID}/write"
    oauth = dict(AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], CallbackURLs=[callback],
                 SupportedIdentityProviders=["COGNITO"])
    conf = kit.app(pool, ClientName="rp", GenerateSecret=True, AllowedOAuthScopes=["openid", "email", "profile", read],
                   **oauth)
    public = kit.app(pool, ClientName="spa", AllowedOAuthScopes=["openid", "email"], **oauth)["ClientId"]
    m2m = kit.app(pool, flows=None, ClientName="m2m", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
                  AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=[read, write])
    email = new_email("orp")
    kit.admin_user(pool, "oscar", email=email, extra={"name": "Oscar Wilde"})

    cfg = {"issuer": issuer, "redirectUri": callback, "username": "oscar", "password": PASSWORD,
           "confId": conf["ClientId"], "confSecret": conf["ClientSecret"], "publicId": public,
           "m2mId": m2m["ClientId"], "m2mSecret": m2m["ClientSecret"], "readScope": read, "writeScope": write}
    f = tmp_path / "oidc.json"
    f.write_text(json.dumps(cfg))
    rc, out, err = run_node(node, "hosted_oidc.mjs", str(f), timeout=120)
    assert rc == 0 and out["ok"], (f"failed at {out.get('step')}: {out.get('error')}: {out.get('message')}\n"
                                   f"{out.get('detail')}\n{out.get('stack')}\n{json.dumps(out.get('results'))[:3000]}"
                                   f"\n{err[-2000:]}")
    r = out["results"]
    conf_id = conf["ClientId"]

    assert r["discovery"]["issuer"] == issuer and r["discovery"]["supportsPKCE"]
    b = r["basic"]
    assert b["pages"] == ["/login"]
    assert b["idHeader"]["alg"] == "RS256"
    assert b["claims"]["aud"] == conf_id and b["claims"]["cognito:username"] == "oscar" and b["claims"]["nonce"]
    assert set(b["access"]["scope"].split()) == {"openid", "email", "profile"}
    assert b["keys"] == ["access_token", "expires_in", "id_token", "refresh_token", "token_type"]
    assert b["userinfo"]["email"] == email and b["userinfo"]["email_verified"] == "true"
    assert b["userinfo"]["name"] == "Oscar Wilde" and b["userinfo"]["username"] == "oscar"

    # A replayed code: invalid_grant, and what the first exchange issued is revoked.
    assert r["replay"] and r["replay"]["error"] == "invalid_grant", r["replay"]
    assert r["refreshAfterReplay"] and r["refreshAfterReplay"]["error"] == "invalid_grant", r["refreshAfterReplay"]
    ui = r["userinfoAfterReplay"]
    assert ui and ui.get("status") == 401, ui
    assert 'error="invalid_token"' in (ui.get("wwwAuthenticate") or ""), ui

    assert r["secondPages"] == [], "the hosted-UI session should skip the form"
    assert "refresh_token" not in r["refresh"]["keys"] and "id_token" in r["refresh"]["keys"]
    assert r["refresh"]["idHeader"]["alg"] == "RS256" and r["refresh"]["sub"] == b["claims"]["sub"]
    assert r["revoked"]
    assert r["refreshAfterRevoke"] and r["refreshAfterRevoke"]["error"] == "invalid_grant", r["refreshAfterRevoke"]

    assert r["post"]["claims"]["aud"] == conf_id and r["post"]["scope"] == "openid"
    assert "access_token" in r["postRefresh"]
    assert r["wrongSecret"] and r["wrongSecret"]["status"] == 401, r["wrongSecret"]
    assert r["wrongSecret"]["error"] == "invalid_client", r["wrongSecret"]

    assert r["public"]["claims"]["aud"] == public and "refresh_token" in r["public"]["keys"]
    assert r["publicUserinfo"]["email"] == email
    assert r["publicClientCredentials"]["error"] == "unauthorized_client", r["publicClientCredentials"]

    cc = r["clientCredentials"]
    assert cc["keys"] == ["access_token", "expires_in", "token_type"]
    assert cc["header"]["alg"] == "RS256"
    assert cc["access"]["scope"] == read and cc["access"]["client_id"] == m2m["ClientId"]
    assert cc["access"]["token_use"] == "access" and cc["access"]["iss"] == issuer
    assert set(r["clientCredentialsAll"].split()) == {read, write}
    assert r["clientCredentialsPost"] == write
    assert r["clientCredentialsBadScope"]["error"] == "invalid_scope", r["clientCredentialsBadScope"]
