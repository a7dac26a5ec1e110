"""RBAC proven on a real server: prod's users (one per Celery role, an operator, the default
user switched off) with TLS, and a real Celery worker that does everything a Celery
application does on Redis.

The server runs prod's generated redis.conf, its `user` lines filled with a random password
each. Every access string is judged by Redis itself: after the worker has round-tripped
tasks (ETA, retry, group, chord, revoke) and answered `celery inspect ping` with events on,
`ACL LOG` must be empty; an entry fails the test with the command or key that was denied and
the user it was denied to. The negative cases show each user kept out of the others' keys.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import SPEC_DIR, free_port, start_redis
from test_app_real_redis import TOKEN_ALPHABET, _tls_material

# A user only the test has, to read ACL LOG (the operator may not: ACL is @dangerous).
ADMIN = "cachegen-test-admin"

TASKS = textwrap.dedent("""\
    from celery import Celery, chord, group

    app = Celery("cachegen_probe")
    app.config_from_object("celeryconfig")


    @app.task
    def add(x, y):
        return x + y


    @app.task
    def total(values):
        return sum(values)


    @app.task(bind=True, max_retries=3)
    def flaky(self, attempts_before_success):
        if self.request.retries < attempts_before_success:
            raise self.retry(countdown=1)
        return self.request.retries
    """)

CLIENT = textwrap.dedent("""\
    import sys
    from probe_tasks import add, app, chord, flaky, group, total

    assert add.delay(2, 3).get(timeout=60) == 5, "round trip"
    assert add.apply_async((4, 5), countdown=2).get(timeout=60) == 9, "ETA"
    assert flaky.delay(1).get(timeout=60) == 1, "retry"
    assert group(add.s(i, i) for i in range(4))().get(timeout=60) == [0, 2, 4, 6], "group"
    assert chord((add.s(i, 1) for i in range(3)), total.s())().get(timeout=60) == 6, "chord"
    revoked = add.apply_async((1, 1), countdown=30)
    revoked.revoke()
    replies = app.control.inspect(timeout=5).ping()
    assert replies and all(r == {"ok": "pong"} for r in replies.values()), replies
    app.control.enable_events(reply=True, timeout=5)
    print("ok")
    """)


@pytest.fixture(scope="module")
def prod():
    from cachegen.compiler import compile_spec, render

    _, deployment = compile_spec(SPEC_DIR / "prod.yaml")
    assert deployment.auth_mode == "rbac", "prod.yaml is the committed RBAC spec"
    return deployment, render(deployment)


def _password() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(24)) + "!#$^&<>-"


@pytest.fixture(scope="module")
def server(prod, tmp_path_factory):
    redis_server = shutil.which("redis-server")
    assert redis_server, "redis-server is missing: `make test` installs it (apt-get install redis-server)"
    deployment, files = prod
    work = tmp_path_factory.mktemp("rbac")
    tls = _tls_material(work)
    passwords = {c.secret_name: _password() for c in deployment.credentials}
    admin_password = _password()
    conf = (files["app/redis.conf"]
            .replace("__TLS_CERT_FILE__", str(tls["cert"])).replace("__TLS_KEY_FILE__", str(tls["key"]))
            .replace("__TLS_CA_FILE__", str(tls["ca"])).replace("__DATA_DIR__", str(work)))
    for credential in deployment.credentials:
        conf = conf.replace(credential.placeholder, passwords[credential.secret_name])
    assert "__" not in re.sub(r"#.*", "", conf), "a placeholder was left unfilled"
    conf += f"user {ADMIN} on >{admin_password} ~* &* +@all\n"
    (work / "redis.conf").write_text(conf)
    import redis

    port = free_port()
    admin = redis.Redis(host="127.0.0.1", port=port, username=ADMIN, password=admin_password, ssl=True,
                        ssl_ca_certs=str(tls["ca"]), ssl_cert_reqs="required", socket_timeout=5)
    process = start_redis([redis_server, str(work / "redis.conf"), "--tls-port", str(port)], admin)
    yield {"port": port, "passwords": passwords, "tls": tls, "admin": admin, "admin_password": admin_password,
           "work": work}
    process.terminate()
    process.wait(timeout=10)


def _as(server, deployment, role: str, db: int = 0):
    import redis

    [user] = [u for u in deployment.users if u.role == role]
    return redis.Redis(host="127.0.0.1", port=server["port"], db=db, username=user.user_name,
                       password=server["passwords"][user.credential.secret_name], ssl=True,
                       ssl_ca_certs=str(server["tls"]["ca"]), ssl_cert_reqs="required", socket_timeout=5)


def _denials(server) -> list[str]:
    """ACL LOG as lines naming who was denied what; the log is then reset for the next test."""
    entries = server["admin"].acl_log()
    server["admin"].acl_log_reset()
    return sorted({f"{e['username']}: {e['reason']} `{e['object']}` ({e['context']})" for e in entries})


def _environment(prod, server, directory: Path) -> dict[str, str]:
    from cachegen.render.app import env_text

    deployment, _ = prod
    env_file = directory / ".env"
    env_file.write_text(env_text(deployment, {None: ("127.0.0.1", server["port"])}, server["passwords"]))
    # the throw-away CA, trusted the standard OpenSSL way (ElastiCache's CA is public)
    env = {**os.environ, "SSL_CERT_FILE": str(server["tls"]["ca"]), "PYTHONPATH": str(directory)}
    for line in env_file.read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value.strip("'")
    return env


def test_celery_runs_with_only_its_roles_access(prod, server, tmp_path):
    """A prefork worker with events, gossip and mingle, an event receiver (`celery events
    --dump`); tasks, ETA, retry, group, chord, revoke, remote control; then a task held for its ETA
    when the worker shuts down warm is put back in the queue. All through the broker and result
    backend users, and nothing denied."""
    import redis

    deployment, files = prod
    _denials(server)
    (tmp_path / "celeryconfig.py").write_text(files["app/celeryconfig.py"])
    (tmp_path / "probe_tasks.py").write_text(TASKS)
    env = _environment(prod, server, tmp_path)
    celery = [sys.executable, "-m", "celery", "-A", "probe_tasks"]
    worker = subprocess.Popen([*celery, "worker", "--pool=prefork", "--concurrency=2", "--loglevel=INFO", "-E",
                               "-n", "probe@%h"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    events = subprocess.Popen([*celery, "events", "--dump"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    broker = deployment.key_prefixes["broker"]
    admin = redis.Redis(host="127.0.0.1", port=server["port"], db=deployment.celery.broker.db, username=ADMIN,
                        password=server["admin_password"], ssl=True, ssl_ca_certs=str(server["tls"]["ca"]),
                        ssl_cert_reqs="required")
    try:
        client = subprocess.run([sys.executable, "-c", CLIENT], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=180)
        inspect = subprocess.run([*celery, "inspect", "ping", "--timeout=5"], cwd=tmp_path, env=env,
                                 capture_output=True, text=True, timeout=60)
        held = subprocess.run([sys.executable, "-c", "import probe_tasks; "
                               "print(probe_tasks.add.apply_async((1, 1), countdown=3600).id)"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        for _ in range(100):  # the worker reserves the ETA task: kombu keeps it in unacked
            if admin.hlen(f"{broker}unacked"):
                break
            __import__("time").sleep(0.2)
        unacked = admin.hlen(f"{broker}unacked")
    finally:
        events.terminate()
        event_log, _ = events.communicate(timeout=30)
        worker.terminate()  # SIGTERM: a warm shutdown, which restores what it holds
        output, _ = worker.communicate(timeout=60)
    denied = _denials(server)
    assert not denied, "the access strings lack what Celery used:\n" + "\n".join(denied)
    assert client.returncode == 0 and client.stdout.strip() == "ok", client.stdout + client.stderr + output[-3000:]
    assert inspect.returncode == 0 and "pong" in inspect.stdout, inspect.stdout + inspect.stderr
    assert held.returncode == 0 and unacked >= 1, f"the ETA task was not held ({unacked})"
    assert admin.hlen(f"{broker}unacked") == 0 and admin.llen(f"{broker}celery") >= 1, "not restored at shutdown"
    assert "task succeeded" in event_log or "task-succeeded" in event_log, event_log[-2000:]
    assert not re.search(r"NOPERM|NoPermission|NOSCRIPT|AuthenticationError", output + event_log)
    for password in server["passwords"].values():
        assert password not in output + event_log + client.stdout + client.stderr, "a password reached a log"


def test_every_key_celery_wrote_has_its_roles_prefix(prod, server):
    """After the Celery run: each role's database holds keys, all of them under its prefix."""
    deployment, _ = prod
    import redis

    for role, db in (("broker", deployment.celery.broker.db), ("result_backend", deployment.celery.result_backend.db)):
        admin = redis.Redis(host="127.0.0.1", port=server["port"], db=db, username=ADMIN,
                            password=server["admin_password"], ssl=True, ssl_ca_certs=str(server["tls"]["ca"]),
                            ssl_cert_reqs="required")
        keys = [k.decode() for k in admin.scan_iter("*")]
        assert keys, f"no {role} keys: the Celery test must run first"
        stray = [k for k in keys if not k.startswith(deployment.key_prefixes[role])]
        assert not stray, f"{role} keys outside {deployment.key_prefixes[role]}: {stray[:5]}"


@pytest.mark.parametrize("role, foreign_key", [
    ("cache", "broker:celery"), ("cache", "results:celery-task-meta-1"),
    ("broker", "cache:session"), ("broker", "results:celery-task-meta-1"),
    ("result_backend", "broker:celery"), ("result_backend", "cache:session"),
])
def test_each_user_is_kept_out_of_the_other_roles_keys(prod, server, role, foreign_key):
    import redis

    deployment, _ = prod
    client = _as(server, deployment, role, db=getattr(deployment.celery, role).db)
    with pytest.raises(redis.exceptions.NoPermissionError):
        client.get(foreign_key)
    with pytest.raises(redis.exceptions.NoPermissionError):
        client.delete(foreign_key)
    _denials(server)


@pytest.mark.parametrize("role", ["broker", "result_backend", "cache", "operator"])
def test_no_user_flushes_or_reconfigures(prod, server, role):
    import redis

    deployment, _ = prod
    client = _as(server, deployment, role)
    for command in (("FLUSHDB",), ("FLUSHALL",), ("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"), ("KEYS", "*"),
                    ("ACL", "SETUSER", "intruder", "on", ">x", "+@all")):
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.execute_command(*command)
    _denials(server)


def test_the_cache_user_works_within_its_prefix(prod, server):
    deployment, _ = prod
    client = _as(server, deployment, "cache", db=deployment.celery.cache.db)
    prefix = deployment.key_prefixes["cache"]
    assert client.set(f"{prefix}k", "v", ex=60) and client.get(f"{prefix}k") == b"v"
    assert client.mset({f"{prefix}a": 1, f"{prefix}b": 2}) and client.mget(f"{prefix}a", f"{prefix}b") == [b"1", b"2"]
    assert client.incr(f"{prefix}n") == 1 and client.exists(f"{prefix}n") == 1 and client.delete(f"{prefix}n") == 1
    assert not _denials(server)


def test_the_default_user_cannot_log_in(prod, server):
    import redis

    from redis.backoff import NoBackoff
    from redis.retry import Retry

    once = Retry(NoBackoff(), 0)  # redis-py retries an AuthenticationError (a ConnectionError) by default
    anonymous = redis.Redis(host="127.0.0.1", port=server["port"], ssl=True, ssl_ca_certs=str(server["tls"]["ca"]),
                            ssl_cert_reqs="required", socket_timeout=5, retry=once)
    with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError)):
        anonymous.ping()  # no AUTH: the default user is off
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=server["port"], username="default", password="anything-at-all",
                    ssl=True, ssl_ca_certs=str(server["tls"]["ca"]), ssl_cert_reqs="required", retry=once).ping()
    _denials(server)


def test_check_connection_passes_with_the_cache_user(prod, server, tmp_path):
    deployment, files = prod
    env = _environment(prod, server, tmp_path)
    env["REDIS_CA_CERTS"] = str(server["tls"]["ca"])
    script = tmp_path / "check_connection.py"
    script.write_text(files["app/check_connection.py"])
    result = subprocess.run([sys.executable, str(script), "--env-file", str(tmp_path / ".env")], capture_output=True,
                            text=True, env={k: v for k, v in env.items() if k != "REDIS_URL"}, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "INFO is not allowed for this user" in result.stdout
    [cache_user] = [u.user_name for u in deployment.users if u.role == "cache"]
    assert _denials(server) == [f"{cache_user}: command `info` (toplevel)"], "only INFO, which the script reports"


def test_health_figures_need_the_operator_user(prod, server, tmp_path):
    """redis_health.py runs INFO and SLOWLOG GET: the operator user may, the cache user gets the hint."""
    from urllib.parse import quote

    deployment, files = prod
    script = tmp_path / "redis_health.py"
    script.write_text(files["app/redis_health.py"])
    env = {**os.environ, "REDIS_CA_CERTS": str(server["tls"]["ca"])}
    env.pop("REDIS_URL", None)

    def url(role: str) -> str:
        [user] = [u for u in deployment.users if u.role == role]
        password = quote(server["passwords"][user.credential.secret_name], safe="")
        return f"rediss://{user.user_name}:{password}@127.0.0.1:{server['port']}/0?ssl_cert_reqs=required"

    operator = subprocess.run([sys.executable, str(script), "--url", url("operator")], capture_output=True, text=True,
                              env=env, timeout=60)
    assert operator.returncode == 0, operator.stdout + operator.stderr
    assert "maxmemory_policy" in operator.stdout and "noeviction" in operator.stdout
    cache = subprocess.run([sys.executable, str(script), "--url", url("cache")], capture_output=True, text=True,
                           env=env, timeout=60)
    assert cache.returncode == 1 and "operator user" in cache.stdout + cache.stderr
    assert not [p for p in server["passwords"].values() if p in operator.stdout + cache.stdout + cache.stderr]
    _denials(server)


def test_a_missing_command_fails_the_check_by_name(prod, server, tmp_path):
    """The check of the Celery test is real: with LPUSH taken from the broker user, publishing a
    task is refused and ACL LOG names the command and the user."""
    deployment, files = prod
    [broker] = [u.user_name for u in deployment.users if u.role == "broker"]
    (tmp_path / "celeryconfig.py").write_text(files["app/celeryconfig.py"])
    (tmp_path / "probe_tasks.py").write_text(TASKS)
    env = _environment(prod, server, tmp_path)
    _denials(server)
    server["admin"].execute_command("ACL", "SETUSER", broker, "-lpush")
    try:
        publish = subprocess.run([sys.executable, "-c", "import probe_tasks; probe_tasks.add.delay(1, 2)"],
                                 cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    finally:
        server["admin"].execute_command("ACL", "SETUSER", broker, "+lpush")
    assert publish.returncode != 0 and "lpush" in publish.stderr
    assert f"{broker}: command `lpush` (toplevel)" in _denials(server)


def test_the_rules_follow_the_prefix_celery_really_uses(tmp_path):
    """Celery appends `_` to a result global_keyprefix ending in none of `:_-.`: the model writes the
    prefix as Celery will use it, so the result backend user's key and channel rules match."""
    import fnmatch

    from cachegen.compiler import compile_spec, render

    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "odd.yaml"
    spec.write_text("extends: base.yaml\nenvironment: odd\nsecurity: {auth: {mode: rbac}}\n"
                    "celery: {result_backend: {key_prefix: 'jobs/res'}}\n")
    _, d = compile_spec(spec)
    (tmp_path / "celeryconfig.py").write_text(render(d)["app/celeryconfig.py"])
    probe = subprocess.run([sys.executable, "-c", textwrap.dedent("""\
        from celery import Celery
        app = Celery("probe")
        app.config_from_object("celeryconfig")
        key = app.backend.get_key_for_task("abc")
        print(key.decode() if isinstance(key, bytes) else key)
        """)], cwd=tmp_path, capture_output=True, text=True, timeout=60, env={
        **os.environ, "PYTHONPATH": str(tmp_path), "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "CELERY_RESULT_BACKEND": "redis://127.0.0.1:1/1"})
    assert probe.returncode == 0, probe.stderr
    key = probe.stdout.strip()
    [user] = [u for u in d.users if u.role == "result_backend"]
    rules = user.access_string.split()
    assert key == "jobs/res_celery-task-meta-abc"
    assert any(fnmatch.fnmatchcase(key, r[1:]) for r in rules if r.startswith("~"))
    assert any(fnmatch.fnmatchcase(key, r[1:]) for r in rules if r.startswith("&"))  # the channel is the key
