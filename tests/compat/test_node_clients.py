"""Node clients: the AWS SDK for JavaScript v3 running the whole self-service flow (node/flow.mjs), and
aws-jwt-verify verifying ID and access tokens, refusing tampered ones, and accepting tokens signed before a key
rotation (node/verify.mjs). Needs node + npm; `npm ci` runs in tests/compat/node when node_modules is missing.
Without node the tests skip, or fail when CI is set."""

import json
import re
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import LATCHKEY_BIN, clean_env
from nodelib import NODE_DIR, ensure_packages, node_exe
from userlib import PASSWORD, PASSWORD2, PASSWORD3, Kit, jwt_header, new_email, tamper


@pytest.fixture(scope="session")
def node():
    exe = node_exe()
    ensure_packages(["aws-jwt-verify", "@aws-sdk/client-cognito-identity-provider"])
    return exe


def run_node(node, script, *args, env=None, timeout=120):
    r = subprocess.run([node, str(NODE_DIR / script), *args], cwd=NODE_DIR, capture_output=True, text=True,
                       timeout=timeout, env=clean_env(env or {}))
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"{script} printed no JSON (exit {r.returncode})\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r.returncode, json.loads(lines[-1]), r.stderr


@pytest.fixture
def code_endpoint(mail_sink):
    """GET /code?to=<address> → the next code mailed to that address (waits up to 20 s), for the Node scripts."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            try:
                body, status = mail_sink.next_code(q["to"][0], timeout=20).encode(), 200
            except (AssertionError, KeyError) as e:
                body, status = str(e).encode(), 404
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_aws_sdk_js_v3_self_service_flow(node, kit, code_endpoint):
    pool = kit.pool()
    cid = kit.client(pool)
    email = new_email("node")
    rc, out, err = run_node(node, "flow.mjs", env={
        "ENDPOINT": kit.endpoint, "REGION": "us-east-1", "CLIENT_ID": cid, "USERNAME": "node-user", "EMAIL": email,
        "PASSWORD": PASSWORD, "PASSWORD2": PASSWORD2, "PASSWORD3": PASSWORD3, "CODES_URL": code_endpoint,
    })
    assert rc == 0 and out["ok"], f"flow failed at {out.get('step')}: {out.get('error')}: {out.get('message')}\n{err}"
    s = out["steps"]
    assert s["signUp"]["UserConfirmed"] is False
    assert s["signUp"]["CodeDeliveryDetails"] == {"AttributeName": "email", "DeliveryMedium": "EMAIL",
                                                  "Destination": f"{email[0]}***@e***"}
    assert s["signInUnconfirmed"]["name"] == "UserNotConfirmedException"
    assert s["confirmWrongCode"]["name"] == "CodeMismatchException"
    assert s["confirmWrongCode"]["status"] == 400 and s["confirmWrongCode"]["fault"] == "client"
    assert s["initiateAuth"]["TokenType"] == "Bearer" and s["initiateAuth"]["ExpiresIn"] == 3600
    assert s["getUser"]["Username"] == "node-user"
    assert s["getUser"]["UserAttributes"]["email"] == email
    assert s["getUser"]["UserAttributes"]["email_verified"] == "true"
    assert s["getUser"]["UserAttributes"]["given_name"] == "Node"
    assert s["refresh"]["hasRefreshToken"] is False and s["refresh"]["username"] == "node-user"
    fp = s["forgotPassword"]
    assert fp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert fp["oldPassword"]["name"] == "NotAuthorizedException"
    assert fp["reused"]["name"] == "ExpiredCodeException"
    assert s["changePassword"]["wrongPrevious"]["name"] == "NotAuthorizedException"
    gso = s["globalSignOut"]
    assert gso["getUser"]["name"] == "NotAuthorizedException"
    assert "Access Token has been revoked" in gso["getUser"]["message"]
    assert gso["refresh"]["name"] == "NotAuthorizedException"
    assert "Refresh Token has been revoked" in gso["refresh"]["message"]
    assert s["unknownUser"]["name"] == "UserNotFoundException"
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="node-user")["UserStatus"] == "CONFIRMED"


def verify_cases(node, tmp_path, jwks_uri, issuer, client_id, cases, user_pool_id=None):
    f = tmp_path / f"verify-{time.monotonic_ns()}.json"
    f.write_text(json.dumps({"jwksUri": jwks_uri, "issuer": issuer, "clientId": client_id,
                             "userPoolId": user_pool_id, "cases": cases}))
    rc, out, err = run_node(node, "verify.mjs", str(f))
    assert rc == 0, err
    return out


def test_aws_jwt_verify_and_key_rotation(node, server_factory, tmp_path):
    srv = server_factory().start()
    k = Kit(srv, None)
    pool = k.pool(AutoVerifiedAttributes=[])
    cid = k.client(pool)
    other_cid = k.client(pool)
    k.admin_user(pool, "jv", email=new_email("jv"))
    iss = f"{srv.endpoint}/{pool}"
    jwks_uri = f"{iss}/.well-known/jwks.json"
    old = k.sign_in(cid, "jv")
    other = k.sign_in(other_cid, "jv")

    out = verify_cases(node, tmp_path, jwks_uri, iss, cid, [
        {"name": "id", "token": old["IdToken"], "use": "id"},
        {"name": "access", "token": old["AccessToken"], "use": "access"},
        {"name": "tampered_id", "token": tamper(old["IdToken"]), "use": "id"},
        {"name": "tampered_access", "token": tamper(old["AccessToken"]), "use": "access"},
        {"name": "access_as_id", "token": old["AccessToken"], "use": "id"},
        {"name": "id_as_access", "token": old["IdToken"], "use": "access"},
        {"name": "other_client_id", "token": other["IdToken"], "use": "id"},
        {"name": "other_client_access", "token": other["AccessToken"], "use": "access"},
    ])
    r = out["results"]
    assert r["id"]["valid"], r["id"]
    assert r["id"]["payload"]["cognito:username"] == "jv" and r["id"]["payload"]["aud"] == cid
    assert r["access"]["valid"], r["access"]
    assert r["access"]["payload"]["username"] == "jv"
    for bad in ("tampered_id", "tampered_access", "access_as_id", "id_as_access", "other_client_id",
                "other_client_access"):
        assert not r[bad]["valid"], (bad, r[bad])
    assert "Signature" in r["tampered_id"]["error"] or "signature" in r["tampered_id"]["message"].lower()

    # Rotate while running; poll until the server signs with the new key.
    rot = subprocess.run([str(LATCHKEY_BIN), "keys", "rotate", "--pool", pool, "--data-dir", str(srv.data_dir)],
                         capture_output=True, text=True, timeout=60, env=clean_env())
    assert rot.returncode == 0, rot.stderr
    new_kid = re.search(r"ID tokens now use kid (\S+)", rot.stdout).group(1)
    deadline = time.monotonic() + 40
    while True:
        new = k.refresh(cid, old["RefreshToken"])
        if jwt_header(new["IdToken"])["kid"] == new_kid:
            break
        assert time.monotonic() < deadline, "rotated keys not used within 40 s"
        time.sleep(1)
    out = verify_cases(node, tmp_path, jwks_uri, iss, cid, [
        {"name": "old_id", "token": old["IdToken"], "use": "id"},
        {"name": "old_access", "token": old["AccessToken"], "use": "access"},
        {"name": "new_id", "token": new["IdToken"], "use": "id"},
        {"name": "new_access", "token": new["AccessToken"], "use": "access"},
    ])
    assert out["jwks"][0] == new_kid
    assert jwt_header(old["IdToken"])["kid"] in out["jwks"][2:]
    for name, res in out["results"].items():
        assert res["valid"], (name, res)


def test_cognito_jwt_verifier_with_aws_issuer(node, server_factory, tmp_path):
    """With --issuer-style aws the stock CognitoJwtVerifier (hard-coded AWS issuer) accepts the tokens."""
    srv = server_factory(extra_args=["--issuer-style", "aws"]).start()
    k = Kit(srv, None)
    pool = k.pool(AutoVerifiedAttributes=[])
    cid = k.client(pool)
    k.admin_user(pool, "cv", email=new_email("cv"))
    t = k.sign_in(cid, "cv")
    out = verify_cases(node, tmp_path, f"{srv.endpoint}/{pool}/.well-known/jwks.json",
                       f"https://cognito-idp.us-east-1.amazonaws.com/{pool}", cid, [
                           {"name": "id", "token": t["IdToken"], "use": "id", "verifier": "cognito"},
                           {"name": "access", "token": t["AccessToken"], "use": "access", "verifier": "cognito"},
                           {"name": "tampered", "token": tamper(t["AccessToken"]), "use": "access",
                            "verifier": "cognito"},
                       ], user_pool_id=pool)
    r = out["results"]
    assert r["id"]["valid"], r["id"]
    assert r["access"]["valid"], r["access"]
    assert not r["tampered"]["valid"]
