"""Helpers for `latchkey gateway` tests: a `latchkey gateway` process started from a TOML text, the Lambda test
runtime (lambda_runtime.py), a tiny upstream HTTP server that echoes what it received, and a test token issuer
(its own RSA key and JWKS) for tokens Latchkey would never issue — expired or signed by a stranger.

Fixtures (import them into a test module, or into conftest, to use them):
  lambda_runtime   — a started LambdaRuntime with the default handlers (Echo, Boom, Binary, Malformed, Slow).
  gateway_factory  — gateway_factory(toml_text, *extra_args) -> a started GatewayProcess, stopped at teardown.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable, List, Optional

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import LATCHKEY_BIN, clean_env, free_port
from lambda_runtime import LambdaRuntime

READY_TIMEOUT = 20.0


class GatewayProcess:
    """One `latchkey gateway --config FILE --listen ADDR` process; logs go to files."""

    def __init__(self, toml_text: str, extra_args: Iterable[str] = (), log_dir: Optional[Path] = None):
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="latchkey-gateway-"))
        self.config_path = self.log_dir / "gateway.toml"
        self.config_path.write_text(toml_text)
        self.port = free_port()
        self.extra_args = list(extra_args)
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> List[str]:
        return [str(LATCHKEY_BIN), "gateway", "--config", str(self.config_path),
                "--listen", f"127.0.0.1:{self.port}", "--log-format", "json", *self.extra_args]

    def start(self, wait: bool = True) -> "GatewayProcess":
        if not LATCHKEY_BIN.exists():
            pytest.fail(f"latchkey binary not found at {LATCHKEY_BIN}")
        self._out = open(self.log_dir / "stdout.log", "wb")
        self._err = open(self.log_dir / "stderr.log", "wb")
        self.proc = subprocess.Popen(self.argv(), stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
                                     env=clean_env(), cwd=str(self.log_dir))
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"latchkey gateway exited before listening\n{self.diagnostics()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"latchkey gateway not listening within {timeout}s\n{self.diagnostics()}")

    def stderr(self) -> str:
        path = self.log_dir / "stderr.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_lines(self) -> List[dict]:
        """The JSON log lines written so far."""
        out = []
        for line in self.stderr().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def diagnostics(self) -> str:
        code = self.proc.poll() if self.proc else None
        return f"argv: {self.argv()}\nexit code: {code}\n--- stderr ---\n{self.stderr()[-6000:]}"

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for f in (self._out, self._err):
            f.close()
        return self.proc.returncode


class Upstream:
    """An HTTP server that answers every request with JSON describing it: method, path (with query), headers
    (lower-cased names, every value), body (text)."""

    def __init__(self):
        self.port = free_port()
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Upstream":
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {}
                for k, v in self.headers.items():
                    headers.setdefault(k.lower(), []).append(v)
                out = json.dumps({"method": self.command, "path": self.path, "headers": headers,
                                  "body": body.decode(errors="replace")}).encode()
                self.send_response(209 if self.path.startswith("/status209") else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Upstream", "yes")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def _b64url_uint(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class TestIssuer:
    """A token issuer of the test's own: an RSA key whose JWKS it serves at `{issuer}/.well-known/jwks.json`, so
    a gateway can be pointed at it and shown tokens Latchkey cannot be made to issue (already expired, say)."""

    __test__ = False  # not a pytest test class

    def __init__(self, pool_id: str = "us-east-1_TestIssuer"):
        self.port = free_port()
        self.pool_id = pool_id
        self.kid = uuid.uuid4().hex
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.pool_id}"

    def jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
                          "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}]}

    def start(self) -> "TestIssuer":
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.endswith("/.well-known/jwks.json"):
                    body = json.dumps(issuer.jwks()).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                else:
                    body = b"{}"
                    self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def token(self, token_use: str = "id", lifetime: int = 3600, issued_ago: int = 0, **extra) -> str:
        """A Cognito-shaped token signed with this issuer's key."""
        now = int(time.time()) - issued_ago
        claims = {"sub": str(uuid.uuid4()), "iss": self.issuer, "token_use": token_use, "auth_time": now,
                  "iat": now, "exp": now + lifetime, "jti": str(uuid.uuid4())}
        if token_use == "id":
            claims.update({"aud": "testclient", "cognito:username": "tester"})
        else:
            claims.update({"client_id": "testclient", "username": "tester", "scope": "aws.cognito.signin.user.admin"})
        claims.update(extra)
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


# --------------------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lambda_runtime():
    runtime = LambdaRuntime().start()
    yield runtime
    runtime.stop()


@pytest.fixture
def gateway_factory(tmp_path) -> Callable[..., GatewayProcess]:
    started: List[GatewayProcess] = []

    def build(toml_text: str, *extra_args: str) -> GatewayProcess:
        log_dir = tmp_path / f"gateway{len(started)}"
        log_dir.mkdir()
        gw = GatewayProcess(toml_text, extra_args, log_dir=log_dir)
        started.append(gw)
        return gw.start()

    yield build
    for gw in started:
        gw.stop()
