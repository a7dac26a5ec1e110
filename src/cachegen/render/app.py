"""What the application team consumes: out/<env>/app/.

.env.example (placeholders, never the token), celeryconfig.py (reads the environment),
redis.conf (a local server with the environment's settings) and the connection and
health scripts. `env_text` also serves `cachegen env`, which fills in the real values.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from urllib.parse import quote

from .. import templates
from ..model import Deployment
from ..plan import Plan
from .escape import Conf, Python, comment, conf_value, dotenv_name, dotenv_value, python_literal

HOST_PLACEHOLDER = "__REDIS_HOST__"
SCRIPTS = ("check_connection.py", "redis_health.py")
ENVIRONMENT_LINE = "\nENVIRONMENT = None\n"


def emit(d: Deployment, plan: Plan) -> dict[str, str]:
    files = {
        ".env.example": env_text(d, HOST_PLACEHOLDER, d.port, placeholders(d), placeholders=True),
        "redis.conf": _redis_conf(d),
    }
    if d.roles & {"broker", "result_backend"}:
        files["celeryconfig.py"] = _celeryconfig(d)
    if d.auth_mode == "iam":
        files["elasticache_iam.py"] = _iam_module(d)
    for script in SCRIPTS:  # each copy knows its environment (python_literal: a spec value in Python)
        if ENVIRONMENT_LINE not in _script(script):
            raise RuntimeError(f"templates/app/{script} lost its `ENVIRONMENT = None` line")
        files[script] = _script(script).replace(ENVIRONMENT_LINE, f"\nENVIRONMENT = {python_literal(d.environment)}\n", 1)
    return files


def placeholders(d: Deployment) -> dict[str, str]:
    """Each secret's stand-in in the committed files: secret name -> placeholder."""
    return {c.secret_name: c.placeholder for c in d.credentials}


def secrets_needed(d: Deployment) -> tuple[str, ...]:
    """The secrets the application's URLs need (never the operator's): what `cachegen env` reads."""
    return tuple(dict.fromkeys(url.credential.secret_name for url in d.urls if url.credential))


def urls(d: Deployment, host: str, port: int, passwords: Mapping[str, str]) -> dict[str, str]:
    """Each URL of the model with its user and password (secret name -> value), both
    percent-encoded (`! # $ ^` and friends)."""
    out = {}
    for url in d.urls:
        credentials = ""
        user = quote(url.user, safe="") if url.user and url.user_in_url else ""
        if url.credential and passwords.get(url.credential.secret_name):
            credentials = f"{user}:{quote(passwords[url.credential.secret_name], safe='')}@"
        elif user:  # IAM: the user is named, its token comes from the provider
            credentials = f"{user}@"
        out[url.variable] = f"{d.url_scheme}://{credentials}{host}:{port}/{url.db}{url.query}"
    return out


def env_text(d: Deployment, host: str, port: int, passwords: Mapping[str, str], placeholders: bool = False) -> str:
    """The .env file; raises escape.UnsafeValue for a value a .env file cannot hold."""
    variables = [("REDIS_HOST", host), ("REDIS_PORT", str(port)), ("REDIS_DB", str(d.app_db)),
                 ("REDIS_SSL", "true" if d.tls else "false"),
                 ("REDIS_CLUSTER", "true" if d.cluster_mode_enabled else "false")]
    app = d.urls[0]
    if app.user:
        variables.append(("REDIS_USERNAME", app.user))
    if app.credential:
        variables.append(("REDIS_PASSWORD", passwords.get(app.credential.secret_name, "")))
    if app.credential_provider:
        variables.append(("REDIS_CREDENTIAL_PROVIDER", app.credential_provider))
    if d.app_key_prefix:
        variables.append(("REDIS_KEY_PREFIX", d.app_key_prefix))
    variables += list(urls(d, host, port, passwords).items())
    return templates.render("app/env.env.j2", spec_file=comment(d.spec_file), environment=comment(d.environment),
                            placeholders=placeholders, rbac=d.auth_mode == "rbac", iam=d.auth_mode == "iam",
                            variables=[(dotenv_name(name), dotenv_value(name, value)) for name, value in variables])


def _redis_conf(d: Deployment) -> str:
    left_out = d.elasticache_only_parameters
    parameters = [(conf_value(name), conf_value(value)) for name, value in d.effective_parameters
                  if name not in left_out]
    skipped = [comment(f"{name} {value}") for name, value in d.effective_parameters if name in left_out]
    return templates.render(
        "app/redis.conf.conf.j2", spec_file=comment(d.spec_file), environment=comment(d.environment),
        features=comment("".join(["TLS, " if d.tls else "",
                                  {"token": "a password, ", "rbac": "its users (RBAC), ",
                                   "iam": "its users (with passwords here: IAM exists only on AWS), "}
                                  .get(d.auth_mode or "", "")])),
        tls=d.tls, token=d.auth_mode == "token", users=_acl_users(d), port=d.port, parameters=parameters, skipped=skipped,
        group=comment(f"{d.parameter_group_name} ({d.engine_family})"),
        node=comment(f"{d.node.name} has {d.node.memory_gib} GiB; ElastiCache sets maxmemory to "
                     f"{d.node.maxmemory_bytes} bytes"))


# ElastiCache switches the default user off when a Valkey user group is attached; the local
# server mirrors it for every RBAC spec (a Redis OSS spec also lists it among its users).
DEFAULT_USER_OFF = ("default", ("off", "-@all"))


def _acl_users(d: Deployment) -> list[tuple[Conf, Conf]]:
    """redis.conf `user` lines: name, then each ACL rule as its own argument (the password a
    placeholder: `>__BROKER_PASSWORD__`)."""
    if not d.users:
        return []
    lines = [] if any(u.user_name == "default" for u in d.users) else [DEFAULT_USER_OFF]
    # an IAM user gets a local password (__<ROLE>_PASSWORD__): a local server cannot check IAM tokens
    lines += [(u.user_name, ((">" + _local_placeholder(u),) if u.authentication != "none" else ())
               + tuple(u.access_string.split())) for u in d.users]
    return [(conf_value(name), Conf(" ".join(conf_value(rule) for rule in rules))) for name, rules in lines]


def _local_placeholder(user) -> str:
    from .. import access

    return user.credential.placeholder if user.credential else access.password_placeholder(user.role)


def _iam_module(d: Deployment) -> str:
    from .. import access, catalog

    minimums = access.iam_client_minimums()
    providers = [(Python(u.credential_provider.rsplit(".", 1)[1]), python_literal(u.user_name))
                 for u in d.users if u.credential_provider and u.credential_provider.rsplit(".", 1)[1].isidentifier()]
    return templates.render(
        "app/elasticache_iam.py.j2", title=comment(f"IAM token providers for {d.name} ({d.environment}), generated by "
                                                   f"cachegen from {d.spec_file}."),
        group_comment=comment(d.replication_group_id), group=python_literal(d.replication_group_id.lower()),
        region=python_literal(d.region), token_seconds=catalog.features()["iam_token_seconds"],
        kombu_minimum=comment(minimums["kombu"]), celery_minimum=comment(minimums["celery"]),
        kombu_tuple=Python(repr(catalog.version_key(minimums["kombu"]))),
        celery_tuple=Python(repr(catalog.version_key(minimums["celery"]))), providers=providers)


def _celeryconfig(d: Deployment) -> str:
    celery = d.celery
    assert celery is not None
    return templates.render(
        "app/celeryconfig.py.j2", c=celery, broker="broker" in d.roles, result_backend="result_backend" in d.roles,
        tls=d.tls, title=comment(f"Celery configuration for {d.name} ({d.environment}), generated by cachegen from "
                                 f"{d.spec_file}."),
        keepalive=d.client_keepalive,
        server_timeout=comment(f"{d.server_idle_timeout} s" if d.server_idle_timeout else "off"),
        broker_url=python_literal("CELERY_BROKER_URL"), result_backend_url=python_literal("CELERY_RESULT_BACKEND"),
        broker_prefix=_prefix(d, "broker"), result_prefix=_prefix(d, "result_backend"), iam=d.auth_mode == "iam")


def _prefix(d: Deployment, role: str):
    prefix = d.key_prefixes.get(role)
    return python_literal(prefix) if prefix else None


@cache
def _script(name: str) -> str:
    """The scripts are plain Python (they run with only `redis` installed): copied as they are."""
    text = (templates.templates_dir() / "app" / name).read_text(encoding="utf-8")
    return f"# Generated by cachegen (templates/app/{name}); do not edit.\n{text}"
