"""Node for the compatibility tests: where the scripts live (tests/compat/node), the node executable, and the npm
packages a test needs, installed with `npm ci` when one is missing. Without node or npm the tests skip, or fail
when CI is set."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable

import pytest

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
