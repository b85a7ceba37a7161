"""`pyworkflows dev [DIR]`, end to end: an `init` project's Worker served over HTTP, its instances driven on SQLite."""

import json
import random
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from conftest import ROOT

MAIN = str(ROOT / "js-engine" / "cli" / "main.js")


def start_dev(cwd, *args):
    proc = subprocess.Popen(["node", MAIN, "dev", *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=cwd)
    lines = []
    deadline = time.time() + 90
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.match(r"pyworkflows dev: .* on (http://\S+/)", line)
        if m:
            return proc, m.group(1), lines
    proc.kill()
    raise AssertionError("dev did not start:\n" + "".join(lines) + (proc.stdout.read() or ""))


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as res:
            return res.status, res.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    return proc.returncode, out


def test_dev_serves_the_init_project_and_drives_its_instances(cli, tmp_path):
    cli("init", "shop", check=0, db_path=None)
    proj = tmp_path / "shop"
    proc, url, _ = start_dev(proj, "--port", "0", "--clock", "virtual")
    try:
        status, body = get(url + "?id=A1&item=tea")
        assert status == 200, body
        instance = json.loads(body)["instance"]
        deadline = time.time() + 30
        while time.time() < deadline:
            report = json.loads(get(f"{url}status?instance={instance}")[1])
            if report["status"] == "complete":
                break
            time.sleep(0.1)
        # The virtual clock: the workflow's "10 seconds" cool-off passed at once.
        assert report == {"status": "complete", "output": "order A1: 1 item(s) confirmed", "error": None}, report
        project = json.loads(get(url + "_dashboard/api/project")[1])
        assert (project["clock"], project["nextWakeAt"]) == ("virtual", None)  # sleeps pass by themselves
        status, body = get(f"{url}status?instance=nope")
        assert status == 500 and "InstanceNotFoundError" in body and "Traceback" in body
    finally:
        code, out = stop(proc)
    assert code == 0, out
    assert f"[{instance}] ✓ check order" in out
    assert "GET /status?instance=nope → 500 Internal Server Error (" in out and "src/entry.py" in out
    # One line per request to the Worker, none for the dashboard's API.
    assert re.search(r"^GET /\?id=A1&item=tea → 200 OK \(\d+ ms\)$", out, re.M), out
    assert re.search(rf"^GET /status\?instance={instance} → 200 OK \(", out, re.M), out
    assert not re.search(r"^GET /_dashboard", out, re.M), out
    assert (proj / ".pyworkflows" / "dev.db").exists()
    # The database is the CLI's too.
    listed = json.loads(cli("list", "--json", check=0, db_path=proj / ".pyworkflows" / "dev.db").stdout)
    assert [(r["id"], r["status"]) for r in listed] == [(instance, "complete")]


def _unused_port():
    """A free port below the kernel's ephemeral range: a port 0 bind picks from that range, which every client
    connection and port-0 server on this shared machine also draws from, so it may be taken again before dev binds it."""
    try:
        low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except OSError:
        low = 32768  # Linux's default start
    rng = random.Random()
    for _ in range(100):
        port = rng.randrange(max(1024, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise AssertionError("no free port found below the ephemeral range")


def test_dev_port_comes_from_the_wrangler_config(cli, tmp_path):
    cli("init", "shop", check=0, db_path=None)
    proj = tmp_path / "shop"
    port = _unused_port()
    config = proj / "wrangler.jsonc"
    config.write_text(config.read_text().replace('"observability"', f'"dev": {{"port": {port}}},\n  "observability"'))
    proc, url, _ = start_dev(proj)
    try:
        assert url == f"http://127.0.0.1:{port}/"
        # Taken: a second dev on the same port says so in one line.
        second = subprocess.run(["node", MAIN, "dev"], capture_output=True, text=True, cwd=proj, timeout=120)
        assert second.returncode == 2
        assert f"(dev.port_in_use) port {port} on 127.0.0.1 is already in use" in second.stderr
    finally:
        stop(proc)


def test_dev_refused_writes_nothing(cli, tmp_path):
    """A port in use (said before Python loads), a declared package not installed, or code that does not load: one
    line, exit 2, no dev.db."""
    cli("init", "shop", check=0, db_path=None)
    proj = tmp_path / "shop"
    # Code that fails to load: had dev loaded Python before checking the port, the error would be its SyntaxError.
    entry = proj / "src" / "entry.py"
    source = entry.read_text()
    entry.write_text("def broken(:\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run(["node", MAIN, "dev", "--port", str(port)], capture_output=True, text=True, cwd=proj, timeout=120)
    assert r.returncode == 2 and r.stderr.strip() == (
        f"pyworkflows: (dev.port_in_use) port {port} on 127.0.0.1 is already in use; choose another with --port N")
    assert not (proj / ".pyworkflows").exists()
    entry.write_text(source)
    pyproject = proj / "pyproject.toml"
    plain = pyproject.read_text()
    pyproject.write_text(plain.replace("dependencies = []", 'dependencies = ["never-installed-pkg==9.9"]'))
    r = subprocess.run(["node", MAIN, "dev", "--port", "0"], capture_output=True, text=True, cwd=proj, timeout=120)
    assert r.returncode == 2 and r.stderr.strip().endswith(
        "src/entry.py needs never-installed-pkg==9.9: run `npx pyworkflows install src/entry.py`"), r.stderr
    assert r.stderr.startswith("pyworkflows: (packages.not_installed) ") and len(r.stderr.strip().splitlines()) == 1
    assert not (proj / ".pyworkflows").exists()
    pyproject.write_text(plain)
    entry.write_text("def broken(:\n")
    r = subprocess.run(["node", MAIN, "dev", "--port", "0"], capture_output=True, text=True, cwd=proj, timeout=120)
    assert r.returncode == 2 and "SyntaxError" in r.stderr.splitlines()[0], r.stderr
    assert not (proj / ".pyworkflows").exists()


def test_serve_on_a_port_in_use_is_one_line_with_a_code(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run(["node", MAIN, "serve", "--port", str(port)], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert r.returncode == 2 and r.stderr.strip() == (
        f"pyworkflows: (serve.port_in_use) port {port} on 127.0.0.1 is already in use; choose another with --port N")
    assert list(tmp_path.iterdir()) == []


def test_a_port_that_is_not_a_number_is_named_as_typed(tmp_path):
    for command in ("serve", "dev"):
        r = subprocess.run(["node", MAIN, command, "--port", "abc"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert r.returncode == 2 and r.stderr.splitlines()[0] == 'pyworkflows: --port must be an integer from 0 to 65535, got "abc"', r.stderr


def test_dev_usage_errors_are_one_line(cli, tmp_path):
    r = cli("dev", tmp_path, db_path=None)
    assert r.returncode == 2
    assert "(dev.no_config) no wrangler.json, wrangler.jsonc or wrangler.toml" in r.stderr
    (tmp_path / "wrangler.json").write_text('{"name": "x"}')
    r = cli("dev", tmp_path, db_path=None)
    assert r.returncode == 2 and '(dev.no_main) wrangler.json has no "main"' in r.stderr
    (tmp_path / "wrangler.json").write_text('{"name": "x", "main": "src/w.py"}')
    r = cli("dev", tmp_path, db_path=None)
    assert r.returncode == 2 and '(dev.no_entry) wrangler.json names "main": "src/w.py", which does not exist' in r.stderr
    r = cli("dev", tmp_path, "--clock", "fast", db_path=None)
    assert r.returncode == 2 and '--clock must be "real" or "virtual"' in r.stderr


def test_dev_takes_the_project_folder_a_db_path_of_the_working_directory_and_quiet(cli, tmp_path):
    cli("init", "shop", check=0, db_path=None)
    proc, url, lines = start_dev(tmp_path, "shop", "--port", "0", "--db", "mine.sqlite", "--quiet")
    try:
        assert "shop/src/entry.py on" in lines[-1] and "database mine.sqlite" in lines[-1]
        assert get(url + "?id=A1")[0] == 200
    finally:
        _, out = stop(proc)
    assert "GET /?id=A1" not in out, out  # --quiet: no line per request
    assert (tmp_path / "mine.sqlite").exists()
    assert not (tmp_path / "shop" / ".pyworkflows" / "dev.db").exists()
