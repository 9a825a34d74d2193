"""The JavaScript clients that sign in with SRP by default, from npm and unmodified, in Node:
amazon-cognito-identity-js 6.x (node/srp_cognito.mjs: one step list per invocation, its Storage a JSON file so a
later invocation is the app reopened) and Amplify JS v6 `aws-amplify/auth` (node/srp_amplify.mjs, one scenario per
process, codes fetched from the SMTP sink through test_node_clients' code endpoint). Every request the libraries
send is recorded by a fetch wrapper, so the tests assert the exact sequence of X-Amz-Target values too.

Needs node + npm; `npm ci` runs in tests/compat/node when a needed package is missing. Without node the tests
skip, or fail when CI is set. The helpers here (srp_node, JsApp, run_amplify) are used by test_devices.py too."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import clean_env, client_error
from nodelib import NODE_DIR, ensure_packages, node_exe
from test_node_clients import code_endpoint  # noqa: F401  (fixture: GET /code?to=<address>)
from userlib import PASSWORD, PASSWORD2, PASSWORD3, attr_map, jwt_claims, new_email, verify_token

NEEDED = ["amazon-cognito-identity-js", "aws-amplify", "@aws-sdk/client-cognito-identity-provider"]
INCORRECT = "Incorrect username or password."


@pytest.fixture(scope="session")
def srp_node():
    exe = node_exe()
    ensure_packages(f"{p}/package.json" for p in NEEDED)
    return exe


def _run(node: str, script: str, request: dict, request_file: Path, timeout: float = 120) -> dict:
    request_file.write_text(json.dumps(request))
    r = subprocess.run([node, str(NODE_DIR / script), str(request_file)], cwd=NODE_DIR, capture_output=True,
                       text=True, timeout=timeout, env=clean_env())
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"{script} printed no JSON (exit {r.returncode})\nstdout: {r.stdout[-3000:]}\nstderr: {r.stderr[-3000:]}"
    out = json.loads(lines[-1])
    out["_stderr"] = r.stderr
    return out


def targets(calls: list) -> list:
    """`Target` or `Target:ChallengeName|AuthFlow` for each recorded request."""
    return [f"{c['target']}:{c.get('challengeName') or c.get('authFlow')}"
            if c.get("challengeName") or c.get("authFlow") else c["target"] for c in calls]


class JsApp:
    """One installation of an app using amazon-cognito-identity-js: its Storage (localStorage) is a JSON file that
    survives between runs of node/srp_cognito.mjs."""

    def __init__(self, node: str, tmp_path: Path, endpoint: str, pool_id: str, client_id: str, name: str = "app"):
        self.node, self.dir = node, tmp_path
        self.storage = tmp_path / f"{name}-{uuid.uuid4().hex[:6]}-storage.json"
        self.base = {"endpoint": endpoint, "poolId": pool_id, "clientId": client_id, "storage": str(self.storage)}
        self.n = 0

    def run(self, *ops: dict, ok: bool = True) -> dict:
        self.n += 1
        out = _run(self.node, "srp_cognito.mjs", {**self.base, "ops": list(ops)},
                   self.dir / f"{self.storage.stem}-req{self.n}.json")
        if ok:
            failed = [r for r in out["results"] if not r["ok"]]
            assert out["ok"], (f"srp_cognito.mjs failed: {failed or out['results'][-1:]}\n"
                               f"requests: {json.dumps(out['calls'], indent=1)[-6000:]}\nstderr: {out['_stderr'][-2000:]}")
        return out

    def stored(self) -> dict:
        return json.loads(self.storage.read_text()) if self.storage.exists() else {}


def value(out: dict, op: str, n: int = 0):
    """The value of the n-th result of `op` (asserting it succeeded)."""
    rs = [r for r in out["results"] if r["op"] == op]
    assert len(rs) > n, f"no result #{n} for {op}: {out['results']}"
    assert rs[n]["ok"], f"{op} failed: {rs[n]}"
    return rs[n]["value"]


def error(out: dict, op: str, n: int = 0) -> dict:
    rs = [r for r in out["results"] if r["op"] == op]
    assert len(rs) > n and not rs[n]["ok"], f"expected {op} #{n} to fail: {rs}"
    return rs[n]["error"]


def run_amplify(node: str, tmp_path: Path, request: dict, ok: bool = True) -> dict:
    out = _run(node, "srp_amplify.mjs", request, tmp_path / f"amplify-{uuid.uuid4().hex[:8]}.json")
    if ok:
        assert out["ok"], (f"Amplify failed at {out.get('step')}: {out.get('error')}: {out.get('message')}\n"
                           f"requests: {json.dumps(out['calls'], indent=1)[-6000:]}\nstderr: {out['_stderr'][-2000:]}")
    return out


# --------------------------------------------------------------------------------------------------------------
# amazon-cognito-identity-js
# --------------------------------------------------------------------------------------------------------------


def test_cognito_identity_js_self_service_with_srp(srp_node, kit, tmp_path):
    pool = kit.pool()
    cid = kit.client(pool)
    email = new_email("js")
    app = JsApp(srp_node, tmp_path, kit.endpoint, pool, cid)

    out = app.run({"op": "signUp", "username": "js-user", "password": PASSWORD,
                   "attributes": {"email": email, "given_name": "Js"}})
    su = value(out, "signUp")
    assert su["userConfirmed"] is False and su["userSub"]
    assert su["codeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = kit.sink.next_code(email)

    out = app.run({"op": "authenticate", "username": "js-user", "password": PASSWORD, "expectError": True},
                  {"op": "confirmRegistration", "username": "js-user", "code": code},
                  {"op": "authenticate", "username": "js-user", "password": PASSWORD},
                  {"op": "getUserAttributes"})
    assert error(out, "authenticate")["code"] == "UserNotConfirmedException"
    assert targets(out["calls"]) == [
        "InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",   # unconfirmed
        "ConfirmSignUp",
        "InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
        "GetUser",
    ] or targets(out["calls"]) == [
        "InitiateAuth:USER_SRP_AUTH", "ConfirmSignUp",   # the server may refuse the unconfirmed user at once
        "InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER", "GetUser",
    ], targets(out["calls"])
    assert all(c["status"] == 200 for c in out["calls"][-4:]), out["calls"]
    assert not any(c["authorization"] for c in out["calls"]), "the library sends no Authorization header"
    srp_init = [c for c in out["calls"] if c.get("authFlow") == "USER_SRP_AUTH"][-1]
    assert set(srp_init["authParameters"]) == {"USERNAME", "SRP_A"}
    assert srp_init["responseChallenge"] == "PASSWORD_VERIFIER" and srp_init["responseSession"] == "absent"
    assert srp_init["responseChallengeParameters"] == sorted(["SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP",
                                                              "USERNAME"])
    pv = [c for c in out["calls"] if c.get("challengeName") == "PASSWORD_VERIFIER"][-1]
    assert set(pv["challengeResponses"]) == {"USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP",
                                             "PASSWORD_CLAIM_SIGNATURE"}

    auth = value(out, "authenticate", 1)
    iss = kit.issuer(pool)
    verify_token(auth["idToken"], kit.jwks(pool), issuer=iss, audience=cid)
    verify_token(auth["accessToken"], kit.jwks(pool), issuer=iss)
    assert auth["idClaims"]["cognito:username"] == "js-user" and auth["idClaims"]["email"] == email
    assert auth["accessClaims"]["username"] == "js-user" and auth["username"] == "js-user"
    assert auth["userConfirmationNecessary"] is None and auth["deviceKey"] is None
    ua = value(out, "getUserAttributes")
    assert ua["email"] == email and ua["email_verified"] == "true" and ua["given_name"] == "Js"
    assert ua["sub"] == su["userSub"]
    st = app.stored()
    assert st[f"CognitoIdentityServiceProvider.{cid}.LastAuthUser"] == "js-user"
    assert st[f"CognitoIdentityServiceProvider.{cid}.js-user.accessToken"] == auth["accessToken"]

    # The app reopened: the stored session is used as is (no sign-in), then the password is changed.
    out = app.run({"op": "getUserAttributes"},
                  {"op": "changePassword", "oldPassword": PASSWORD3, "newPassword": PASSWORD2, "expectError": True},
                  {"op": "changePassword", "oldPassword": PASSWORD, "newPassword": PASSWORD2})
    assert targets(out["calls"]) == ["GetUser", "ChangePassword", "ChangePassword"]
    assert error(out, "changePassword")["code"] == "NotAuthorizedException"

    out = app.run({"op": "forgotPassword", "username": "js-user"})
    assert value(out, "forgotPassword")["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = kit.sink.next_code(email)
    out = app.run({"op": "confirmPassword", "username": "js-user", "code": code, "newPassword": PASSWORD3},
                  {"op": "authenticate", "username": "js-user", "password": PASSWORD2, "expectError": True},
                  {"op": "authenticate", "username": "js-user", "password": PASSWORD3},
                  {"op": "authenticate", "username": "nobody-js", "password": PASSWORD3, "expectError": True})
    bad = error(out, "authenticate", 0)
    assert bad["code"] == "NotAuthorizedException" and bad["message"] == INCORRECT, bad
    assert value(out, "authenticate", 1)["accessClaims"]["username"] == "js-user"
    assert error(out, "authenticate", 2)["code"] == "UserNotFoundException"

    out = app.run({"op": "globalSignOut"})
    assert targets(out["calls"]) == ["GlobalSignOut"]
    last = value(out, "globalSignOut")
    with client_error("NotAuthorizedException", message_contains=["Access Token has been revoked"]):
        kit.get_user(last["accessToken"])
    with client_error("NotAuthorizedException", message_contains=["Refresh Token has been revoked"]):
        kit.refresh(cid, last["refreshToken"])
    assert not any(k.endswith((".idToken", ".accessToken", ".refreshToken")) for k in app.stored()), app.stored()


def test_cognito_identity_js_refresh_session(srp_node, kit, tmp_path):
    """refreshSession() sends REFRESH_TOKEN_AUTH with AuthParameters {REFRESH_TOKEN, DEVICE_KEY: null} when no
    device is stored (the JSON null is part of what the library sends), also as getSession() on an expired token."""
    pool = kit.pool()
    cid = kit.client(pool)
    kit.admin_user(pool, "js-ref", email=new_email("jsref"))
    app = JsApp(srp_node, tmp_path, kit.endpoint, pool, cid)
    out = app.run({"op": "authenticate", "username": "js-ref", "password": PASSWORD}, {"op": "refreshSession"},
                  {"op": "getUserAttributes"})
    assert targets(out["calls"]) == ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
                                     "InitiateAuth:REFRESH_TOKEN_AUTH", "GetUser"]
    refresh = out["calls"][2]
    assert refresh["authParameters"] == {"REFRESH_TOKEN": "string", "DEVICE_KEY": None}, refresh
    auth, ref = value(out, "authenticate"), value(out, "refreshSession")
    assert ref["accessToken"] != auth["accessToken"] and ref["accessClaims"]["username"] == "js-ref"
    assert ref["refreshToken"] == auth["refreshToken"]
    assert app.stored()[f"CognitoIdentityServiceProvider.{cid}.js-ref.accessToken"] == ref["accessToken"]


def test_cognito_identity_js_complete_new_password_challenge(srp_node, kit, tmp_path):
    pool = kit.pool()
    cid = kit.client(pool)
    email = new_email("jsnew")
    kit.invited_user(pool, "js-new", email=email, extra={"given_name": "N"})
    app = JsApp(srp_node, tmp_path, kit.endpoint, pool, cid)
    out = app.run({"op": "authenticate", "username": "js-new", "password": "Temp0rary!Pass", "newPassword": PASSWORD})
    assert targets(out["calls"]) == ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
                                     "RespondToAuthChallenge:NEW_PASSWORD_REQUIRED"]
    pv, npr = out["calls"][1], out["calls"][2]
    assert pv["responseChallenge"] == "NEW_PASSWORD_REQUIRED" and pv["responseSession"] == "present"
    assert npr["session"] == "present" and npr["status"] == 200
    v = value(out, "authenticate")
    ua = v["newPasswordRequired"]["userAttributes"]
    assert ua["email"] == email and ua["given_name"] == "N", ua
    assert v["newPasswordRequired"]["requiredAttributes"] == []
    assert v["accessClaims"]["username"] == "js-new"
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="js-new")["UserStatus"] == "CONFIRMED"
    out = app.run({"op": "authenticate", "username": "js-new", "password": PASSWORD})
    assert targets(out["calls"]) == ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER"]


def test_cognito_identity_js_email_as_username(srp_node, kit, tmp_path):
    pool = kit.pool(UsernameAttributes=["email"])
    cid = kit.client(pool)
    email = new_email("jsmail")
    sub = attr_map(kit.admin_user(pool, email, email=email)["Attributes"])["sub"]
    app = JsApp(srp_node, tmp_path, kit.endpoint, pool, cid)
    out = app.run({"op": "authenticate", "username": email, "password": PASSWORD}, {"op": "getUserAttributes"})
    v = value(out, "authenticate")
    # The library continues as USER_ID_FOR_SRP (the sub) and caches the tokens under it.
    assert v["username"] == sub and v["idClaims"]["sub"] == sub and v["idClaims"]["email"] == email
    assert out["calls"][1]["challengeResponses"]["USERNAME"] == sub
    assert app.stored()[f"CognitoIdentityServiceProvider.{cid}.LastAuthUser"] == sub
    assert value(out, "getUserAttributes")["email"] == email


# --------------------------------------------------------------------------------------------------------------
# Amplify JS v6
# --------------------------------------------------------------------------------------------------------------


def amplify_request(kit, pool, cid, **kw) -> dict:
    return {"endpoint": kit.endpoint, "poolId": pool, "clientId": cid, **kw}


def test_amplify_v6_sign_up_and_srp_sign_in(srp_node, kit, tmp_path, code_endpoint):  # noqa: F811
    pool = kit.pool()
    cid = kit.client(pool)
    email = new_email("amp")
    out = run_amplify(srp_node, tmp_path, amplify_request(
        kit, pool, cid, scenario="selfService", username="amp-user", email=email, password=PASSWORD,
        password2=PASSWORD2, codesUrl=code_endpoint))
    s = out["steps"]
    assert s["signUp"]["isSignUpComplete"] is False
    assert s["signUp"]["nextStep"]["signUpStep"] == "CONFIRM_SIGN_UP"
    assert s["signUp"]["nextStep"]["codeDeliveryDetails"]["deliveryMedium"] == "EMAIL"
    assert s["confirmSignUp"]["isSignUpComplete"] is True
    assert s["wrongPassword"]["name"] == "NotAuthorizedException" and s["wrongPassword"]["message"] == INCORRECT
    assert s["signIn"] == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    sub = s["signUp"]["userId"]
    assert s["getCurrentUser"]["username"] == "amp-user" and s["getCurrentUser"]["userId"] == sub
    sess = s["fetchAuthSession"]
    assert sess["hasTokens"] and sess["userSub"] == sub
    iss = kit.issuer(pool)
    verify_token(sess["idToken"], kit.jwks(pool), issuer=iss, audience=cid)
    verify_token(sess["accessToken"], kit.jwks(pool), issuer=iss)
    assert sess["accessClaims"]["username"] == "amp-user" and sess["accessClaims"]["client_id"] == cid
    assert s["fetchUserAttributes"]["email"] == email and s["fetchUserAttributes"]["given_name"] == "Amp"
    # The default sign-in is SRP; nothing failed along the way except the deliberate wrong password.
    t = targets(out["calls"])
    i = t.index("InitiateAuth:USER_SRP_AUTH", t.index("ConfirmSignUp") + 3)
    assert t[i:i + 2] == ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER"], t
    assert "InitiateAuth:USER_PASSWORD_AUTH" not in t
    bad = [c for c in out["calls"] if c["status"] != 200]
    assert len(bad) == 1 and bad[0]["errorType"].endswith("NotAuthorizedException"), bad
    # signOut(): RevokeToken for the refresh token (the access token carries origin_jti), then no tokens.
    assert "origin_jti" in sess["accessClaims"], sess["accessClaims"]
    revoke = [c for c in out["calls"] if c["target"] == "RevokeToken"]
    assert revoke and revoke[0]["status"] == 200, revoke
    assert s["afterSignOut"]["hasTokens"] is False
    with client_error("NotAuthorizedException"):
        kit.refresh(cid, s["refreshToken"])


def test_amplify_v6_confirm_sign_in_with_new_password(srp_node, kit, tmp_path):
    pool = kit.pool()
    cid = kit.client(pool)
    kit.invited_user(pool, "amp-new", email=new_email("ampnew"))
    out = run_amplify(srp_node, tmp_path, amplify_request(
        kit, pool, cid, scenario="newPassword", username="amp-new", password=PASSWORD, tempPassword="Temp0rary!Pass"))
    s = out["steps"]
    assert s["signIn"]["isSignedIn"] is False
    assert s["signIn"]["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED"
    assert s["confirmSignIn"] == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    assert s["fetchAuthSession"]["hasTokens"] and s["fetchAuthSession"]["accessClaims"]["username"] == "amp-new"
    assert s["getCurrentUser"]["username"] == "amp-new"
    t = targets(out["calls"])
    assert t[:3] == ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
                     "RespondToAuthChallenge:NEW_PASSWORD_REQUIRED"], t
    gso = [c for c in out["calls"] if c["target"] == "GlobalSignOut"]
    assert gso and gso[0]["status"] == 200, gso
    assert s["afterSignOut"]["hasTokens"] is False
    with client_error("NotAuthorizedException", message_contains=["Refresh Token has been revoked"]):
        kit.refresh(cid, s["refreshToken"])
    assert s["signInNewPassword"] == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    assert s["session2"]["accessClaims"]["username"] == "amp-new"
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="amp-new")["UserStatus"] == "CONFIRMED"
    assert all(c["status"] == 200 for c in out["calls"]), [c for c in out["calls"] if c["status"] != 200]


def test_amplify_v6_force_refresh(srp_node, kit, tmp_path):
    """fetchAuthSession({forceRefresh: true}): Amplify 6.22 refreshes through GetTokensFromRefreshToken."""
    pool = kit.pool()
    cid = kit.client(pool)
    kit.admin_user(pool, "amp-ref", email=new_email("ampref"))
    out = run_amplify(srp_node, tmp_path, amplify_request(
        kit, pool, cid, scenario="forceRefresh", username="amp-ref", password=PASSWORD))
    s = out["steps"]
    assert s["refreshed"]["hasTokens"]
    assert s["refreshed"]["accessToken"] != s["before"]["accessToken"]
    assert s["refreshed"]["accessClaims"]["username"] == "amp-ref"
    assert jwt_claims(s["refreshed"]["idToken"])["aud"] == cid


def test_amplify_v6_keeps_each_rotated_refresh_token(srp_node, kit, tmp_path):
    """A client with RefreshTokenRotation (no grace period): every refresh through GetTokensFromRefreshToken answers
    a new refresh token, Amplify stores it and refreshes with it next; the first token, presented again, is
    RefreshTokenReuseException and ends the whole sign-in, the current token included."""
    pool = kit.pool()
    cid = kit.client(pool, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0})
    kit.admin_user(pool, "amp-rot", email=new_email("amprot"))
    out = run_amplify(srp_node, tmp_path, amplify_request(
        kit, pool, cid, scenario="rotation", username="amp-rot", password=PASSWORD))
    s = out["steps"]
    tokens = s["refreshTokens"]
    assert all(tokens) and len(set(tokens)) == 3, tokens
    assert [c["target"] for c in out["calls"] if c["target"] == "GetTokensFromRefreshToken"] == \
        ["GetTokensFromRefreshToken"] * 2, out["calls"]
    assert s["refresh2"]["hasTokens"] and s["getCurrentUser"]["username"] == "amp-rot"
    with client_error("RefreshTokenReuseException"):
        kit.idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=tokens[0])
    with client_error("NotAuthorizedException", message_contains=["Refresh Token has been revoked"]):
        kit.idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=tokens[2])

