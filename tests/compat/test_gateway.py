"""`latchkey gateway` as an API Gateway REST API with a Cognito user pool authorizer: a real gateway process in
front of a Lambda-Invoke-compatible runtime (lambda_runtime.py) and a real upstream HTTP server, with tokens from a
real Latchkey server (and from a test issuer of our own for tokens Latchkey would not issue, like expired ones)."""

from __future__ import annotations

import base64
import datetime
import http.client
import json
import re
import socket
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import free_port, unique
from gatewaylib import GatewayProcess, TestIssuer, Upstream, gateway_factory, lambda_runtime  # noqa: F401
from userlib import jwt_claims, tamper

ORIGIN = "https://app.example.com"
SCOPE = "aws.cognito.signin.user.admin"


def java_date(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")


class Env:
    """One pool with a user in two groups, a test issuer, an upstream, and a gateway in front of them all."""

    def __init__(self, kit, runtime, tmp_path_factory):
        self.kit = kit
        self.runtime = runtime
        self.pool = kit.pool()
        self.client = kit.client(self.pool)
        self.username = unique("gw")
        self.email = f"{self.username}@example.com"
        kit.admin_user(self.pool, self.username, email=self.email)
        for group in ("admins", "users"):
            kit.idp.create_group(UserPoolId=self.pool, GroupName=group)
            kit.idp.admin_add_user_to_group(UserPoolId=self.pool, Username=self.username, GroupName=group)
        self.tokens = kit.sign_in(self.client, self.username)
        self.issuer = TestIssuer().start()
        self.upstream = Upstream().start()
        self.gateway = GatewayProcess(self.toml(), log_dir=tmp_path_factory.mktemp("gateway")).start()

    def toml(self) -> str:
        return f"""
stage = "prod"
lambda_endpoint = "{self.runtime.endpoint}"

[cors]
allow_origin = "{ORIGIN}"

[authorizers.pool]
issuers = ["{self.kit.issuer(self.pool)}", "{self.issuer.issuer}"]

[[route]]
method = "GET"
path = "/echo"
authorizer = "pool"
integration = {{ type = "lambda", function = "Echo" }}

[[route]]
method = "GET"
path = "/scoped"
authorizer = "pool"
scopes = ["{SCOPE}", "orders/read"]
integration = {{ type = "lambda", function = "Echo" }}

[[route]]
method = "GET"
path = "/open"
integration = {{ type = "lambda", function = "Echo" }}

[[route]]
method = "POST"
path = "/upload"
integration = {{ type = "lambda", function = "Echo" }}

[[route]]
method = "GET"
path = "/items/{{id}}"
integration = {{ type = "lambda", function = "Echo" }}

[[route]]
method = "GET"
path = "/items/special"
integration = {{ type = "lambda", function = "Echo" }}

[[route]]
method = "ANY"
path = "/files/{{proxy+}}"
integration = {{ type = "lambda", function = "Echo" }}

[[route]]
method = "GET"
path = "/boom"
integration = {{ type = "lambda", function = "Boom" }}

[[route]]
method = "GET"
path = "/binary"
integration = {{ type = "lambda", function = "Binary" }}

[[route]]
method = "GET"
path = "/malformed"
integration = {{ type = "lambda", function = "Malformed" }}

[[route]]
method = "GET"
path = "/nofunction"
integration = {{ type = "lambda", function = "NoSuchFunction" }}

[[route]]
method = "ANY"
path = "/up/{{proxy+}}"
authorizer = "pool"
integration = {{ type = "http", url = "{self.upstream.url}/{{proxy}}", claim_headers = {{ "X-User-Sub" = "sub", "X-User-Groups" = "cognito:groups" }} }}
"""

    def url(self, path: str) -> str:
        return self.gateway.url + path

    def stop(self):
        self.gateway.stop()
        self.issuer.stop()
        self.upstream.stop()


@pytest.fixture(scope="module")
def env(kit, lambda_runtime, tmp_path_factory):  # noqa: F811
    e = Env(kit, lambda_runtime, tmp_path_factory)
    yield e
    e.stop()


def get(env, path, token=None, headers=None, **kw):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = token
    return requests.get(env.url(path), headers=h, timeout=30, **kw)


def event_of(response) -> dict:
    assert response.status_code == 200, f"{response.status_code}: {response.text[:500]}"
    return response.json()


def assert_gateway_error(response, status, message, error_type=None):
    assert response.status_code == status, f"{response.status_code}: {response.text[:300]}"
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": message}
    if error_type:
        assert response.headers["x-amzn-ErrorType"] == error_type


# -- authorization ---------------------------------------------------------------------------------------------


def test_id_token_reaches_the_function_with_claims_as_strings(env):
    token = env.tokens["IdToken"]
    claims = jwt_claims(token)
    event = event_of(get(env, "/echo", token))
    seen = event["requestContext"]["authorizer"]["claims"]
    assert seen["sub"] == claims["sub"]
    assert seen["email"] == env.email
    assert seen["token_use"] == "id"
    assert seen["email_verified"] == "true"
    assert sorted(seen["cognito:groups"].split(",")) == ["admins", "users"]
    assert seen["auth_time"] == str(claims["auth_time"])
    assert seen["exp"] == java_date(claims["exp"])
    assert seen["iat"] == java_date(claims["iat"])
    assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4}", seen["exp"])
    assert all(isinstance(v, str) for v in seen.values())


def test_bearer_and_raw_tokens_are_both_accepted(env):
    token = env.tokens["IdToken"]
    assert get(env, "/echo", token).status_code == 200
    assert get(env, "/echo", f"Bearer {token}").status_code == 200


def test_no_token_is_unauthorized(env):
    assert_gateway_error(get(env, "/echo"), 401, "Unauthorized", "UnauthorizedException")
    assert_gateway_error(get(env, "/echo", ""), 401, "Unauthorized", "UnauthorizedException")
    assert_gateway_error(get(env, "/echo", "Bearer "), 401, "Unauthorized")


def test_access_token_on_a_route_without_scopes_is_unauthorized(env):
    assert_gateway_error(get(env, "/echo", env.tokens["AccessToken"]), 401, "Unauthorized")


def test_access_token_with_the_scope_reaches_a_scoped_route(env):
    event = event_of(get(env, "/scoped", f"Bearer {env.tokens['AccessToken']}"))
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["token_use"] == "access"
    assert SCOPE in claims["scope"].split(" ")


def test_id_token_on_a_scoped_route_is_unauthorized(env):
    assert_gateway_error(get(env, "/scoped", env.tokens["IdToken"]), 401, "Unauthorized")


def test_access_token_without_the_scope_is_unauthorized(env):
    token = env.issuer.token("access", scope="other/scope")
    assert_gateway_error(get(env, "/scoped", token), 401, "Unauthorized")
    # The same token with one of the route's scopes passes: the scope, not the issuer, refused it.
    assert get(env, "/scoped", env.issuer.token("access", scope="orders/read")).status_code == 200


def test_tampered_forged_and_expired_tokens_are_unauthorized(env):
    token = env.tokens["IdToken"]
    assert_gateway_error(get(env, "/echo", tamper(token)), 401, "Unauthorized")
    # Signed by a stranger's key while claiming the pool as issuer.
    forged = env.issuer.token("id", iss=env.kit.issuer(env.pool))
    assert_gateway_error(get(env, "/echo", forged), 401, "Unauthorized")
    # The second issuer's own tokens pass while fresh, and not once expired.
    assert get(env, "/echo", env.issuer.token("id")).status_code == 200
    expired = env.issuer.token("id", lifetime=3600, issued_ago=7200)
    assert_gateway_error(get(env, "/echo", expired), 401, "Unauthorized")
    assert_gateway_error(get(env, "/echo", "not-a-jwt"), 401, "Unauthorized")


def test_the_token_is_never_logged(env):
    token = env.tokens["IdToken"]
    get(env, "/echo", token)
    get(env, "/echo", tamper(token))
    stderr = env.gateway.stderr()
    assert token.split(".")[2] not in stderr
    lines = [l for l in env.gateway.log_lines() if l.get("fields", {}).get("message") == "gateway request"]
    assert lines, stderr[-2000:]
    fields = lines[-1]["fields"]
    assert fields["route"] == "GET /echo" and fields["method"] == "GET"
    assert {"status", "elapsed_ms", "outcome"} <= set(fields)


# -- routing ---------------------------------------------------------------------------------------------------


def test_unknown_route_or_method_is_missing_authentication_token(env):
    for method, path in [("GET", "/nowhere"), ("DELETE", "/open"), ("GET", "/items"), ("GET", "/prod/items/1/2")]:
        r = requests.request(method, env.url(path), timeout=10)
        assert_gateway_error(r, 403, "Missing Authentication Token", "MissingAuthenticationTokenException")


def test_served_with_and_without_the_stage_prefix(env):
    with_stage = event_of(get(env, "/prod/open"))
    without = event_of(get(env, "/open"))
    for event in (with_stage, without):
        assert event["path"] == "/open"
        assert event["resource"] == "/open"
        assert event["requestContext"]["path"] == "/prod/open"
        assert event["requestContext"]["stage"] == "prod"
        assert "authorizer" not in event["requestContext"]


def test_path_parameters_literal_first(env):
    event = event_of(get(env, "/prod/items/a%20b"))
    assert event["resource"] == "/items/{id}"
    assert event["pathParameters"] == {"id": "a b"}
    special = event_of(get(env, "/items/special"))
    assert special["resource"] == "/items/special"
    assert special["pathParameters"] is None


def test_greedy_proxy_takes_the_rest_of_the_path_for_any_method(env):
    r = requests.put(env.url("/files/a/b/c.txt"), data="x", timeout=10)
    event = event_of(r)
    assert event["resource"] == "/files/{proxy+}"
    assert event["httpMethod"] == "PUT"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}


def test_query_strings_single_and_multi_value(env):
    event = event_of(get(env, "/open?x=1&tag=a&tag=b%20c"))
    assert event["queryStringParameters"] == {"x": "1", "tag": "b c"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1"], "tag": ["a", "b c"]}
    plain = event_of(get(env, "/open"))
    assert plain["queryStringParameters"] is None
    assert plain["multiValueQueryStringParameters"] is None
    assert plain["pathParameters"] is None
    assert plain["body"] is None
    assert plain["stageVariables"] is None


def test_event_headers_and_request_context(env):
    event = event_of(get(env, "/open", headers={"X-Thing": "1", "User-Agent": "gateway-test/1"}))
    assert event["headers"]["X-Thing"] == "1"
    assert event["multiValueHeaders"]["X-Thing"] == ["1"]
    ctx = event["requestContext"]
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert ctx["identity"]["userAgent"] == "gateway-test/1"
    assert ctx["httpMethod"] == "GET" and ctx["resourcePath"] == "/open"
    assert re.fullmatch(r"[0-9a-f-]{36}", ctx["requestId"])
    assert abs(ctx["requestTimeEpoch"] / 1000 - time.time()) < 60
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", ctx["requestTime"])


def test_bodies_text_and_binary(env):
    event = event_of(requests.post(env.url("/upload"), data="hello", timeout=10))
    assert event["body"] == "hello" and event["isBase64Encoded"] is False
    event = event_of(requests.post(env.url("/upload"), data=b"\xff\x00\x10", timeout=10))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00\x10"


# -- answers ---------------------------------------------------------------------------------------------------


def test_function_answer_is_mapped_back(env):
    r = get(env, "/binary")
    assert r.status_code == 201
    assert r.content == b"\xff\x00\x10"
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["X-Single"] == "one"
    assert r.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_function_error_malformed_answer_and_missing_function_are_502(env):
    for path in ("/boom", "/malformed", "/nofunction"):
        assert_gateway_error(get(env, path), 502, "Internal server error")
    assert env.runtime.events("Boom"), "the failing function was invoked"


def test_oversized_body_is_413(env):
    body = b"x" * (10 * 1024 * 1024 + 1)
    conn = http.client.HTTPConnection("127.0.0.1", env.gateway.port, timeout=30)
    try:
        conn.request("POST", "/upload", body=body, headers={"Content-Type": "text/plain"})
    except (BrokenPipeError, ConnectionResetError):
        pass  # the gateway may answer before taking the whole body
    r = conn.getresponse()
    assert r.status == 413
    assert json.loads(r.read()) == {"message": "Request Too Long"}
    conn.close()
    # Right at the limit is fine.
    ok = requests.post(env.url("/upload"), data=b"y" * (10 * 1024 * 1024), timeout=60)
    assert ok.status_code == 200


# -- HTTP proxy integration ------------------------------------------------------------------------------------


def test_http_proxy_forwards_with_claim_headers(env):
    token = env.tokens["IdToken"]
    sub = jwt_claims(token)["sub"]
    r = requests.post(env.url("/prod/up/some/path?q=1&q=2"), data="payload", timeout=10,
                      headers={"Authorization": f"Bearer {token}", "X-User-Sub": "spoofed", "X-Custom": "c"})
    assert r.status_code == 200, r.text
    assert r.headers["X-Upstream"] == "yes"
    seen = r.json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/some/path?q=1&q=2"
    assert seen["body"] == "payload"
    assert seen["headers"]["x-user-sub"] == [sub]
    assert sorted(seen["headers"]["x-user-groups"][0].split(",")) == ["admins", "users"]
    assert seen["headers"]["authorization"] == [f"Bearer {token}"]
    assert seen["headers"]["x-custom"] == ["c"]
    assert seen["headers"]["x-forwarded-for"] == ["127.0.0.1"]


def test_http_proxy_needs_the_token_too(env):
    assert_gateway_error(requests.get(env.url("/up/x"), timeout=10), 401, "Unauthorized")


# -- CORS ------------------------------------------------------------------------------------------------------


def test_cors_preflight_without_a_token(env):
    r = requests.options(env.url("/prod/echo"), timeout=10, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert r.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert "Authorization" in r.headers["Access-Control-Allow-Headers"]
    # Unknown paths have no preflight.
    r = requests.options(env.url("/nowhere"), timeout=10, headers={"Origin": ORIGIN})
    assert r.status_code == 403


def test_cors_origin_on_answers_and_gateway_errors(env):
    assert get(env, "/open").headers["Access-Control-Allow-Origin"] == ORIGIN
    assert get(env, "/echo").headers["Access-Control-Allow-Origin"] == ORIGIN  # 401
    assert get(env, "/nowhere").headers["Access-Control-Allow-Origin"] == ORIGIN  # 403


# -- load ------------------------------------------------------------------------------------------------------


def test_concurrent_requests(env):
    token = env.tokens["IdToken"]

    def one(i):
        return get(env, f"/items/{i}", token)

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(one, range(64)))
    assert [r.status_code for r in results] == [200] * 64
    ids = {r.json()["pathParameters"]["id"] for r in results}
    assert ids == {str(i) for i in range(64)}
    assert len({r.json()["requestContext"]["requestId"] for r in results}) == 64


# -- gateways of their own -------------------------------------------------------------------------------------


def test_slow_function_is_504_after_the_integration_timeout(gateway_factory, lambda_runtime):  # noqa: F811
    gw = gateway_factory(f"""
lambda_endpoint = "{lambda_runtime.endpoint}"
[[route]]
method = "GET"
path = "/slow"
integration = {{ type = "lambda", function = "Slow" }}
""", "--integration-timeout", "1s")
    started = time.monotonic()
    r = requests.get(gw.url + "/slow", timeout=30)
    assert_gateway_error(r, 504, "Endpoint request timed out")
    assert time.monotonic() - started < 2.9


def test_unreachable_lambda_endpoint_is_502(gateway_factory):  # noqa: F811
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    gw = gateway_factory(f"""
lambda_endpoint = "http://127.0.0.1:{closed}"
[[route]]
method = "GET"
path = "/f"
integration = {{ type = "lambda", function = "Echo" }}
""")
    assert_gateway_error(requests.get(gw.url + "/f", timeout=10), 502, "Internal server error")


def test_lambda_endpoint_flag_and_metrics_listener(gateway_factory, lambda_runtime):  # noqa: F811
    metrics_port = free_port()
    gw = gateway_factory("""
lambda_endpoint = "http://127.0.0.1:9"
[[route]]
method = "GET"
path = "/items/{id}"
integration = { type = "lambda", function = "Echo" }
""", "--lambda-endpoint", lambda_runtime.endpoint, "--metrics-listen", f"127.0.0.1:{metrics_port}")
    assert requests.get(gw.url + "/items/1", timeout=10).status_code == 200
    assert requests.get(gw.url + "/metrics", timeout=10).status_code == 403  # the API's paths are all the app's
    text = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    assert 'latchkey_gateway_requests_total{route="GET /items/{id}",outcome="integrated"} 1' in text
    assert 'latchkey_gateway_requests_total{route="unmatched",outcome="missing_route"} 1' in text


def test_unreachable_pool_keys_are_500_not_401(gateway_factory, lambda_runtime):  # noqa: F811
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    issuer = f"http://127.0.0.1:{closed}/us-east-1_Gone"
    gw = gateway_factory(f"""
lambda_endpoint = "{lambda_runtime.endpoint}"
[authorizers.gone]
issuers = ["{issuer}"]
[[route]]
method = "GET"
path = "/f"
authorizer = "gone"
integration = {{ type = "lambda", function = "Echo" }}
""")
    stranger = TestIssuer()  # signs only; its key is never served
    token = stranger.token("id", iss=issuer)
    assert_gateway_error(requests.get(gw.url + "/f", headers={"Authorization": token}, timeout=30), 500,
                         "Internal server error")
    assert_gateway_error(requests.get(gw.url + "/f", timeout=30), 401, "Unauthorized")


def test_bad_config_is_refused_at_start(tmp_path):
    gw = GatewayProcess("""
[[route]]
method = "GET"
path = "/f"
authorizer = "nobody"
integration = { type = "http", url = "http://127.0.0.1:1/" }
""", log_dir=tmp_path)
    gw.start(wait=False)
    assert gw.proc.wait(timeout=20) != 0
    assert "no authorizer named nobody" in gw.stderr()
    gw.stop()
