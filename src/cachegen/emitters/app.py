"""What the application team consumes: out/<env>/app/.

.env.example (placeholders, never the token), celeryconfig.py (reads the environment),
redis.conf (a local server with the environment's settings) and the connection and
health scripts. `env_text` also serves `cachegen env`, which fills in the real values.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from .. import templates
from ..model import Deployment

HOST_PLACEHOLDER = "__REDIS_HOST__"
PASSWORD_PLACEHOLDER = "__REDIS_PASSWORD__"
# ElastiCache parameters with no redis.conf directive of the same meaning
NOT_IN_REDIS_CONF = {"cluster-enabled", "reserved-memory", "reserved-memory-percent", "close-on-replica-write",
                     "cluster-allow-reads-when-down", "cluster-allow-pubsubshard-when-down"}
SCRIPTS = ("check_connection.py", "redis_health.py")


@dataclass(frozen=True)
class Keepalive:
    idle: int
    interval: int
    count: int


def emit(d: Deployment) -> dict[str, str]:
    files = {
        ".env.example": env_text(d, HOST_PLACEHOLDER, d.spec.port, PASSWORD_PLACEHOLDER, placeholders=True),
        "redis.conf": _redis_conf(d),
    }
    if d.spec.celery.enabled:
        files["celeryconfig.py"] = _celeryconfig(d)
    for script in SCRIPTS:
        files[script] = _script(script)
    return files


def urls(d: Deployment, host: str, port: int, password: str | None) -> dict[str, str]:
    """The URL of each role's database; the password percent-encoded (`! # $ ^` and friends)."""
    credentials = f":{quote(password, safe='')}@" if d.auth and password else ""
    query = "?ssl_cert_reqs=required" if d.tls else ""
    celery = d.spec.celery

    def url(db: int) -> str:
        return f"{d.url_scheme}://{credentials}{host}:{port}/{db}{query}"

    out = {}
    if celery.enabled and celery.broker.enabled:
        out["CELERY_BROKER_URL"] = url(celery.broker.db)
    if celery.enabled and celery.result_backend.enabled:
        out["CELERY_RESULT_BACKEND"] = url(celery.result_backend.db)
    out["REDIS_URL"] = url(app_db(d))
    return out


def app_db(d: Deployment) -> int:
    """REDIS_DB / REDIS_URL: the cache's database, else the broker's, else 0."""
    celery = d.spec.celery
    if celery.enabled and celery.cache.enabled:
        return celery.cache.db
    if celery.enabled and celery.broker.enabled:
        return celery.broker.db
    return 0


def env_text(d: Deployment, host: str, port: int, password: str | None, placeholders: bool = False) -> str:
    variables = [("REDIS_HOST", host), ("REDIS_PORT", str(port)), ("REDIS_DB", str(app_db(d))),
                 ("REDIS_SSL", "true" if d.tls else "false")]
    if d.auth:
        variables.append(("REDIS_PASSWORD", password or ""))
    variables += sorted(urls(d, host, port, password).items(), key=lambda item: item[0] != "REDIS_URL")
    for name, value in variables:
        if "'" in value or "\n" in value:
            raise ValueError(f"{name} cannot be written to a .env file")  # AWS tokens never hold these
    return templates.render("app/env.j2", d=d, variables=variables, placeholders=placeholders)


def _redis_conf(d: Deployment) -> str:
    parameters = [(name, value if value != "" else '""') for name, value in d.parameters]
    return templates.render(
        "app/redis.conf.j2", d=d,
        parameters=[(n, v) for n, v in parameters if n not in NOT_IN_REDIS_CONF],
        skipped=[(n, v) for n, v in parameters if n in NOT_IN_REDIS_CONF])


def _celeryconfig(d: Deployment) -> str:
    celery = d.spec.celery
    server_timeout = dict(d.parameters).get("timeout", "0")
    return templates.render(
        "app/celeryconfig.py.j2", d=d, c=celery,
        # client keepalive probes well inside the server's tcp-keepalive and any NAT idle timeout
        keepalive=Keepalive(idle=60, interval=10, count=3),
        server_timeout=f"{server_timeout} s" if server_timeout != "0" else "off",
        broker_max_connections=celery.broker.pool_limit)


def _script(name: str) -> str:
    """The scripts are plain Python (they run with only `redis` installed): copied as they are."""
    return (templates.templates_dir() / "app" / name).read_text(encoding="utf-8")
