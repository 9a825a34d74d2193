"""Node for the compatibility tests: where the scripts live (tests/compat/node), the node executable, and the npm
packages a test needs, installed with `npm ci` when one is missing. Without node or npm the tests skip, or fail
when CI is set."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable

import pytest

from conftest import clean_env

NODE_DIR = Path(__file__).resolve().parent / "node"


def missing(why: str) -> None:
    """Skips the test for want of a tool, or fails it when CI is set (CI must run everything)."""
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def node_exe() -> str:
    exe = shutil.which("node")
    if not exe:
        missing("node is not installed")
    return exe


def ensure_packages(paths: Iterable[str]) -> None:
    """Runs `npm ci` in tests/compat/node unless every path (under node_modules) is there."""
    paths = list(paths)
    if all((NODE_DIR / "node_modules" / p).exists() for p in paths):
        return
    npm = shutil.which("npm")
    if not npm:
        missing("npm is not installed and tests/compat/node/node_modules lacks " + ", ".join(paths))
    r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, f"npm ci failed:\n{r.stdout}\n{r.stderr}"


def run_steps(node: str, script: str, *args: str, stdin: str = "", timeout: float = 150) -> dict:
    """Runs `node <script> <args>` in tests/compat/node with `stdin`, and returns the JSON line it printed last
    (`{ok, steps, calls, step?, error?, message?}`, as the step scripts print it), asserting that it is `ok`."""
    r = subprocess.run([node, str(NODE_DIR / script), *args], input=stdin, cwd=NODE_DIR, capture_output=True,
                       text=True, timeout=timeout, env=clean_env())
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"{script} printed no JSON (exit {r.returncode})\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    out = json.loads(lines[-1])
    assert out["ok"], (f"{script} failed at {out.get('step')}: {out.get('error')}: {out.get('message')}\n"
                       f"steps: {json.dumps(out.get('steps'), indent=1)[-3000:]}\n"
                       f"requests: {json.dumps(out.get('calls'), indent=1)[-6000:]}\nstderr: {r.stderr[-2000:]}")
    return out
