"""A Node child process running js-engine/harness/server.js, spoken to in JSON lines over stdio."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

from workers._values import from_stored, to_stored  # the engine's stored form of values, one codec for the SDK

SERVER = Path("js-engine") / "harness" / "server.js"
# Where the harness runs the engine and Pyodide: a Node process, or a headless Chromium page that process drives.
RUNTIMES = {"node": SERVER, "chromium": Path("js-engine") / "harness" / "chromium-server.js"}


class EngineError(Exception):
    """An error raised by the engine; `name` is the engine's error class (e.g. InstanceNotFoundError)."""

    def __init__(self, name: str, message: str, data: dict | None = None):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message
        self.data = data or {}


NODE_MIN = 20
INSTALL_ENGINE = "run `npm install pyworkflows` in your project folder (or set PYWORKFLOWS_ENGINE_DIR)"


def find_engine_dir(starts: list[Path] | None = None) -> Path:
    """The folder holding js-engine/: $PYWORKFLOWS_ENGINE_DIR, else, walking up from each start (default: the
    working directory, then this file), a checkout of the engine or a node_modules/pyworkflows."""
    env = os.environ.get("PYWORKFLOWS_ENGINE_DIR")
    if env:
        if not (Path(env) / SERVER).is_file():
            raise RuntimeError(f"(engine.not_found) PYWORKFLOWS_ENGINE_DIR={env} holds no {SERVER}")
        return Path(env)
    if starts is None:
        starts = [Path.cwd(), Path(__file__).resolve().parent]
    for start in starts:
        for d in [start, *start.parents]:
            for cand in (d / "node_modules" / "pyworkflows", d):
                if (cand / SERVER).is_file():
                    return cand
    raise RuntimeError(f"(engine.not_found) the pyworkflows engine (an npm package) is not installed here: {INSTALL_ENGINE}")


def find_node(node: str | None = None) -> str:
    """A Node.js >= 20 executable, or a one-line error saying what to install."""
    exe = node or shutil.which("node")
    if not exe:
        raise RuntimeError(f"(engine.node_missing) the pyworkflows engine runs on Node.js {NODE_MIN}+ and `node` is not "
                           "on PATH: install Node.js 20 or newer (https://nodejs.org)")
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
        major = int(version.lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        raise RuntimeError(f"(engine.node_missing) {exe} does not run as Node.js: install Node.js {NODE_MIN} or newer "
                           "(https://nodejs.org)") from None
    if major < NODE_MIN:
        raise RuntimeError(f"(engine.node_too_old) {exe} is Node.js {version}; the pyworkflows engine needs {NODE_MIN}+: "
                           "install a newer Node.js (https://nodejs.org)")
    return exe


SDKS = ("ours", "cloudflare")


class EngineProcess:
    """``sdk="cloudflare"``: workflows run on Cloudflare's own Python SDK (workers-runtime-sdk) instead of ours.
    ``runtime="chromium"``: the engine, Pyodide and an IndexedDB store run in headless Chromium (Playwright), on
    /usr/bin/chromium or $PYWORKFLOWS_CHROMIUM."""

    def __init__(self, engine_dir: Path | None = None, node: str | None = None, sdk: str = "ours",
                 starts: list[Path] | None = None, runtime: str = "node"):
        if sdk not in SDKS:
            raise ValueError(f"sdk must be one of {', '.join(SDKS)}, not {sdk!r}")
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        self.sdk = sdk
        self.runtime = runtime
        self.engine_dir = engine_dir or find_engine_dir(starts)
        node = find_node(node)
        self.proc = subprocess.Popen(
            [node, str(self.engine_dir / RUNTIMES[runtime]), "--sdk", sdk],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # engine crashes show in pytest's captured stderr
            text=True,
            bufsize=1,
            cwd=self.engine_dir,
        )
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._pending: dict[int, dict] = {}
        ready = self._read_line()
        if not ready.get("ready"):
            self.proc.wait(timeout=10)
            raise RuntimeError(ready.get("error") or f"engine harness did not start: {ready}")

    def _read_line(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"engine harness exited (code {self.proc.poll()})")
        return json.loads(line)

    def call(self, op: str, **args):
        with self._lock:
            rid = next(self._ids)
            self.proc.stdin.write(json.dumps({"id": rid, "op": op, "args": to_stored(args, f"the arguments of {op}")}) + "\n")
            self.proc.stdin.flush()
            # Replies may come out of order when requests overlap; keep the ones that are not ours.
            while rid not in self._pending:
                msg = self._read_line()
                self._pending[msg["id"]] = msg
            msg = self._pending.pop(rid)
        if not msg["ok"]:
            err = msg["error"]
            raise EngineError(err.get("name", "Error"), err.get("message", ""), err)
        return from_stored(msg["result"])

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
