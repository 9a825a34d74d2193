"""Shared fixtures for the Latchkey compatibility suite.

Every test talks to a real `latchkey serve` process through real clients (boto3, the AWS CLI v1) or plain
HTTP. The binary is taken from env LATCHKEY_BIN, else `<repo>/target/debug/latchkey`; a missing binary is a
test failure, not a skip.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Optional

import boto3
import botocore
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO = Path(__file__).resolve().parents[2]
LATCHKEY_BIN = Path(os.environ.get("LATCHKEY_BIN", REPO / "target" / "debug" / "latchkey"))

ADMIN_KEY_ID = "AKIALATCHKEYCOMPAT01"
ADMIN_SECRET = "compat/Secret+Key0123456789abcdefghijklmn"
DEFAULT_ACCOUNT = "123456789012"
TARGET_PREFIX = "AWSCognitoIdentityProviderService"
JSON_CT = "application/x-amz-json-1.1"
READY_TIMEOUT = 20.0
# The whole suite runs from 127.0.0.1 and fires bursts no single real client would (fourteen simultaneous code
# guesses, lockout races), so its servers get a per-address rate limit out of reach; the per-client limit keeps its
# default. test_rate_limits.py starts servers with the defaults (suite_limits=False).
SUITE_LIMIT_ARGS = ["--limit-per-address", "1000", "--limit-per-address-burst", "1000"]


# --------------------------------------------------------------------------------------------------------------
# Process management
# --------------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra: Optional[dict] = None) -> dict:
    """The test runner's environment without any LATCHKEY_* or AWS_* variable that could change behaviour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LATCHKEY_", "AWS_"))}
    env.setdefault("RUST_BACKTRACE", "1")
    if extra:
        env.update(extra)
    return env


def http_get(url: str, timeout: float = 5.0):
    """GET returning (status, headers, body bytes); HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class LatchkeyServer:
    """One `latchkey serve` process. stdout/stderr go to files so the pipes never fill up."""

    running: list = []  # every server started and not yet stopped, for failure reports

    def __init__(
        self,
        data_dir: Path,
        port: Optional[int] = None,
        *,
        admin_keys: Optional[tuple] = (ADMIN_KEY_ID, ADMIN_SECRET),
        extra_args: Iterable[str] = (),
        env: Optional[dict] = None,
        pass_listen: bool = True,
        pass_data_dir: bool = True,
        pass_admin_keys: bool = True,
        suite_limits: bool = True,
        log_dir: Optional[Path] = None,
        preexec_fn: Optional[Callable[[], None]] = None,
    ):
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.admin_keys = admin_keys
        self.extra_args = list(extra_args)
        self.env = env or {}
        self.pass_listen = pass_listen
        self.pass_data_dir = pass_data_dir
        self.pass_admin_keys = pass_admin_keys
        self.suite_limits = suite_limits
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="latchkey-log-"))
        self.preexec_fn = preexec_fn  # run in the child before exec, e.g. to lower its open-file limit
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0

    # -- paths and URLs
    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def key_id(self) -> str:
        return self.admin_keys[0]

    @property
    def secret(self) -> str:
        return self.admin_keys[1]

    def argv(self) -> list:
        args = [str(LATCHKEY_BIN), "serve"]
        if self.pass_listen:
            args += ["--listen", f"127.0.0.1:{self.port}"]
        if self.pass_data_dir:
            args += ["--data-dir", str(self.data_dir)]
        if self.admin_keys is not None and self.pass_admin_keys:
            args += ["--admin-access-key-id", self.admin_keys[0], "--admin-secret-access-key", self.admin_keys[1]]
        if self.suite_limits:
            args += SUITE_LIMIT_ARGS
        return args + self.extra_args

    # -- lifecycle
    def start(self, wait: bool = True) -> "LatchkeyServer":
        if not LATCHKEY_BIN.exists():
            pytest.fail(f"latchkey binary not found at {LATCHKEY_BIN} (build with `cargo build -p latchkey` or set LATCHKEY_BIN)")
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        self.starts += 1
        self.stdout_path = self.log_dir / f"stdout.{self.starts}.log"
        self.stderr_path = self.log_dir / f"stderr.{self.starts}.log"
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            self.argv(),
            stdout=self._out,
            stderr=self._err,
            stdin=subprocess.DEVNULL,
            env=clean_env(self.env),
            cwd=str(self.log_dir),
            preexec_fn=self.preexec_fn,
        )
        LatchkeyServer.running.append(self)
        if wait:
            self.wait_ready()
        return self

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.proc else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.proc else ""

    def diagnostics(self) -> str:
        return (
            f"argv: {self.argv()}\nexit code: {self.proc.poll() if self.proc else None}\n"
            f"--- stdout ---\n{self.stdout()[-4000:]}\n--- stderr ---\n{self.stderr()[-8000:]}"
        )

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"latchkey exited before becoming ready\n{self.diagnostics()}")
            try:
                status, _, body = http_get(f"{self.endpoint}/health/ready", timeout=2)
                if status == 200:
                    return
                last = f"HTTP {status}: {body[:200]!r}"
            except (OSError, http.client.HTTPException) as e:
                last = repr(e)
            time.sleep(0.1)
        pytest.fail(f"latchkey not ready within {timeout}s at {self.endpoint} (last: {last})\n{self.diagnostics()}")

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """SIGTERM, then SIGKILL after `timeout`. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            self._close_logs()
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._close_logs()
        return self.proc.returncode

    def kill9(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, "server not running"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._close_logs()

    def _close_logs(self):
        if self in LatchkeyServer.running:
            LatchkeyServer.running.remove(self)
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f and not f.closed:
                f.close()

    # -- clients
    def client(self, region: str = "us-east-1", key_id: Optional[str] = None, secret: Optional[str] = None,
               validate: bool = True, **config_kw):
        return make_idp(self.endpoint, region, key_id or self.key_id, secret or self.secret, validate, **config_kw)

    def unsigned_client(self, region: str = "us-east-1", validate: bool = True):
        return boto3.client(
            "cognito-idp",
            region_name=region,
            endpoint_url=self.endpoint,
            config=Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1},
                          parameter_validation=validate, connect_timeout=5, read_timeout=30),
        )


def make_idp(endpoint: str, region: str, key_id: str, secret: str, validate: bool = True, **config_kw):
    cfg = dict(retries={"total_max_attempts": 1}, parameter_validation=validate, connect_timeout=5, read_timeout=30)
    cfg.update(config_kw)
    return boto3.client(
        "cognito-idp",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(**cfg),
    )


# --------------------------------------------------------------------------------------------------------------
# Raw HTTP helpers
# --------------------------------------------------------------------------------------------------------------


class RawResponse:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name)

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"<RawResponse {self.status} {dict(self.headers)} {self.body[:500]!r}>"


def raw_request(server: LatchkeyServer, method: str, path: str = "/", body: bytes = b"",
                headers: Optional[dict] = None) -> RawResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return RawResponse(r.status, r.headers, r.read())
    finally:
        conn.close()


def signed_headers(server: LatchkeyServer, target: str, body: bytes, region: str = "us-east-1",
                   key_id: Optional[str] = None, secret: Optional[str] = None, extra: Optional[dict] = None) -> dict:
    """Headers of a POST / signed by botocore's own SigV4 signer, exactly as boto3 would send it."""
    headers = {"Content-Type": JSON_CT, "X-Amz-Target": f"{TARGET_PREFIX}.{target}"}
    headers.update(extra or {})
    req = AWSRequest(method="POST", url=f"{server.endpoint}/", data=body, headers=headers)
    SigV4Auth(Credentials(key_id or server.key_id, secret or server.secret), "cognito-idp", region).add_auth(req)
    out = dict(req.headers.items())
    out["Host"] = f"127.0.0.1:{server.port}"
    return out


def raw_call(server: LatchkeyServer, target: str, body, sign: bool = True, region: str = "us-east-1",
             extra_headers: Optional[dict] = None) -> RawResponse:
    """POST / with an X-Amz-Target. `body` may be bytes (sent verbatim) or a JSON-serialisable object."""
    data = body if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode()
    if sign:
        headers = signed_headers(server, target, data, region=region, extra=extra_headers)
    else:
        headers = {"Content-Type": JSON_CT, "X-Amz-Target": f"{TARGET_PREFIX}.{target}"}
        headers.update(extra_headers or {})
    return raw_request(server, "POST", "/", data, headers)


# --------------------------------------------------------------------------------------------------------------
# AWS CLI
# --------------------------------------------------------------------------------------------------------------


def aws_cli_path() -> Path:
    p = Path(sys.executable).parent / "aws"
    if p.exists():
        return p
    found = shutil.which("aws")
    if not found:
        pytest.fail(f"AWS CLI not found next to {sys.executable} nor on PATH (pip install awscli)")
    return Path(found)


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def json(self):
        assert self.returncode == 0, f"aws exited {self.returncode}\nstdout: {self.stdout}\nstderr: {self.stderr}"
        return json.loads(self.stdout)


def run_aws_cli(server: LatchkeyServer, *args: str, region: str = "us-east-1", key_id: Optional[str] = None,
                secret: Optional[str] = None, timeout: float = 60) -> CliResult:
    home = Path(tempfile.mkdtemp(prefix="latchkey-cli-home-"))
    env = clean_env({
        "AWS_ACCESS_KEY_ID": key_id or server.key_id,
        "AWS_SECRET_ACCESS_KEY": secret or server.secret,
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
        "HOME": str(home),
    })
    argv = [str(aws_cli_path()), "--endpoint-url", server.endpoint, "--output", "json", *args]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return CliResult(proc)


# --------------------------------------------------------------------------------------------------------------
# Assertion helpers
# --------------------------------------------------------------------------------------------------------------


def assert_client_error(excinfo, code: str, status: int = 400, message_contains: Iterable[str] = (),
                        message_contains_ci: Iterable[str] = ()) -> str:
    """Checks a botocore ClientError: exact code, HTTP status, and words in the message. Returns the message."""
    err = excinfo.value
    resp = err.response
    got_code = resp["Error"]["Code"]
    got_status = resp["ResponseMetadata"]["HTTPStatusCode"]
    msg = resp["Error"].get("Message", "")
    assert got_code == code, f"expected {code}, got {got_code}: {msg!r}"
    if isinstance(status, (tuple, list, set)):
        assert got_status in status, f"{code}: expected HTTP {status}, got {got_status}"
    else:
        assert got_status == status, f"{code}: expected HTTP {status}, got {got_status}"
    for word in message_contains:
        assert word in msg, f"message {msg!r} does not contain {word!r}"
    for word in message_contains_ci:
        assert word.lower() in msg.lower(), f"message {msg!r} does not name {word!r}"
    return msg


@contextmanager
def client_error(code: str, status: int = 400, message_contains: Iterable[str] = (),
                 message_contains_ci: Iterable[str] = ()):
    """The block must raise botocore's ClientError, which is then checked as `assert_client_error` checks it."""
    with pytest.raises(ClientError) as excinfo:
        yield excinfo
    assert_client_error(excinfo, code, status, message_contains, message_contains_ci)


def pages_of(call: Callable[..., dict], token: str, items: str, limit: int, max_pages: int, **args) -> list:
    """Every page of `call(**args)`, following the pagination token named `token` by hand: each page holds at most
    `limit` of its `items`, and the pages end before `max_pages` + 1."""
    out, next_token = [], None
    while True:
        page = call(**args, **({token: next_token} if next_token else {}))
        assert len(page[items]) <= limit
        out.append(page)
        next_token = page.get(token)
        if not next_token:
            return out
        assert len(out) < max_pages, "pagination does not end"


def all_pools(client) -> list:
    """Every pool description ListUserPools returns for the client's region, following NextToken."""
    return [d for page in client.get_paginator("list_user_pools").paginate(MaxResults=60) for d in page["UserPools"]]


def unique(prefix: str = "p") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --------------------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------------------


@contextmanager
def stopped_at_teardown(build: Callable):
    """A factory fixture's `make(...)`: `build(n, ...)` makes the n-th thing (a server, a sink), and every thing made
    is stopped when the block ends (at the fixture's teardown)."""
    made = []

    def make(*args, **kw):
        thing = build(len(made), *args, **kw)
        made.append(thing)
        return thing

    yield make
    for thing in made:
        thing.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, attach the tail of every running server's stderr to the report."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and call.when in ("setup", "call"):
        for srv in list(LatchkeyServer.running):
            try:
                rep.sections.append((f"latchkey {srv.endpoint} stderr (tail)", srv.stderr()[-3000:]))
            except OSError:
                pass


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> LatchkeyServer:
    """One server for the whole session (tests that need a pristine one use `server_factory`)."""
    base = tmp_path_factory.mktemp("session-server")
    srv = LatchkeyServer(base / "data", log_dir=base)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server_factory(tmp_path) -> Callable[..., LatchkeyServer]:
    """Builds (not starts) servers that are stopped at teardown. Data dirs default to fresh temp dirs."""

    def build(n: int, data_dir: Optional[Path] = None, **kw) -> LatchkeyServer:
        log_dir = tmp_path / f"logs{n}"
        log_dir.mkdir()
        return LatchkeyServer(data_dir or (tmp_path / f"data{n}"), log_dir=log_dir, **kw)

    with stopped_at_teardown(build) as make:
        yield make


@pytest.fixture(scope="session")
def idp(server):
    """A signed boto3 cognito-idp client (us-east-1, no retries)."""
    return server.client()


@pytest.fixture(scope="session")
def idp_novalidate(server):
    """Signed client with boto3's client-side parameter validation off, to get bad values to the server."""
    return server.client(validate=False)


@pytest.fixture(scope="session")
def unsigned_idp(server):
    return server.unsigned_client()


@pytest.fixture
def aws_cli(server):
    def run(*args, **kw):
        return run_aws_cli(server, *args, **kw)

    return run


@pytest.fixture
def pool(idp):
    """A fresh minimal pool, deleted afterwards."""
    pid = idp.create_user_pool(PoolName=unique("fx"))["UserPool"]["Id"]
    yield pid
    try:
        idp.delete_user_pool(UserPoolId=pid)
    except Exception:
        pass


# --------------------------------------------------------------------------------------------------------------
# The API model as botocore ships it: the client's own idea of every shape.
# --------------------------------------------------------------------------------------------------------------

_IDP_MODEL = None


def idp_model():
    global _IDP_MODEL
    if _IDP_MODEL is None:
        import botocore.session

        _IDP_MODEL = botocore.session.get_session().get_service_model("cognito-idp")
    return _IDP_MODEL


def unsigned_operations() -> set:
    m = idp_model()
    out = set()
    for name in m.operation_names:
        op = m.operation_model(name)
        if op.auth_type == "none" or (getattr(op, "auth", None) or [None])[0] == "smithy.api#noAuth":
            out.add(name)
    return out


def shape_errors(value, shape, path="$") -> list:
    """Where `value` (parsed JSON) does not fit botocore's `shape`: unknown members, wrong types, bad enums."""
    errs = []
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected object, got {type(value).__name__}"]
        for k, v in value.items():
            if k not in shape.members:
                errs.append(f"{path}.{k}: not a member of {shape.name}")
            else:
                errs += shape_errors(v, shape.members[k], f"{path}.{k}")
        for k in shape.required_members:
            if k not in value:
                errs.append(f"{path}.{k}: required member missing")
    elif t == "list":
        if not isinstance(value, list):
            return [f"{path}: expected array, got {type(value).__name__}"]
        for i, v in enumerate(value):
            errs += shape_errors(v, shape.member, f"{path}[{i}]")
    elif t == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected object (map), got {type(value).__name__}"]
        for k, v in value.items():
            errs += shape_errors(v, shape.value, f"{path}[{k!r}]")
    elif t == "string":
        if not isinstance(value, str):
            errs.append(f"{path}: expected string, got {value!r}")
        elif shape.enum and value not in shape.enum:
            errs.append(f"{path}: {value!r} not in enum {shape.enum}")
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            errs.append(f"{path}: expected integer, got {value!r}")
    elif t == "boolean":
        if not isinstance(value, bool):
            errs.append(f"{path}: expected boolean, got {value!r}")
    elif t in ("timestamp", "double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errs.append(f"{path}: expected number, got {value!r}")
    elif t == "blob":
        if not isinstance(value, str):
            errs.append(f"{path}: expected base64 string, got {value!r}")
    return errs


def assert_fits_output(operation: str, body) -> None:
    shape = idp_model().operation_model(operation).output_shape
    if shape is None:
        assert body == {}, f"{operation} has no output but answered {body!r}"
        return
    errs = shape_errors(body, shape)
    assert not errs, f"{operation} response does not fit the model:\n  " + "\n  ".join(errs[:30])


# --------------------------------------------------------------------------------------------------------------
# Mail: an SMTP sink (aiosmtpd) and a server that mails through it
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mail_sink():
    """One SMTP sink for the session; tests use unique addresses, so they never read each other's mail."""
    from mailsink import MailSink

    sink = MailSink(free_port()).start()
    yield sink
    sink.stop()


@pytest.fixture
def new_sink():
    """A sink of the test's own (for servers started by the test); stopped at teardown."""
    from mailsink import MailSink


    def build(n: int, port: Optional[int] = None, start: bool = True) -> MailSink:
        s = MailSink(port or free_port())
        if start:
            s.start()
        return s

    with stopped_at_teardown(build) as make:
        yield make


@pytest.fixture(scope="session")
def mail_server(tmp_path_factory, mail_sink) -> LatchkeyServer:
    """A session server started with --smtp-url pointing at the session sink."""
    base = tmp_path_factory.mktemp("mail-server")
    srv = LatchkeyServer(base / "data", log_dir=base, extra_args=["--smtp-url", mail_sink.url])
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def kit(mail_server, mail_sink):
    """Admin (signed) and user (unsigned) boto3 clients of `mail_server`, plus its sink (see userlib.Kit)."""
    from userlib import Kit

    return Kit(mail_server, mail_sink)


@pytest.fixture
def app(kit):
    """A fresh pool (email auto-verified) and an app client allowing every sign-in flow: (pool id, client id)."""
    pool = kit.pool()
    return pool, kit.client(pool)
