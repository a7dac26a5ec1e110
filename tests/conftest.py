from __future__ import annotations

import atexit
import io
import os
import shutil
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SPEC_DIR = REPO / "spec"
TEST_SPECS = Path(__file__).parent / "specs"
COMMITTED_SPECS = sorted(p for p in SPEC_DIR.glob("*.yaml") if not p.name.startswith(("base", "_")))

# The template bytecode cache of every test (and every cachegen process a test starts) lives
# in a throw-away directory, not in the user's ~/.cache.
os.environ["CACHEGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="cachegen-test-cache-")
atexit.register(shutil.rmtree, os.environ["CACHEGEN_CACHE_DIR"], ignore_errors=True)


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path, cwd: Path | None = None) -> Result:
    """Run the CLI in-process (fast), with the real error handler and exit codes."""
    from cachegen.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_argv, old_cwd = sys.argv, Path.cwd()
    sys.argv = ["cachegen", *map(str, args)]
    code = 0
    try:
        if cwd:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(command: list[str], client, **popen):
    """Start a redis-server and wait (20 s at most) until `client` gets a PONG."""
    import subprocess
    import time

    import redis

    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            return process
        except redis.exceptions.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("redis-server did not start:\n" + process.communicate()[0])
            time.sleep(0.1)


@pytest.fixture(scope="session")
def moto_server():
    """moto in server mode on a free loopback port; yields its endpoint URL."""
    import subprocess
    import time
    import urllib.request

    port = free_port()
    moto = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("moto_server did not start")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def aws_env(moto_server, monkeypatch):
    """Environment for boto3 and the AWS CLI pointing at moto (fake credentials)."""
    env = {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return env


# A Celery application of one task, configured by the generated celeryconfig.py.
PROBE_TASKS = ("from celery import Celery\n"
               "app = Celery('cachegen_probe')\n"
               "app.config_from_object('celeryconfig')\n"
               "@app.task\n"
               "def add(x, y):\n"
               "    return x + y\n")


def env_file_variables(text: str) -> dict[str, str]:
    """The variables of a generated .env file, as the application reads them."""
    return {key: value.strip("'") for key, value in (line.split("=", 1) for line in text.splitlines()
                                                     if line and not line.startswith("#"))}


def celery_round_trip(directory: Path, env: dict[str, str], celeryconfig: str) -> str:
    """A real Celery worker (solo pool) and a client that sends it add(2, 3) and waits for 5, both
    from `directory` with the generated celeryconfig.py; the worker's log."""
    import subprocess
    import sys

    (directory / "celeryconfig.py").write_text(celeryconfig)
    if not (directory / "probe_tasks.py").exists():
        (directory / "probe_tasks.py").write_text(PROBE_TASKS)
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "probe_tasks", "worker", "--pool=solo",
                               "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle"],
                              cwd=directory, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        client = subprocess.run(
            [sys.executable, "-c", "import probe_tasks; print(probe_tasks.add.delay(2, 3).get(timeout=60))"],
            cwd=directory, env=env, capture_output=True, text=True, timeout=120)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=60)
    assert client.returncode == 0 and client.stdout.strip() == "5", client.stdout + client.stderr + output[-3000:]
    assert "ready" in output
    return output


# The files that take longest, first: xdist (--dist loadfile) hands whole files to whichever worker
# is free, in collection order, so a long file collected last would run alone at the end.
LONGEST_FIRST = ("properties/test_accepted_builds.py", "test_cli_moto.py", "test_pre_commit.py",
                 "render/test_agreement.py", "test_rbac_real_redis.py")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        path = item.nodeid.split("::")[0]
        return next((i for i, name in enumerate(LONGEST_FIRST) if path.endswith(name)), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: each file's tests keep their order
