"""A small Lambda-Invoke-compatible runtime for tests: it serves `POST /2015-03-31/functions/{name}/invocations`
as `sam local start-lambda` does — the request body is the event, the answer is the function's return value (200,
application/json), a function that raises answers 200 with `X-Amz-Function-Error: Unhandled` and the error
document, and an unknown function answers 404 `ResourceNotFoundException`.

Handlers are plain Python functions `handler(event) -> value`, registered by name. Every event received is kept
(`runtime.events(name)`), so a test can check exactly what the gateway sent.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List

from conftest import free_port

INVOKE_PREFIX = "/2015-03-31/functions/"
INVOKE_SUFFIX = "/invocations"


# --------------------------------------------------------------------------------------------------------------
# Handlers the tests use
# --------------------------------------------------------------------------------------------------------------


def echo(event):
    """Answers 200 with the event it got, as JSON."""
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}


def boom(event):
    raise RuntimeError("handler failed on purpose")


def binary(event):
    """Answers three bytes that are not UTF-8, base64-encoded, plus two Set-Cookie values."""
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/octet-stream", "X-Single": "one"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": base64.b64encode(b"\xff\x00\x10").decode(),
        "isBase64Encoded": True,
    }


def malformed(event):
    """A proxy answer with a field API Gateway does not accept."""
    return {"statusCode": 200, "body": "x", "unexpected": True}


def slow(event):
    time.sleep(3)
    return {"statusCode": 200, "body": "late"}


DEFAULT_HANDLERS: Dict[str, Callable] = {
    "Echo": echo,
    "Boom": boom,
    "Binary": binary,
    "Malformed": malformed,
    "Slow": slow,
}


# --------------------------------------------------------------------------------------------------------------
# The runtime
# --------------------------------------------------------------------------------------------------------------


class LambdaRuntime:
    def __init__(self, handlers: Dict[str, Callable] | None = None, port: int | None = None):
        self.handlers = dict(DEFAULT_HANDLERS if handlers is None else handlers)
        self.port = port or free_port()
        self._events: Dict[str, List[dict]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def events(self, name: str) -> List[dict]:
        with self._lock:
            return list(self._events.get(name, []))

    def _record(self, name: str, event) -> None:
        with self._lock:
            self._events.setdefault(name, []).append(event)

    def start(self) -> "LambdaRuntime":
        runtime = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def _answer(self, status: int, payload, headers: dict | None = None) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                path = urllib.parse.urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if not (path.startswith(INVOKE_PREFIX) and path.endswith(INVOKE_SUFFIX)):
                    self._answer(404, {"Type": "User", "message": "Not found"})
                    return
                name = urllib.parse.unquote(path[len(INVOKE_PREFIX):-len(INVOKE_SUFFIX)])
                handler = runtime.handlers.get(name)
                if handler is None:
                    self._answer(404, {"Type": "User", "message": f"Function not found: {name}"},
                                 {"x-amzn-errortype": "ResourceNotFoundException"})
                    return
                try:
                    event = json.loads(raw or b"{}")
                except ValueError:
                    self._answer(400, {"Type": "User", "message": "Could not parse request body into json"},
                                 {"x-amzn-errortype": "InvalidRequestContentException"})
                    return
                runtime._record(name, event)
                try:
                    result = handler(event)
                except Exception as e:  # noqa: BLE001 - a function error, reported the way Lambda does
                    self._answer(200, {
                        "errorMessage": str(e),
                        "errorType": type(e).__name__,
                        "stackTrace": traceback.format_tb(e.__traceback__),
                    }, {"X-Amz-Function-Error": "Unhandled"})
                    return
                self._answer(200, result)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
