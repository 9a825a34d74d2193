"""OAuth 2.0 / OIDC endpoints over plain HTTP, the way an application and a browser without JavaScript use them:
/oauth2/authorize, the hosted sign-in form (with its CSRF token and session cookie), /oauth2/token (authorization
code with PKCE, refresh, client credentials; client_secret_basic and client_secret_post), /oauth2/userInfo,
/oauth2/revoke, /logout and discovery. Tokens are checked with PyJWT against the server's JWKS.

`HttpBrowser` keeps cookies and submits the server-rendered forms; it never follows a redirect to an application's
callback (those hosts do not exist), it only reads the Location header.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import urllib.parse
from typing import Optional

import pytest

from conftest import raw_request, unique
from userlib import PASSWORD, Kit, jwt_claims, jwt_header, new_email, verify_token

CALLBACK = "http://localhost:3000/callback"
CALLBACK2 = "https://app.example.com/oauth/cb"
LOGOUT = "http://localhost:3000/signed-out"
RS_ID = "https://api.example.com"
READ = f"{RS_ID}/read"
WRITE = f"{RS_ID}/write"
CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
FORM_CT = {"Content-Type": "application/x-www-form-urlencoded"}


# --------------------------------------------------------------------------------------------------------------
# A browser without JavaScript
# --------------------------------------------------------------------------------------------------------------


def parse_set_cookie(value: str) -> dict:
    parts = [p.strip() for p in value.split(";")]
    name, _, val = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return {"name": name.strip(), "value": val.strip(), "attrs": attrs}


class HttpBrowser:
    """Cookies + form submission against one server. URLs are server paths or absolute URLs on that server."""

    def __init__(self, server):
        self.server = server
        self.cookies: dict = {}
        self.set_cookies: list = []  # every Set-Cookie seen, parsed

    def _path(self, url: str) -> str:
        if url.startswith("http"):
            u = urllib.parse.urlsplit(url)
            assert u.port == self.server.port, f"refusing to fetch {url}: not the server under test"
            return u.path + (f"?{u.query}" if u.query else "")
        return url

    def request(self, method: str, url: str, body: bytes = b"", headers: Optional[dict] = None):
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        r = raw_request(self.server, method, self._path(url), body, h)
        for raw in r.headers.get_all("Set-Cookie") or []:
            c = parse_set_cookie(raw)
            self.set_cookies.append(c)
            if c["attrs"].get("max-age") == "0" or c["value"] == "" or "1970" in c["attrs"].get("expires", ""):
                self.cookies.pop(c["name"], None)
            else:
                self.cookies[c["name"]] = c["value"]
        return r

    def get(self, url: str):
        return self.request("GET", url)

    def post(self, url: str, fields: dict, headers: Optional[dict] = None):
        return self.request("POST", url, urllib.parse.urlencode(fields).encode(), {**FORM_CT, **(headers or {})})

    def cookie(self, name: str) -> Optional[dict]:
        """The last Set-Cookie for `name`."""
        found = [c for c in self.set_cookies if c["name"] == name]
        return found[-1] if found else None


def forms(page: bytes) -> list:
    """Every <form> of a page: (action, {hidden input name: value}, [visible input names])."""
    text = page.decode()
    out = []
    for m in re.finditer(r"<form\b([^>]*)>(.*?)</form>", text, re.S):
        action = html.unescape(re.search(r'action="([^"]*)"', m.group(1)).group(1))
        hidden, visible = {}, []
        for inp in re.finditer(r"<input\b([^>]*)>", m.group(2)):
            a = inp.group(1)
            name = re.search(r'name="([^"]*)"', a)
            if not name:
                continue
            if 'type="hidden"' in a:
                hidden[name.group(1)] = html.unescape(re.search(r'value="([^"]*)"', a).group(1))
            else:
                visible.append(name.group(1))
        out.append((action, hidden, visible))
    return out


def submit(browser: HttpBrowser, page: bytes, fields: dict, index: int = 0):
    action, hidden, _ = forms(page)[index]
    return browser.post(action, {**hidden, **fields})


def query_of(url: str) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def fragment_of(url: str) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).fragment))


def authorize_path(**params) -> str:
    return "/oauth2/authorize?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})


def pkce_pair() -> tuple:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def at_hash(access_token: str) -> str:
    d = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(d[: len(d) // 2]).decode().rstrip("=")


def sign_in(browser: HttpBrowser, username: str, password: str = PASSWORD, **params) -> str:
    """/oauth2/authorize → /login form → POST: returns the Location the server redirects to (the callback)."""
    r = browser.get(authorize_path(**params))
    assert r.status == 302, r
    loc = r.header("Location")
    if not loc.startswith("/login"):
        return loc  # live session: straight to the callback
    page = browser.get(loc)
    assert page.status == 200, page
    r = submit(browser, page.body, {"username": username, "password": password})
    assert r.status == 302, f"sign-in did not redirect: {r}"
    return r.header("Location")


def basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def token_call(server, fields: dict, headers: Optional[dict] = None):
    return raw_request(server, "POST", "/oauth2/token", urllib.parse.urlencode(fields).encode(),
                       {**FORM_CT, **(headers or {})})


def oauth_error(r, status: int, error: str) -> None:
    assert r.status == status, f"expected {status} {error}, got {r}"
    assert r.json()["error"] == error, r


# --------------------------------------------------------------------------------------------------------------
# Setup: one pool with a resource server and four app clients
# --------------------------------------------------------------------------------------------------------------


class Env:
    pass


@pytest.fixture(scope="module")
def env(kit: Kit):
    e = Env()
    e.kit = kit
    e.server = kit.server
    e.pool = kit.pool()
    e.issuer = kit.issuer(e.pool)
    kit.idp.create_resource_server(UserPoolId=e.pool, Identifier=RS_ID, Name="api",
                                   Scopes=[{"ScopeName": "read", "ScopeDescription": "read"},
                                           {"ScopeName": "write", "ScopeDescription": "write"}])
    oauth = dict(AllowedOAuthFlowsUserPoolClient=True, SupportedIdentityProviders=["COGNITO"],
                 CallbackURLs=[CALLBACK, CALLBACK2], LogoutURLs=[LOGOUT])
    e.scopes = ["openid", "email", "phone", "profile", "aws.cognito.signin.user.admin", READ]
    e.public = kit.app(e.pool, ClientName="spa", AllowedOAuthFlows=["code", "implicit"],
                       AllowedOAuthScopes=e.scopes, **oauth)["ClientId"]
    conf = kit.app(e.pool, ClientName="web", GenerateSecret=True, AllowedOAuthFlows=["code"],
                   AllowedOAuthScopes=["openid", "email", "profile"], **oauth)
    e.conf, e.conf_secret = conf["ClientId"], conf["ClientSecret"]
    m2m = kit.app(e.pool, flows=None, ClientName="m2m", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
                  AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=[READ, WRITE])
    e.m2m, e.m2m_secret = m2m["ClientId"], m2m["ClientSecret"]
    e.code_only = kit.app(e.pool, ClientName="code-only", AllowedOAuthFlows=["code"],
                          AllowedOAuthScopes=["openid"], **oauth)["ClientId"]
    e.username = "alice"
    e.email = new_email("oidc")
    kit.admin_user(e.pool, e.username, email=e.email, extra={"given_name": "Alice", "family_name": "Liddell"})
    e.jwks = kit.jwks(e.pool)
    yield e
    kit.idp.delete_user_pool(UserPoolId=e.pool)


def code_for(env, client_id: Optional[str] = None, browser: Optional[HttpBrowser] = None, **params) -> str:
    """A fresh authorization code for alice (a new browser each time unless one is given)."""
    params.setdefault("response_type", "code")
    params.setdefault("redirect_uri", CALLBACK)
    params.setdefault("state", secrets.token_hex(8))
    loc = sign_in(browser or HttpBrowser(env.server), env.username, client_id=client_id or env.public, **params)
    q = query_of(loc)
    assert loc.startswith(params["redirect_uri"] + "?"), loc
    assert q.get("state") == params["state"], loc
    assert "code" in q, loc
    return q["code"]


def exchange(env, code: str, client_id: Optional[str] = None, redirect_uri: str = CALLBACK, **extra):
    return token_call(env.server, {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                   "client_id": client_id or env.public, **extra})


def tokens_for(env, **params) -> dict:
    verifier, challenge = pkce_pair()
    code = code_for(env, code_challenge=challenge, code_challenge_method="S256", **params)
    r = exchange(env, code, code_verifier=verifier)
    assert r.status == 200, r
    return r.json()


# --------------------------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------------------------


def test_discovery_document(env):
    r = raw_request(env.server, "GET", f"/{env.pool}/.well-known/openid-configuration")
    assert r.status == 200, r
    d = r.json()
    ep = env.server.endpoint
    assert d["issuer"] == f"{ep}/{env.pool}"
    assert d["authorization_endpoint"] == f"{ep}/oauth2/authorize"
    assert d["token_endpoint"] == f"{ep}/oauth2/token"
    assert d["userinfo_endpoint"] == f"{ep}/oauth2/userInfo"
    assert d["revocation_endpoint"] == f"{ep}/oauth2/revoke"
    assert d["end_session_endpoint"] == f"{ep}/logout"
    assert d["jwks_uri"] == f"{ep}/{env.pool}/.well-known/jwks.json"
    assert set(d["response_types_supported"]) >= {"code", "token"}
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert set(d["token_endpoint_auth_methods_supported"]) >= {"client_secret_basic", "client_secret_post"}
    assert "none" not in d.get("id_token_signing_alg_values_supported", ["RS256"])
    assert raw_request(env.server, "GET", "/us-east-1_NoSuchPool/.well-known/openid-configuration").status == 404


# --------------------------------------------------------------------------------------------------------------
# Authorization code + PKCE
# --------------------------------------------------------------------------------------------------------------


def test_code_flow_with_pkce_nonce_and_token_claims(env):
    verifier, challenge = pkce_pair()
    nonce = secrets.token_urlsafe(16)
    code = code_for(env, scope="openid email profile", nonce=nonce, code_challenge=challenge,
                    code_challenge_method="S256")
    r = exchange(env, code, code_verifier=verifier)
    assert r.status == 200, r
    assert "no-store" in r.header("Cache-Control")
    t = r.json()
    assert t["token_type"] == "Bearer" and t["expires_in"] == 3600
    assert {"access_token", "id_token", "refresh_token"} <= set(t)
    for tok in (t["access_token"], t["id_token"]):
        h = jwt_header(tok)
        assert h["alg"] == "RS256" and h["kid"] in {k["kid"] for k in env.jwks["keys"]}
    idc = verify_token(t["id_token"], env.jwks, issuer=env.issuer, audience=env.public)
    assert idc["token_use"] == "id" and idc["nonce"] == nonce
    assert idc["at_hash"] == at_hash(t["access_token"])
    assert idc["cognito:username"] == env.username and idc["email"] == env.email
    ac = verify_token(t["access_token"], env.jwks, issuer=env.issuer)
    assert ac["token_use"] == "access" and ac["client_id"] == env.public and ac["username"] == env.username
    assert set(ac["scope"].split()) == {"openid", "email", "profile"}
    assert ac["version"] == 2
    assert ac["sub"] == idc["sub"]


def test_scope_omitted_grants_all_client_scopes_and_unknown_ones_are_ignored(env):
    t = tokens_for(env)
    assert set(jwt_claims(t["access_token"])["scope"].split()) == set(env.scopes)
    t = tokens_for(env, scope=f"openid {READ} {WRITE} nosuch:scope email")
    assert set(jwt_claims(t["access_token"])["scope"].split()) == {"openid", READ, "email"}
    t = tokens_for(env, scope=READ)
    assert jwt_claims(t["access_token"])["scope"] == READ
    assert "id_token" not in t, "an ID token needs the openid scope"


def test_code_is_single_use_and_reuse_revokes_its_tokens(env):
    verifier, challenge = pkce_pair()
    code = code_for(env, scope="openid email aws.cognito.signin.user.admin", code_challenge=challenge,
                    code_challenge_method="S256")
    first = exchange(env, code, code_verifier=verifier)
    assert first.status == 200, first
    t = first.json()
    assert env.kit.get_user(t["access_token"])["Username"] == env.username
    again = exchange(env, code, code_verifier=verifier)
    oauth_error(again, 400, "invalid_grant")
    # The replay revoked what the first use issued.
    r = token_call(env.server, {"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                                "client_id": env.public})
    oauth_error(r, 400, "invalid_grant")
    with pytest.raises(env.kit.uidp.exceptions.NotAuthorizedException):
        env.kit.get_user(t["access_token"])
    r = raw_request(env.server, "GET", "/oauth2/userInfo", headers={"Authorization": f"Bearer {t['access_token']}"})
    assert r.status == 401, r


def test_code_exchange_checks_redirect_uri_verifier_and_client(env):
    verifier, challenge = pkce_pair()
    pk = dict(code_challenge=challenge, code_challenge_method="S256")
    oauth_error(exchange(env, code_for(env, **pk), redirect_uri=CALLBACK2, code_verifier=verifier), 400,
                "invalid_grant")
    oauth_error(exchange(env, code_for(env, **pk)), 400, "invalid_grant")  # verifier missing
    oauth_error(exchange(env, code_for(env, **pk), code_verifier=pkce_pair()[0]), 400, "invalid_grant")
    oauth_error(exchange(env, code_for(env, **pk), client_id=env.code_only, code_verifier=verifier), 400,
                "invalid_grant")
    oauth_error(exchange(env, "not-a-code"), 400, "invalid_grant")
    # Without PKCE the code alone (and the redirect URI) is enough.
    r = exchange(env, code_for(env, redirect_uri=CALLBACK2), redirect_uri=CALLBACK2)
    assert r.status == 200, r


def test_client_secret_basic_and_post(env):
    def code():
        return code_for(env, client_id=env.conf)

    fields = {"grant_type": "authorization_code", "redirect_uri": CALLBACK}
    r = token_call(env.server, {**fields, "code": code()}, basic(env.conf, env.conf_secret))
    assert r.status == 200, r
    assert jwt_claims(r.json()["access_token"])["client_id"] == env.conf
    assert jwt_claims(r.json()["id_token"])["aud"] == env.conf
    r = token_call(env.server, {**fields, "code": code(), "client_id": env.conf, "client_secret": env.conf_secret})
    assert r.status == 200, r
    assert "refresh_token" in r.json()
    # Wrong, missing, or someone else's secret.
    oauth_error(token_call(env.server, {**fields, "code": code()}, basic(env.conf, "wrong")), 401, "invalid_client")
    oauth_error(token_call(env.server, {**fields, "code": code(), "client_id": env.conf, "client_secret": "wrong"}),
                401, "invalid_client")
    oauth_error(token_call(env.server, {**fields, "code": code(), "client_id": env.conf}), 401, "invalid_client")
    oauth_error(token_call(env.server, {**fields, "code": code()}, basic(env.conf, env.m2m_secret)), 401,
                "invalid_client")
    oauth_error(token_call(env.server, {**fields, "code": "x", "client_id": "nosuchclient0000000000000"}), 401,
                "invalid_client")


def test_token_endpoint_request_errors(env):
    oauth_error(token_call(env.server, {"client_id": env.public}), 400, "invalid_request")
    oauth_error(token_call(env.server, {"grant_type": "password", "client_id": env.public, "username": "alice",
                                        "password": PASSWORD}), 400, "unsupported_grant_type")
    oauth_error(token_call(env.server, {"grant_type": "authorization_code", "client_id": env.public}), 400,
                "invalid_request")


def test_refresh_token_grant(env):
    t = tokens_for(env, scope="openid email")
    for auth in ({"client_id": env.public},):
        r = token_call(env.server, {"grant_type": "refresh_token", "refresh_token": t["refresh_token"], **auth})
        assert r.status == 200, r
        n = r.json()
        assert n["token_type"] == "Bearer" and n["expires_in"] == 3600
        assert "refresh_token" not in n
        assert jwt_header(n["id_token"])["alg"] == "RS256"
        ac = verify_token(n["access_token"], env.jwks, issuer=env.issuer)
        assert ac["username"] == env.username
        assert set(ac["scope"].split()) == {"openid", "email"}, "a refreshed access token keeps the granted scopes"
        verify_token(n["id_token"], env.jwks, issuer=env.issuer, audience=env.public)
    # A confidential client refreshes with its secret, and not without it.
    code = code_for(env, client_id=env.conf)
    ct = token_call(env.server, {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
                    basic(env.conf, env.conf_secret)).json()
    r = token_call(env.server, {"grant_type": "refresh_token", "refresh_token": ct["refresh_token"]},
                   basic(env.conf, env.conf_secret))
    assert r.status == 200, r
    oauth_error(token_call(env.server, {"grant_type": "refresh_token", "refresh_token": ct["refresh_token"],
                                        "client_id": env.conf}), 401, "invalid_client")
    # Another client's refresh token, and garbage.
    oauth_error(token_call(env.server, {"grant_type": "refresh_token", "refresh_token": t["refresh_token"]},
                           basic(env.conf, env.conf_secret)), 400, "invalid_grant")
    oauth_error(token_call(env.server, {"grant_type": "refresh_token", "refresh_token": "garbage",
                                        "client_id": env.public}), 400, "invalid_grant")


# --------------------------------------------------------------------------------------------------------------
# Client credentials
# --------------------------------------------------------------------------------------------------------------


def test_client_credentials_with_custom_scopes(env):
    r = token_call(env.server, {"grant_type": "client_credentials"}, basic(env.m2m, env.m2m_secret))
    assert r.status == 200, r
    t = r.json()
    assert t["token_type"] == "Bearer" and t["expires_in"] == 3600
    assert "id_token" not in t and "refresh_token" not in t
    assert jwt_header(t["access_token"])["alg"] == "RS256"
    c = verify_token(t["access_token"], env.jwks, issuer=env.issuer)
    assert set(c["scope"].split()) == {READ, WRITE}
    assert c["token_use"] == "access" and c["client_id"] == env.m2m and c["sub"] == env.m2m
    assert "username" not in c
    r = token_call(env.server, {"grant_type": "client_credentials", "scope": READ, "client_id": env.m2m,
                                "client_secret": env.m2m_secret})
    assert r.status == 200, r
    assert jwt_claims(r.json()["access_token"])["scope"] == READ
    # An API-only token is no user's: userInfo refuses it.
    r = raw_request(env.server, "GET", "/oauth2/userInfo", headers={"Authorization": f"Bearer {t['access_token']}"})
    assert r.status == 401, r


def test_client_credentials_errors(env):
    oauth_error(token_call(env.server, {"grant_type": "client_credentials", "scope": f"{RS_ID}/delete"},
                           basic(env.m2m, env.m2m_secret)), 400, "invalid_scope")
    oauth_error(token_call(env.server, {"grant_type": "client_credentials", "scope": "openid"},
                           basic(env.m2m, env.m2m_secret)), 400, "invalid_scope")
    oauth_error(token_call(env.server, {"grant_type": "client_credentials"}, basic(env.m2m, "wrong")), 401,
                "invalid_client")
    # A public client, and a confidential client without the flow.
    oauth_error(token_call(env.server, {"grant_type": "client_credentials", "client_id": env.public}), 400,
                "unauthorized_client")
    oauth_error(token_call(env.server, {"grant_type": "client_credentials"}, basic(env.conf, env.conf_secret)), 400,
                "unauthorized_client")
    # The machine client may not run the code grant.
    oauth_error(token_call(env.server, {"grant_type": "authorization_code", "code": "x", "redirect_uri": CALLBACK},
                           basic(env.m2m, env.m2m_secret)), 400, "unauthorized_client")


# --------------------------------------------------------------------------------------------------------------
# Implicit flow and /oauth2/authorize errors
# --------------------------------------------------------------------------------------------------------------


def test_implicit_flow_returns_tokens_in_the_fragment(env):
    nonce = secrets.token_urlsafe(12)
    loc = sign_in(HttpBrowser(env.server), env.username, client_id=env.public, response_type="token",
                  redirect_uri=CALLBACK, state="imp-1", scope="openid email", nonce=nonce)
    assert loc.startswith(CALLBACK + "#"), loc
    assert "?" not in loc.split("#")[0], loc
    f = fragment_of(loc)
    assert f["token_type"] == "Bearer" and f["expires_in"] == "3600" and f["state"] == "imp-1"
    assert "refresh_token" not in f and "code" not in f
    assert jwt_header(f["id_token"])["alg"] == "RS256"
    idc = verify_token(f["id_token"], env.jwks, issuer=env.issuer, audience=env.public)
    assert idc["nonce"] == nonce and idc["at_hash"] == at_hash(f["access_token"])
    ac = verify_token(f["access_token"], env.jwks, issuer=env.issuer)
    assert set(ac["scope"].split()) == {"openid", "email"}
    # Without openid: an access token only.
    loc = sign_in(HttpBrowser(env.server), env.username, client_id=env.public, response_type="token",
                  redirect_uri=CALLBACK, scope=READ)
    f = fragment_of(loc)
    assert "access_token" in f and "id_token" not in f, f


def _authorize_error(env, client_id=None, **params) -> dict:
    params.setdefault("redirect_uri", CALLBACK)
    params.setdefault("state", "err-state")
    r = raw_request(env.server, "GET", authorize_path(client_id=client_id or env.public, **params))
    assert r.status == 302, r
    loc = r.header("Location")
    assert loc.startswith(params["redirect_uri"] + "?"), loc
    q = query_of(loc)
    assert q.get("state") == params["state"], loc
    assert "code" not in q
    return q


def test_authorize_errors_are_redirected_to_a_registered_callback(env):
    assert _authorize_error(env)["error"] == "invalid_request"  # no response_type
    _, challenge = pkce_pair()
    assert _authorize_error(env, response_type="code", code_challenge=challenge,
                            code_challenge_method="plain")["error"] == "invalid_request"
    assert _authorize_error(env, response_type="code", code_challenge=challenge)["error"] == "invalid_request"
    assert _authorize_error(env, client_id=env.code_only, response_type="token")["error"] == "unauthorized_client"
    assert _authorize_error(env, response_type="code", scope="nosuch other")["error"] == "invalid_scope"
    assert _authorize_error(env, response_type="code", scope="email profile")["error"] == "invalid_scope"
    assert _authorize_error(env, response_type="code", identity_provider="Google")["error"]


def test_unknown_client_or_unregistered_redirect_uri_is_never_redirected(env):
    cases = [
        dict(client_id=env.public, redirect_uri="https://evil.example.com/cb"),
        dict(client_id=env.public, redirect_uri=CALLBACK + "/extra"),
        dict(client_id=env.public, redirect_uri=CALLBACK.upper()),
        dict(client_id=env.public),
        dict(client_id="nosuchclient0000000000000", redirect_uri=CALLBACK),
        dict(redirect_uri=CALLBACK),
    ]
    for params in cases:
        for path in ("/oauth2/authorize", "/authorize", "/login"):
            r = raw_request(env.server, "GET", path + "?" + urllib.parse.urlencode(
                {"response_type": "code", "state": "s", **params}))
            assert r.status == 400, (path, params, r)
            assert r.header("Location") is None, (path, params, r)
            assert r.header("Content-Type").startswith("text/html"), r
            assert "evil" not in r.body.decode()


# --------------------------------------------------------------------------------------------------------------
# ID tokens are always signed
# --------------------------------------------------------------------------------------------------------------


def test_id_tokens_are_never_alg_none(env):
    seen = []
    t = tokens_for(env, scope="openid")
    seen += [t["id_token"], t["access_token"]]
    r = token_call(env.server, {"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                                "client_id": env.public})
    seen += [r.json()["id_token"], r.json()["access_token"]]
    f = fragment_of(sign_in(HttpBrowser(env.server), env.username, client_id=env.public, response_type="token",
                            redirect_uri=CALLBACK, scope="openid"))
    seen += [f["id_token"], f["access_token"]]
    for tok in seen:
        h = jwt_header(tok)
        assert h["alg"] == "RS256", h
        assert tok.split(".")[2], "signature part is empty"
    # A forged unsigned token with the same claims is refused everywhere.
    claims = jwt_claims(t["access_token"])
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
    forged = f"{enc({'alg': 'none', 'typ': 'JWT'})}.{enc(claims)}."
    r = raw_request(env.server, "GET", "/oauth2/userInfo", headers={"Authorization": f"Bearer {forged}"})
    assert r.status == 401, r


# --------------------------------------------------------------------------------------------------------------
# userInfo
# --------------------------------------------------------------------------------------------------------------


def test_userinfo_by_get_header_post_header_and_post_body(env):
    t = tokens_for(env, scope="openid email profile")
    sub = jwt_claims(t["id_token"])["sub"]
    bearer = {"Authorization": f"Bearer {t['access_token']}"}
    answers = [
        raw_request(env.server, "GET", "/oauth2/userInfo", headers=bearer),
        raw_request(env.server, "POST", "/oauth2/userInfo", headers=bearer),
        raw_request(env.server, "POST", "/oauth2/userInfo",
                    urllib.parse.urlencode({"access_token": t["access_token"]}).encode(), FORM_CT),
    ]
    for r in answers:
        assert r.status == 200, r
        assert r.header("Content-Type").lower().replace(" ", "").startswith("application/json"), r
        u = r.json()
        assert u["sub"] == sub and u["username"] == env.username
        assert u["email"] == env.email
        assert u["email_verified"] == "true", "Cognito sends email_verified as a string"
        assert u["given_name"] == "Alice" and u["family_name"] == "Liddell"
    assert answers[0].json() == answers[1].json() == answers[2].json()


def test_userinfo_claims_follow_the_scopes(env):
    u = raw_request(env.server, "GET", "/oauth2/userInfo",
                    headers={"Authorization": f"Bearer {tokens_for(env, scope='openid')['access_token']}"}).json()
    assert set(u) == {"sub", "username"}, u
    u = raw_request(env.server, "GET", "/oauth2/userInfo",
                    headers={"Authorization": f"Bearer {tokens_for(env, scope='openid email')['access_token']}"}
                    ).json()
    assert u["email"] == env.email and "given_name" not in u, u


def test_userinfo_errors(env):
    r = raw_request(env.server, "GET", "/oauth2/userInfo")
    assert r.status == 400, r
    assert 'error="invalid_request"' in (r.header("WWW-Authenticate") or ""), r
    for bad in ("garbage", tokens_for(env, scope=READ)["access_token"]):
        r = raw_request(env.server, "GET", "/oauth2/userInfo", headers={"Authorization": f"Bearer {bad}"})
        assert r.status == 401, r
        assert 'error="invalid_token"' in (r.header("WWW-Authenticate") or ""), r
    # An API (InitiateAuth) access token has no openid scope.
    cid = env.kit.client(env.pool)
    api = env.kit.sign_in(cid, env.username)
    r = raw_request(env.server, "GET", "/oauth2/userInfo", headers={"Authorization": f"Bearer {api['AccessToken']}"})
    assert r.status == 401, r
    assert 'error="invalid_token"' in (r.header("WWW-Authenticate") or ""), r


def test_userinfo_after_global_sign_out(env):
    t = tokens_for(env, scope="openid aws.cognito.signin.user.admin")
    bearer = {"Authorization": f"Bearer {t['access_token']}"}
    assert raw_request(env.server, "GET", "/oauth2/userInfo", headers=bearer).status == 200
    env.kit.uidp.global_sign_out(AccessToken=t["access_token"])
    r = raw_request(env.server, "GET", "/oauth2/userInfo", headers=bearer)
    assert r.status == 401, r


# --------------------------------------------------------------------------------------------------------------
# Revocation
# --------------------------------------------------------------------------------------------------------------


def test_revoke(env):
    def revoke(fields, headers=None):
        return raw_request(env.server, "POST", "/oauth2/revoke", urllib.parse.urlencode(fields).encode(),
                           {**FORM_CT, **(headers or {})})

    t = tokens_for(env, scope="openid")
    r = revoke({"token": t["refresh_token"], "client_id": env.public})
    assert r.status == 200 and r.body == b"", r
    oauth_error(token_call(env.server, {"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                                        "client_id": env.public}), 400, "invalid_grant")
    r = revoke({"token": t["refresh_token"], "client_id": env.public})
    assert r.status == 200 and r.body == b"", "revoking twice is fine"
    r = revoke({"token": "unknown-token-value", "client_id": env.public})
    assert r.status == 200 and r.body == b"", r
    oauth_error(revoke({"token": t["access_token"], "client_id": env.public}), 400, "unsupported_token_type")
    oauth_error(revoke({"client_id": env.public}), 400, "invalid_request")
    # Confidential client: Basic auth, wrong secret.
    code = code_for(env, client_id=env.conf)
    ct = token_call(env.server, {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
                    basic(env.conf, env.conf_secret)).json()
    oauth_error(revoke({"token": ct["refresh_token"]}, basic(env.conf, "wrong")), 401, "invalid_client")
    oauth_error(revoke({"token": ct["refresh_token"], "client_id": env.conf}), 401, "invalid_client")
    assert revoke({"token": ct["refresh_token"]}, basic(env.conf, env.conf_secret)).status == 200
    oauth_error(token_call(env.server, {"grant_type": "refresh_token", "refresh_token": ct["refresh_token"]},
                           basic(env.conf, env.conf_secret)), 400, "invalid_grant")


# --------------------------------------------------------------------------------------------------------------
# Session cookie, logout
# --------------------------------------------------------------------------------------------------------------


def test_session_cookie_skips_the_form_until_logout(env):
    b = HttpBrowser(env.server)
    code_for(env, browser=b)
    s = b.cookie("cognito")
    assert s, f"no session cookie among {[c['name'] for c in b.set_cookies]}"
    assert "httponly" in s["attrs"], s
    assert s["attrs"].get("samesite", "").lower() == "lax", s
    assert s["attrs"].get("max-age") == "3600", s
    # The next authorization request is answered at once, with a new code.
    r = b.get(authorize_path(response_type="code", client_id=env.public, redirect_uri=CALLBACK, state="again"))
    assert r.status == 302 and r.header("Location").startswith(CALLBACK + "?"), r
    assert query_of(r.header("Location"))["state"] == "again"
    assert exchange(env, query_of(r.header("Location"))["code"]).status == 200
    # /login with a session also continues.
    r = b.get("/login?" + urllib.parse.urlencode({"response_type": "code", "client_id": env.public,
                                                  "redirect_uri": CALLBACK}))
    assert r.status == 302 and r.header("Location").startswith(CALLBACK + "?"), r
    # Logout with a registered logout_uri clears the session.
    r = b.get("/logout?" + urllib.parse.urlencode({"client_id": env.public, "logout_uri": LOGOUT}))
    assert r.status == 302 and r.header("Location") == LOGOUT, r
    assert "cognito" not in b.cookies
    r = b.get(authorize_path(response_type="code", client_id=env.public, redirect_uri=CALLBACK))
    assert r.status == 302 and r.header("Location").startswith("/login?"), r


def test_logout_variants(env):
    b = HttpBrowser(env.server)
    code_for(env, browser=b)
    assert "cognito" in b.cookies
    # Unregistered logout_uri: an error page, no redirect.
    r = b.get("/logout?" + urllib.parse.urlencode({"client_id": env.public, "logout_uri": "https://evil.example/"}))
    assert r.status == 400 and r.header("Location") is None, r
    r = b.get("/logout?" + urllib.parse.urlencode({"client_id": env.public}))
    assert r.status == 400 and r.header("Location") is None, r
    r = b.get("/logout?" + urllib.parse.urlencode({"logout_uri": LOGOUT}))
    assert r.status == 400 and r.header("Location") is None, r
    # redirect_uri + response_type: back to the sign-in page with those parameters, session gone.
    r = b.get("/logout?" + urllib.parse.urlencode({"client_id": env.public, "redirect_uri": CALLBACK,
                                                   "response_type": "code", "state": "lo"}))
    assert r.status == 302, r
    loc = r.header("Location")
    assert loc.startswith("/login?"), loc
    q = query_of(loc)
    assert q["client_id"] == env.public and q["redirect_uri"] == CALLBACK and q["response_type"] == "code"
    assert q["state"] == "lo"
    assert "cognito" not in b.cookies
    page = b.get(loc)
    assert page.status == 200 and b'name="password"' in page.body


# --------------------------------------------------------------------------------------------------------------
# Pages: CSRF, headers, errors
# --------------------------------------------------------------------------------------------------------------


def _login_query(env) -> str:
    return urllib.parse.urlencode({"response_type": "code", "client_id": env.public, "redirect_uri": CALLBACK,
                                   "state": "csrf"})


def test_csrf_token_is_required_on_every_form(env):
    q = _login_query(env)
    creds = {"username": env.username, "password": PASSWORD}
    b = HttpBrowser(env.server)
    page = b.get(f"/login?{q}")
    assert page.status == 200
    token = forms(page.body)[0][1]["_csrf"]
    x = b.cookie("XSRF-TOKEN")
    assert x and "httponly" in x["attrs"] and x["attrs"].get("samesite", "").lower() == "lax", x
    # Without the field, with a wrong one, and with the field but without the cookie.
    assert b.post(f"/login?{q}", creds).status == 403
    assert b.post(f"/login?{q}", {**creds, "_csrf": "0" * len(token)}).status == 403
    assert HttpBrowser(env.server).post(f"/login?{q}", {**creds, "_csrf": token}).status == 403
    # Another browser's token does not fit this browser's cookie.
    other = HttpBrowser(env.server)
    other_token = forms(other.get(f"/login?{q}").body)[0][1]["_csrf"]
    if other_token != token:
        assert b.post(f"/login?{q}", {**creds, "_csrf": other_token}).status == 403
    for path, fields in (("/signup", {"username": unique("c"), "email": new_email("c"), "password": PASSWORD}),
                         ("/forgotPassword", {"username": env.username}),
                         ("/confirmForgotPassword", {"username": env.username, "code": "123456",
                                                     "password": PASSWORD}),
                         ("/confirm", {"username": env.username, "code": "123456"})):
        r = b.post(f"{path}?{q}", fields)
        assert r.status == 403, (path, r)
    # The same POST with the token goes through.
    r = b.post(f"/login?{q}", {**creds, "_csrf": token})
    assert r.status == 302 and r.header("Location").startswith(CALLBACK + "?"), r


def test_security_headers_on_every_page(env):
    q = _login_query(env)
    b = HttpBrowser(env.server)
    pages = [f"/login?{q}", f"/signup?{q}", f"/forgotPassword?{q}", f"/confirm?{q}&username=alice",
             f"/confirmForgotPassword?{q}&username=alice", "/error?error=Oops",
             "/oauth2/authorize?client_id=nosuchclient0000000000000&redirect_uri=x"]
    for path in pages:
        r = b.get(path)
        assert r.status in (200, 400), (path, r)
        assert r.header("Content-Security-Policy") == CSP, (path, r.header("Content-Security-Policy"))
        assert r.header("X-Frame-Options") == "DENY", path
        assert r.header("Content-Type").startswith("text/html"), path
        assert b"<script" not in r.body.lower(), path
    r = b.get(f"/login?{q}")
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert "no-store" in (r.header("Cache-Control") or "")
    # Labels point at their inputs.
    text = r.body.decode()
    for field in ("username", "password"):
        assert re.search(rf'<label[^>]*for="{field}"', text) and re.search(rf'<input[^>]*id="{field}"', text), field


def test_wrong_password_shows_the_error_on_the_page(env):
    b = HttpBrowser(env.server)
    page = b.get(f"/login?{_login_query(env)}")
    r = submit(b, page.body, {"username": env.username, "password": "Wrong-Passw0rd!"})
    assert r.status == 200, r
    text = r.body.decode()
    m = re.search(r'<[^>]*role="alert"[^>]*>(.*?)<', text, re.S)
    assert m and "Incorrect username or password." in m.group(1), text
    assert 'id="error"' in text
    r = submit(b, r.body, {"username": "nobody-" + unique("x"), "password": PASSWORD})
    assert r.status == 200 and re.search(r'role="alert"', r.body.decode()), r
    assert "cognito" not in b.cookies


def test_error_page_escapes_its_message(env):
    r = raw_request(env.server, "GET", "/error?" + urllib.parse.urlencode({"error": "<img src=x onerror=alert(1)>"}))
    assert r.status == 400
    assert b"<img src=x" not in r.body, r.body


# --------------------------------------------------------------------------------------------------------------
# Admin API that drives OAuth: resource servers and domains
# --------------------------------------------------------------------------------------------------------------


def test_resource_servers_and_domains(kit):
    idp = kit.idp
    pool = kit.pool()
    try:
        rs = idp.create_resource_server(UserPoolId=pool, Identifier="orders", Name="Orders",
                                        Scopes=[{"ScopeName": "read", "ScopeDescription": "Read orders"}])
        assert rs["ResourceServer"]["Identifier"] == "orders"
        assert idp.describe_resource_server(UserPoolId=pool, Identifier="orders")["ResourceServer"]["Name"] == \
            "Orders"
        idp.update_resource_server(UserPoolId=pool, Identifier="orders", Name="Orders 2",
                                   Scopes=[{"ScopeName": "read", "ScopeDescription": "r"},
                                           {"ScopeName": "write", "ScopeDescription": "w"}])
        listed = idp.list_resource_servers(UserPoolId=pool, MaxResults=10)["ResourceServers"]
        assert [(r["Identifier"], len(r["Scopes"])) for r in listed] == [("orders", 2)]
        cid = kit.app(pool, flows=None, ClientName="m", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
                      AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["orders/write"])["ClientId"]
        assert cid
        with pytest.raises(idp.exceptions.ClientError):
            kit.app(pool, flows=None, ClientName="bad", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
                    AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["orders/delete"])
        prefix = unique("auth").lower()
        idp.create_user_pool_domain(UserPoolId=pool, Domain=prefix)
        d = idp.describe_user_pool_domain(Domain=prefix)["DomainDescription"]
        assert d["UserPoolId"] == pool and d["Domain"] == prefix
        idp.delete_user_pool_domain(UserPoolId=pool, Domain=prefix)
        assert idp.describe_user_pool_domain(Domain=prefix)["DomainDescription"] == {}
        idp.delete_resource_server(UserPoolId=pool, Identifier="orders")
        assert idp.list_resource_servers(UserPoolId=pool, MaxResults=10)["ResourceServers"] == []
    finally:
        idp.delete_user_pool(UserPoolId=pool)


# --------------------------------------------------------------------------------------------------------------
# Stricter protocol points (RFC 6749 / 6750 / 7235 and session hygiene)
# --------------------------------------------------------------------------------------------------------------


def test_logout_ends_the_session_on_the_server(env):
    """A session cookie copied before /logout (a stolen or cached one) no longer signs anyone in afterwards."""
    b = HttpBrowser(env.server)
    code_for(env, browser=b)
    copied = dict(b.cookies)
    r = b.get("/logout?" + urllib.parse.urlencode({"client_id": env.public, "logout_uri": LOGOUT}))
    assert r.status == 302 and r.header("Location") == LOGOUT, r
    replay = HttpBrowser(env.server)
    replay.cookies = copied
    r = replay.get(authorize_path(response_type="code", client_id=env.public, redirect_uri=CALLBACK))
    assert r.status == 302 and r.header("Location").startswith("/login?"), (
        f"the session cookie still works after logout: {r.header('Location')[:60]}...")


def test_auth_schemes_are_case_insensitive(env):
    """RFC 7235 §2.1: the auth-scheme ("Bearer", "Basic") is case-insensitive."""
    t = tokens_for(env, scope="openid")
    r = raw_request(env.server, "GET", "/oauth2/userInfo", headers={"Authorization": f"bearer {t['access_token']}"})
    assert r.status == 200, r
    code = code_for(env, client_id=env.conf)
    auth = basic(env.conf, env.conf_secret)["Authorization"].replace("Basic ", "basic ")
    r = token_call(env.server, {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
                   {"Authorization": auth})
    assert r.status == 200, r


def test_token_endpoint_answers_bad_bodies_with_oauth_errors(env):
    """RFC 6749 §5.2: errors are a JSON body with `error`, even when the request is not a form."""
    for headers, body in (({"Content-Type": "application/json"},
                           json.dumps({"grant_type": "client_credentials", "client_id": env.public}).encode()),
                          ({}, b"grant_type=client_credentials")):
        r = raw_request(env.server, "POST", "/oauth2/token", body, headers)
        assert r.status == 400, r
        assert r.header("Content-Type").startswith("application/json"), r
        assert r.json()["error"] == "invalid_request", r
