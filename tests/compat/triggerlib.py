"""Lambda triggers for the compatibility tests: the Node Lambda-Invoke runtime (node/lambda_runtime.mjs) running
the handlers in tests/compat/triggers/ (each `{name}.mjs` exports `handler` exactly as a Lambda function does), a
Latchkey server pointed at it with --lambda-endpoint, and helpers to read the events each function received."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from conftest import LatchkeyServer, free_port, clean_env
from mailsink import MailSink
from nodelib import NODE_DIR, node_exe
from userlib import Kit

TRIGGERS_DIR = Path(__file__).resolve().parent / "triggers"
REGION = "us-east-1"
ACCOUNT = "123456789012"


def arn(name: str) -> str:
    """The ARN a pool's LambdaConfig names the function `name` by (the runtime knows it by name)."""
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def link_node_modules() -> None:
    """A deployed function carries its node_modules beside its handler: the runtime's handlers find the test
    project's packages (tests/compat/node) the same way, through a link that git ignores."""
    modules = TRIGGERS_DIR / "node_modules"
    if not modules.exists():
        modules.symlink_to(Path("..") / "node" / "node_modules", target_is_directory=True)


class NodeLambdaRuntime:
    """`node lambda_runtime.mjs` on a free port; `env` reaches the handlers as process.env."""

    def __init__(self, env: Optional[dict] = None, log_dir: Optional[Path] = None):
        self.env = env or {}
        self.port = free_port()
        self.log_dir = log_dir
        self.proc: Optional[subprocess.Popen] = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "NodeLambdaRuntime":
        log = open(self.log_dir / "lambda-runtime.log", "wb") if self.log_dir else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [node_exe(), str(NODE_DIR / "lambda_runtime.mjs"), "--dir", str(TRIGGERS_DIR), "--port", str(self.port)],
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, env=clean_env(self.env), cwd=str(NODE_DIR),
        )
        line = self.proc.stdout.readline().decode()
        assert line.startswith("ready"), f"the Lambda runtime did not start: {line!r}"
        return self

    def events(self, name: str) -> list:
        with urllib.request.urlopen(f"{self.endpoint}/events/{name}", timeout=5) as r:
            return json.loads(r.read())

    def clear(self) -> None:
        req = urllib.request.Request(f"{self.endpoint}/events", method="DELETE")
        urllib.request.urlopen(req, timeout=5).read()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


def trigger_server(base: Path, runtime: NodeLambdaRuntime, extra_args=()) -> LatchkeyServer:
    """A Latchkey server whose triggers run in `runtime`."""
    return LatchkeyServer(base / "data", log_dir=base,
                          extra_args=["--lambda-endpoint", runtime.endpoint, *extra_args])


@contextmanager
def mailing_trigger_kit(base: Path, runtime: NodeLambdaRuntime, sink: MailSink) -> Iterator[Kit]:
    """A running trigger server that mails to `sink`, as a Kit; stopped on exit."""
    srv = trigger_server(base, runtime, extra_args=["--smtp-url", sink.url])
    srv.start()
    try:
        yield Kit(srv, sink)
    finally:
        srv.stop()
