"""The application artifacts against a real redis-server (TLS + AUTH) and a real Celery worker.

The server runs from the generated redis.conf of the perf spec (an AUTH token; prod's RBAC
users have tests/test_rbac_real_redis.py), with a throw-away CA and server certificate and a random password holding `! # $ ^` (percent-encoded in
the URLs). `make test` installs redis-server when it is missing.
"""

from __future__ import annotations

import ast
import datetime
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import (
    COMMITTED_SPECS,
    REPO,
    SPEC_DIR,
    celery_round_trip,
    env_file_variables,
    free_port,
    start_redis,
)

TOKEN_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _tls_material(directory: Path) -> dict[str, Path]:
    """A CA and a server certificate for 127.0.0.1, made for this test run only."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cachegen test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {"ca": directory / "ca.crt", "cert": directory / "redis.crt", "key": directory / "redis.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    paths["key"].chmod(0o600)
    return paths


@pytest.fixture(scope="module")
def token_spec():
    from cachegen.compiler import compile_spec, render

    _, deployment = compile_spec(SPEC_DIR / "perf.yaml")
    return deployment, render(deployment)


@pytest.fixture(scope="module")
def server(token_spec, tmp_path_factory):
    redis_server = shutil.which("redis-server")
    assert redis_server, "redis-server is missing: `make test` installs it (apt-get install redis-server)"
    deployment, files = token_spec
    work = tmp_path_factory.mktemp("redis")
    tls = _tls_material(work)
    password = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(24)) + "!#$^&<>-"
    port = free_port()
    conf = (files["app/redis.conf"]
            .replace("__TLS_CERT_FILE__", str(tls["cert"])).replace("__TLS_KEY_FILE__", str(tls["key"]))
            .replace("__TLS_CA_FILE__", str(tls["ca"])).replace("__REDIS_PASSWORD__", password)
            .replace("__DATA_DIR__", str(work)))
    assert "__" not in re.sub(r"#.*", "", conf), "a placeholder was left unfilled"
    (work / "redis.conf").write_text(conf)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, password=password, ssl=True, ssl_ca_certs=str(tls["ca"]),
                         ssl_cert_reqs="required", socket_timeout=5)
    process = start_redis([redis_server, str(work / "redis.conf"), "--tls-port", str(port)], client)
    yield {"port": port, "password": password, "tls": tls, "client": client, "work": work}
    process.terminate()
    process.wait(timeout=10)


def test_server_runs_the_parameter_group(token_spec, server):
    deployment, _ = token_spec
    left_out = deployment.elasticache_only_parameters
    applied = {name: server["client"].config_get(name)[name] for name, _ in deployment.parameters
               if name not in left_out}
    assert applied == {name: value for name, value in deployment.parameters if name not in left_out}
    assert applied["maxmemory-policy"] == "noeviction"


@pytest.mark.parametrize("family", ["redis6.x", "redis7"])
def test_redis_conf_takes_exactly_the_parameters_redis_knows(server, family):
    """parameters.yaml's `redis_conf` flag judged by a real redis-server 7: every parameter of the
    family that app/redis.conf writes is a directive the server knows, and of those it leaves out
    only cluster-enabled is (the local server runs standalone on purpose)."""
    from cachegen import catalog

    parameters = catalog.family_parameters(family)
    known = {name for name in parameters if server["client"].config_get(name)}
    written = {name for name, info in parameters.items() if info["redis_conf"]}
    assert written - known == set()
    assert known - written == {"cluster-enabled"}


def _env_file(token_spec, server, directory: Path, password: str) -> Path:
    from cachegen.render.app import env_text

    deployment, _ = token_spec
    path = directory / ".env"
    path.write_text(env_text(deployment, {None: ("127.0.0.1", server["port"])}, {c.secret_name: password for c in deployment.credentials}))
    return path


def _check(token_spec, server, tmp_path, *args: str) -> subprocess.CompletedProcess:
    _, files = token_spec
    script = tmp_path / "check_connection.py"
    script.write_text(files["app/check_connection.py"])
    env = {**os.environ, "REDIS_CA_CERTS": str(server["tls"]["ca"])}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env, timeout=60)


def test_env_works_with_check_connection(token_spec, server, tmp_path):
    env = _env_file(token_spec, server, tmp_path, server["password"])
    assert "%21%23%24%5E%26%3C%3E-" in env.read_text(), "the token must be percent-encoded in the URLs"
    result = _check(token_spec, server, tmp_path, "--env-file", str(env))
    assert result.returncode == 0, result.stdout + result.stderr
    assert server["password"] not in result.stdout + result.stderr


def test_wrong_token_fails_with_the_auth_hint(token_spec, server, tmp_path):
    env = _env_file(token_spec, server, tmp_path, "not-the-right-token-at-all!")
    result = _check(token_spec, server, tmp_path, "--env-file", str(env))
    assert result.returncode == 1
    assert "wrong AUTH token" in result.stdout + result.stderr


def test_plain_redis_url_against_tls_port_fails_with_the_tls_hint(token_spec, server, tmp_path):
    from urllib.parse import quote

    url = f"redis://:{quote(server['password'], safe='')}@127.0.0.1:{server['port']}/0"
    result = _check(token_spec, server, tmp_path, "--url", url)
    assert result.returncode == 1
    assert "TLS mismatch" in result.stdout + result.stderr


def _celery_settings() -> set[str]:
    """Celery's own settings table, plus the names its Redis backend reads directly."""
    import celery.backends.redis
    from celery.app.defaults import NAMESPACES, flatten

    source = Path(celery.backends.redis.__file__).read_text()
    read_directly = set(re.findall(r"_get\('([a-z_]+)'\)", source))
    return {name for name, _ in flatten(NAMESPACES)} | read_directly


def test_every_setting_is_a_real_celery_setting(token_spec):
    import kombu.transport.redis

    _, files = token_spec
    tree = ast.parse(files["app/celeryconfig.py"])
    names = [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
             if isinstance(t, ast.Name) and not t.id.startswith("_")]
    known = _celery_settings()
    assert names and not [n for n in names if n not in known]
    assert "redis_socket_keepalive_options" not in known, "the check must be able to reject an invented name"
    transport = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                     and getattr(node.targets[0], "id", "") == "broker_transport_options")
    options = {ast.literal_eval(k) for k in transport.keys}
    assert options <= set(kombu.transport.redis.Channel.from_transport_options)


def test_celery_worker_round_trips_a_task_over_tls_with_auth(token_spec, server, tmp_path):
    _, files = token_spec
    env_file = _env_file(token_spec, server, tmp_path, server["password"])
    # the throw-away CA, trusted the standard OpenSSL way (ElastiCache's CA is public)
    env = {**os.environ, "SSL_CERT_FILE": str(server["tls"]["ca"]), "PYTHONPATH": str(tmp_path),
           **env_file_variables(env_file.read_text())}
    output = celery_round_trip(tmp_path, env, files["app/celeryconfig.py"])
    assert "rediss://" in output
    assert server["password"] not in output and "%21%23%24" not in output, "the worker log leaked the token"


def test_no_token_in_any_artifact(server, tmp_path):
    from cachegen.compiler import compile_spec, render

    assert server["password"] not in "".join(
        text for spec in COMMITTED_SPECS for text in render(compile_spec(spec)[1]).values())
    result = subprocess.run(["grep", "-rF", server["password"], str(REPO / "out")], capture_output=True)
    assert result.returncode == 1, "the test token was found under out/"
