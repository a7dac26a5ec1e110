"""Several groups, proven on real servers: spec/scale.yaml's broker and result backend on one
redis-server (TLS + its AUTH token), the application's cache on another (TLS + its own token,
run as a one-node Redis Cluster, as the spec's cluster-mode group is), and a real Celery worker.

The generated .env.example sends each role to its own group's endpoint; filled in as `cachegen
env` fills it, Celery round-trips a task over the first server and the cache writes through
REDIS_URL to the second, with REDIS_CLUSTER=true (redis-py's cluster client). Neither server
sees the other's keys.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import time

import pytest
from conftest import (
    SPEC_DIR,
    celery_round_trip,
    env_file_variables,
    free_port,
    start_redis,
)
from test_app_real_redis import TOKEN_ALPHABET, _tls_material


@pytest.fixture(scope="module")
def scale():
    from cachegen.compiler import compile_spec, render

    _, deployment = compile_spec(SPEC_DIR / "scale.yaml")
    return deployment, render(deployment)


def _start(conf_text: str, work, tls, placeholder: str, cluster: bool) -> dict:
    import redis

    password = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(24)) + "!#$^&<>-"
    port = free_port()
    conf = (conf_text.replace("__TLS_CERT_FILE__", str(tls["cert"])).replace("__TLS_KEY_FILE__", str(tls["key"]))
            .replace("__TLS_CA_FILE__", str(tls["ca"])).replace(placeholder, password)
            .replace("__DATA_DIR__", str(work)))
    assert "__" not in re.sub(r"#.*", "", conf), "a placeholder was left unfilled"
    (work / "redis.conf").write_text(conf)
    command = [shutil.which("redis-server"), str(work / "redis.conf"), "--tls-port", str(port)]
    if cluster:  # what ElastiCache runs for a cluster-mode group, on one node
        # the cluster bus on a port of its own: by default it is the client port + 10000, past 65535 for a high port
        command += ["--cluster-enabled", "yes", "--tls-cluster", "yes", "--cluster-port", str(free_port()),
                    "--cluster-config-file", str(work / "nodes.conf")]
    client = redis.Redis(host="127.0.0.1", port=port, password=password, ssl=True, ssl_ca_certs=str(tls["ca"]),
                         ssl_cert_reqs="required", socket_timeout=5)
    process = start_redis(command, client)
    if cluster:
        client.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        deadline = time.monotonic() + 20
        while b"cluster_state:ok" not in client.execute_command("CLUSTER", "INFO") and time.monotonic() < deadline:
            time.sleep(0.1)
    return {"port": port, "password": password, "client": client, "process": process}


@pytest.fixture(scope="module")
def servers(scale, tmp_path_factory):
    assert shutil.which("redis-server"), "redis-server is missing: `make test` installs it"
    _, files = scale
    tls = _tls_material(tmp_path_factory.mktemp("tls"))
    queue = _start(files["app/redis.conf"], tmp_path_factory.mktemp("queue"), tls, "__REDIS_PASSWORD__", False)
    cache = _start(files["app/redis-cache.conf"], tmp_path_factory.mktemp("cache"), tls,
                   "__CACHE_REDIS_PASSWORD__", True)
    yield {"queue": queue, "cache": cache, "tls": tls}
    for server in (queue, cache):
        server["process"].terminate()
        server["process"].wait(timeout=10)


def _environment(scale, servers, tmp_path) -> dict[str, str]:
    """The .env as `cachegen env` writes it, read the way the application reads it."""
    from cachegen.render.app import env_text

    deployment, _ = scale
    endpoints = {None: ("127.0.0.1", servers["queue"]["port"]), "cache": ("127.0.0.1", servers["cache"]["port"])}
    tokens = {g.auth_secret_name: servers["cache" if g.group_key else "queue"]["password"]
              for g in deployment.all_groups}
    return {**os.environ, "SSL_CERT_FILE": str(servers["tls"]["ca"]), "PYTHONPATH": str(tmp_path),
            **env_file_variables(env_text(deployment, endpoints, tokens))}


def test_each_role_points_at_its_group(scale):
    deployment, files = scale
    env = dict(line.split("=", 1) for line in files["app/.env.example"].splitlines() if line and line[0] != "#")
    assert "__CACHE_REDIS_HOST__" in env["REDIS_URL"] and "__CACHE_REDIS_PASSWORD__" in env["REDIS_URL"]
    for variable in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        assert "@__REDIS_HOST__:" in env[variable] and "__REDIS_PASSWORD__" in env[variable]
    assert env["REDIS_CLUSTER"] == "'true'" and env["REDIS_DB"] == "'0'"
    assert dict(deployment.effective_parameters)["maxmemory-policy"] == "noeviction"
    assert dict(deployment.group("cache").effective_parameters)["maxmemory-policy"] == "allkeys-lru"


def test_servers_run_their_groups_parameters(servers):
    assert servers["queue"]["client"].config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
    assert servers["cache"]["client"].config_get("maxmemory-policy")["maxmemory-policy"] == "allkeys-lru"


def test_celery_on_one_server_and_the_cache_on_the_other(scale, servers, tmp_path):
    _, files = scale
    (tmp_path / "probe_cache.py").write_text(
        # the application's cache, as an application reads REDIS_URL and REDIS_CLUSTER
        "import os, redis\n"
        "from redis.cluster import RedisCluster\n"
        "url = os.environ['REDIS_URL']\n"
        "client = RedisCluster.from_url(url) if os.environ['REDIS_CLUSTER'] == 'true' else redis.Redis.from_url(url)\n"
        "client.set('cachegen-probe:answer', '42')\n"
        "print(client.get('cachegen-probe:answer').decode())\n")
    env = _environment(scale, servers, tmp_path)
    output = celery_round_trip(tmp_path, env, files["app/celeryconfig.py"])
    cache = subprocess.run([sys.executable, str(tmp_path / "probe_cache.py")], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60)
    assert cache.returncode == 0 and cache.stdout.strip() == "42", cache.stdout + cache.stderr
    broker_keys, result_keys = _keys(servers, "queue", 0), _keys(servers, "queue", 1)
    assert _keys(servers, "cache", 0) == {"cachegen-probe:answer"}
    assert any(k.startswith("_kombu.binding.") for k in broker_keys), broker_keys
    assert any(k.startswith("celery-task-meta-") for k in result_keys), result_keys
    assert "cachegen-probe:answer" not in broker_keys | result_keys
    for server in ("queue", "cache"):
        assert servers[server]["password"] not in output


def _keys(servers, which: str, db: int) -> set[str]:
    import redis

    server = servers[which]
    client = redis.Redis(host="127.0.0.1", port=server["port"], password=server["password"], db=db, ssl=True,
                         ssl_ca_certs=str(servers["tls"]["ca"]), ssl_cert_reqs="required", socket_timeout=5)
    return {key.decode() for key in client.keys("*")}


def test_check_connection_reaches_the_cache_group_in_cluster_mode(scale, servers, tmp_path):
    _, files = scale
    script = tmp_path / "check_connection.py"
    script.write_text(files["app/check_connection.py"])
    env = _environment(scale, servers, tmp_path)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert servers["cache"]["password"] not in result.stdout + result.stderr
