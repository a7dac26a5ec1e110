"""check_connection.py and redis_health.py run as the application team runs them.

Each script runs alone in a subprocess (`sys.executable`, redis-py only) against a local
plain redis-server with a password holding `! # $ ^` (percent-encoded in the URLs). TLS
against a real TLS server is covered by test_app_real_redis.py; here `rediss://` meets
the plain port to check the mismatch hint. No network beyond 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import free_port, start_redis

APP = Path(__file__).resolve().parents[1] / "templates" / "app"
CHECK = APP / "check_connection.py"
HEALTH = APP / "redis_health.py"
SCRIPTS = [pytest.param(CHECK, id="check_connection"), pytest.param(HEALTH, id="redis_health")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    binary = shutil.which("redis-server")
    if not binary:
        pytest.fail("redis-server is not installed: these tests need a local one "
                    "(`make test` installs it; or apt-get install redis-server)")
    import redis

    work = tmp_path_factory.mktemp("redis-plain")
    password = secrets.token_hex(12) + "!#$^"
    port = free_port()
    # slowlog-log-slower-than 0 logs every command, so the health report has entries to show
    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=5)
    process = start_redis(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", password, "--save", "",
         "--appendonly", "no", "--dir", str(work), "--slowlog-log-slower-than", "0"], client, cwd=work)
    yield {"port": port, "password": password, "client": client}
    client.close()
    process.terminate()
    process.wait(timeout=10)


def _url(server, password: str | None = None, scheme: str = "redis", port: int | None = None) -> str:
    secret = quote(server["password"] if password is None else password, safe="")
    return f"{scheme}://:{secret}@127.0.0.1:{port or server['port']}/0"


def _run(script: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Exit status and stdout + stderr; the caller's REDIS_* variables never leak in."""
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "REDIS_CA_CERTS")}
    environment.update(env or {})
    result = subprocess.run([sys.executable, str(script), *args], cwd=cwd, env=environment,
                            capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    return result.returncode, output


def _assert_secret_free(output: str, password: str) -> None:
    assert password not in output and quote(password, safe="") not in output, output


def test_check_connection_passes(server, tmp_path):
    code, output = _run(CHECK, "--url", _url(server), cwd=tmp_path)
    assert code == 0, output
    for step in ("PING -> PONG", "SET cachegen:connection-test:", "GET", "DEL", "redis_version",
                 "used_memory_human", "connected_clients", "total_commands_processed", "passed"):
        assert step in output
    assert f"redis://:****@127.0.0.1:{server['port']}/0" in output
    _assert_secret_free(output, server["password"])
    assert not server["client"].keys("cachegen:connection-test:*"), "the test key was left behind"


@pytest.mark.parametrize("script", SCRIPTS)
def test_wrong_password_gets_the_auth_hint(script, server, tmp_path):
    wrong = "wrong-" + secrets.token_hex(8) + "#%"
    code, output = _run(script, "--url", _url(server, password=wrong), cwd=tmp_path)
    assert code == 1
    assert "FAILED:" in output and "wrong AUTH token" in output
    _assert_secret_free(output, wrong)


@pytest.mark.parametrize("script", SCRIPTS)
def test_tls_url_against_a_plain_port_gets_the_tls_hint(script, server, tmp_path):
    code, output = _run(script, "--url", _url(server, scheme="rediss"), cwd=tmp_path)
    assert code == 1
    assert "TLS mismatch" in output and "use redis://" in output
    _assert_secret_free(output, server["password"])


@pytest.mark.parametrize("script", SCRIPTS)
def test_closed_port_gets_the_network_hints(script, server, tmp_path):
    code, output = _run(script, "--url", _url(server, port=free_port()), cwd=tmp_path)
    assert code == 1
    assert "security group" in output and "VPC" in output


@pytest.mark.parametrize("script", SCRIPTS)
def test_placeholders_point_at_cachegen_env(script, tmp_path):
    # the default env file: .env in the current directory
    (tmp_path / ".env").write_text(
        "REDIS_URL='rediss://:__REDIS_PASSWORD__@__REDIS_HOST__:6379/0?ssl_cert_reqs=required'\n")
    code, output = _run(script, cwd=tmp_path)
    assert code == 1
    assert "placeholders" in output and "cachegen env" in output


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_url_anywhere_fails_cleanly(script, tmp_path):
    code, output = _run(script, cwd=tmp_path)
    assert code == 1
    assert "no Redis URL" in output and "cachegen env" in output


@pytest.mark.parametrize("quote_char", ['"', "'"])
def test_url_from_an_env_file_with_export_and_quotes(quote_char, server, tmp_path):
    env_file = tmp_path / "app.env"
    env_file.write_text(
        "# written by hand\n"
        "\n"
        "REDIS_HOST=127.0.0.1\n"
        f"export REDIS_URL={quote_char}{_url(server)}{quote_char}\n")
    # REDIS_CA_CERTS only applies to rediss:// URLs: it must not break a plain one
    code, output = _run(CHECK, "--env-file", str(env_file), cwd=tmp_path,
                        env={"REDIS_CA_CERTS": str(tmp_path / "no-such-ca.pem")})
    assert code == 0, output
    assert f"(from {env_file})" in output
    _assert_secret_free(output, server["password"])


def test_url_sources_in_order(server, tmp_path):
    closed = _url(server, port=free_port())
    (tmp_path / ".env").write_text(f"REDIS_URL={closed}\n")
    code, output = _run(CHECK, cwd=tmp_path, env={"REDIS_URL": _url(server)})
    assert code == 0 and "REDIS_URL environment variable" in output, "REDIS_URL beats the env file"
    code, output = _run(CHECK, "--url", _url(server), cwd=tmp_path, env={"REDIS_URL": closed})
    assert code == 0 and "(from --url)" in output, "--url beats REDIS_URL"


def test_unencoded_password_is_not_echoed(server, tmp_path):
    raw = f"redis://:{server['password']}@127.0.0.1:{server['port']}/0"  # `#` left unencoded
    code, output = _run(CHECK, "--url", raw, cwd=tmp_path)
    assert code == 1 and "percent-encoded" in output
    assert server["password"][:-4] not in output, output  # not even the part before the `#`


def test_redis_health_reports(server, tmp_path):
    client = server["client"]
    client.config_resetstat()
    code, output = _run(HEALTH, "--url", _url(server), cwd=tmp_path)
    assert code == 0, output
    assert re.search(r"hit rate\s+n/a \(no reads yet\)", output), output

    client.set("cachegen:health:key", "x" * 200)
    client.get("cachegen:health:key")
    client.get("cachegen:health:missing")
    code, output = _run(HEALTH, "--url", _url(server), cwd=tmp_path)
    assert code == 0, output
    for label in ("used / maxmemory", "used_memory_rss", "fragmentation ratio", "connected_clients",
                  "blocked_clients", "total_commands_processed", "instantaneous_ops_per_sec",
                  "keyspace_hits", "keyspace_misses", "evicted_keys"):
        assert label in output
    assert re.search(r"maxmemory_policy\s+noeviction", output)
    assert re.search(r"hit rate\s+50\.0 %", output), output
    slowlog = output.split("Slowlog (10 latest)\n", 1)[1].splitlines()
    entries = [line for line in slowlog[1:] if re.match(r"\s+\d+\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\d+ us\s", line)]
    assert 1 <= len(entries) <= 10, output
    long_set = next(line for line in entries if "SET cachegen:health:key" in line)
    assert long_set.endswith("...") and len(long_set.split(" us  ", 1)[1]) == 80
    _assert_secret_free(output, server["password"])
    client.delete("cachegen:health:key")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Three redis-servers in cluster mode, their 16,384 slots split by `redis-cli --cluster create`,
    and a password: what a cluster-mode ElastiCache group is to a client."""
    import time

    import redis

    binary, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if not binary or not cli:
        pytest.fail("redis-server and redis-cli are needed (`make test` installs them)")
    password = secrets.token_hex(12) + "!#"
    ports, processes = [free_port() for _ in range(3)], []
    for port in ports:
        work = tmp_path_factory.mktemp(f"cluster-{port}")
        client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=5)
        processes.append(start_redis(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", password, "--masterauth", password,
             "--cluster-enabled", "yes", "--cluster-port", str(free_port()),  # the bus port, else port + 10000
             "--cluster-config-file", f"{work}/nodes.conf", "--save", "",
             "--appendonly", "no", "--dir", str(work)], client, cwd=work))
    subprocess.run([cli, "-a", password, "--no-auth-warning", "--cluster", "create",
                    *(f"127.0.0.1:{p}" for p in ports), "--cluster-yes"], check=True, capture_output=True, timeout=60)
    probe = redis.Redis(host="127.0.0.1", port=ports[0], password=password)
    deadline = time.monotonic() + 30
    while probe.cluster("info").get("cluster_state") != "ok":
        assert time.monotonic() < deadline, "the cluster did not become ok"
        time.sleep(0.2)
    yield {"ports": ports, "password": password}
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def test_cluster_mode_uses_the_cluster_client(cluster, tmp_path):
    """REDIS_CLUSTER=true (from the env file, as `cachegen env` writes it for a cluster-mode group):
    the test key lands on whichever shard owns it, and every primary is reported."""
    url = f"redis://:{quote(cluster['password'], safe='')}@127.0.0.1:{cluster['ports'][0]}/0"
    (tmp_path / ".env").write_text(f"REDIS_URL='{url}'\nREDIS_CLUSTER='true'\n")
    for _ in range(3):  # a random key each time: most live on another node than the one in the URL
        code, output = _run(CHECK, cwd=tmp_path)
        assert code == 0, output
        assert output.count("Server (node 127.0.0.1:") == 3, output
        _assert_secret_free(output, cluster["password"])
    code, output = _run(HEALTH, cwd=tmp_path)
    assert code == 0, output
    assert output.count("== node 127.0.0.1:") == 3 and output.count("connected_clients") == 3, output


def test_a_plain_client_on_a_cluster_is_told_what_to_do(cluster, tmp_path):
    """Without REDIS_CLUSTER the script uses a single-node client: a key on another shard gets
    MOVED, and the hint names the cluster client."""
    url = f"redis://:{quote(cluster['password'], safe='')}@127.0.0.1:{cluster['ports'][0]}/0"
    outputs = [_run(CHECK, "--url", url, cwd=tmp_path) for _ in range(12)]
    failed = [output for code, output in outputs if code == 1]
    assert failed, "twelve random keys all on the first node (chance 1 in 500,000)"
    assert all("connect to the configuration endpoint with a cluster client" in output for output in failed), failed[0]


@pytest.mark.parametrize("script_name", ["check_connection.py", "redis_health.py"])
def test_the_env_file_cachegen_env_writes_is_the_default(script_name, server, tmp_path):
    """`cachegen env` writes .cachegen/<environment>.env: each generated copy reads its own
    environment's file, never another's, and --url needs no env file at all."""
    from cachegen.compiler import compile_spec, render
    from conftest import SPEC_DIR

    _, d = compile_spec(SPEC_DIR / "prod.yaml")
    script = tmp_path / script_name
    script.write_text(render(d)[f"app/{script_name}"])
    (tmp_path / ".cachegen").mkdir()
    (tmp_path / ".cachegen" / "dev.env").write_text(f"REDIS_URL='{_url(server, port=free_port())}'\n")
    code, output = _run(script, cwd=tmp_path)
    assert code == 1 and "no Redis URL" in output, "prod's copy must not read dev's file:\n" + output
    (tmp_path / ".cachegen" / "prod.env").write_text(f"REDIS_URL='{_url(server)}'\n")
    code, output = _run(script, cwd=tmp_path)
    assert code == 0 and f"(from {Path('.cachegen') / 'prod.env'})" in output, output
    code, output = _run(script, "--url", _url(server), cwd=tmp_path)
    assert code == 0 and "(from --url)" in output, output
    _assert_secret_free(output, server["password"])
