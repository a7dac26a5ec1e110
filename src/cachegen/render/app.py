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
from ..model import Deployment, placeholder_prefix, token_placeholder
from ..plan import Plan
from .escape import Conf, Python, comment, conf_value, dotenv_name, dotenv_value, python_literal

HOST_PLACEHOLDER = "__REDIS_HOST__"
# An endpoint per group: its key (None: the spec's own group) -> (host, port)
Endpoints = Mapping[str | None, tuple[str, int]]


def host_placeholder(group_key: str | None) -> str:
    """The endpoint's stand-in; another group's carries its key: __CACHE_REDIS_HOST__."""
    return f"__{placeholder_prefix(group_key)}REDIS_HOST__"


def placeholder_endpoints(d: Deployment) -> dict[str | None, tuple[str, int]]:
    """Every group's endpoint as .env.example shows it: a placeholder host (or the group's DNS record,
    when its URLs name it) and the spec's port."""
    return {group.group_key: (url_host(group) or host_placeholder(group.group_key), group.port)
            for group in d.all_groups}


def url_host(d: Deployment) -> str | None:
    """The host the application's URLs name for this group when the spec fixes it (its Route 53
    record, `dns.use_in_urls`); None: the endpoint AWS gives it."""
    return d.dns.name if d.dns is not None and d.dns.use_in_urls else None
SCRIPTS = ("check_connection.py", "redis_health.py")
ENVIRONMENT_LINE = "\nENVIRONMENT = None\n"


def emit(d: Deployment, plan: Plan) -> dict[str, str]:
    files = {
        ".env.example": env_text(d, placeholder_endpoints(d), placeholders(d), placeholders=True),
    }
    for group in d.all_groups:  # a local server per group: redis.conf, redis-<key>.conf (a serverless cache has
        if not group.serverless:  # no parameter group to mirror: any local server stands in for it)
            files[f"redis-{group.group_key}.conf" if group.group_key else "redis.conf"] = _redis_conf(group)
    if _roles(d) & {"broker", "result_backend"}:
        files["celeryconfig.py"] = _celeryconfig(d)
    if d.auth_mode == "iam":
        files["elasticache_iam.py"] = _iam_module(d)
    for script in SCRIPTS:  # each copy knows its environment (python_literal: a spec value in Python)
        if ENVIRONMENT_LINE not in _script(script):
            raise RuntimeError(f"templates/app/{script} lost its `ENVIRONMENT = None` line")
        files[script] = _script(script).replace(ENVIRONMENT_LINE, f"\nENVIRONMENT = {python_literal(d.environment)}\n", 1)
    return files


def placeholders(d: Deployment) -> dict[str, str]:
    """Each secret's stand-in in the committed files, of every group: secret name -> placeholder."""
    return {c.secret_name: c.placeholder for group in d.all_groups for c in group.credentials}


def _roles(d: Deployment) -> frozenset[str]:
    """The Celery roles the environment's groups serve."""
    return frozenset(role for group in d.all_groups for role in group.roles)


def secrets_needed(d: Deployment) -> tuple[str, ...]:
    """The secrets the application's URLs need (never the operator's): what `cachegen env` reads."""
    return tuple(dict.fromkeys(url.credential.secret_name for url in d.urls if url.credential))


def urls(d: Deployment, endpoints: Endpoints, passwords: Mapping[str, str]) -> dict[str, str]:
    """Each URL of the model at its group's endpoint, with its user and password (secret name ->
    value), both percent-encoded (`! # $ ^` and friends)."""
    out = {}
    for url in d.urls:
        host, port = endpoints[url.group]
        credentials = ""
        user = quote(url.user, safe="") if url.user and url.user_in_url else ""
        if url.credential and passwords.get(url.credential.secret_name):
            credentials = f"{user}:{quote(passwords[url.credential.secret_name], safe='')}@"
        elif user:  # IAM: the user is named, its token comes from the provider
            credentials = f"{user}@"
        out[url.variable] = f"{d.group(url.group).url_scheme}://{credentials}{host}:{port}/{url.db}{url.query}"
    return out


def env_text(d: Deployment, endpoints: Endpoints, passwords: Mapping[str, str], placeholders: bool = False) -> str:
    """The .env file; raises escape.UnsafeValue for a value a .env file cannot hold. REDIS_HOST and
    its neighbours describe the group REDIS_URL points at."""
    app = d.urls[0]
    group = d.group(app.group)
    host, port = endpoints[app.group]
    variables = [("REDIS_HOST", host), ("REDIS_PORT", str(port)), ("REDIS_DB", str(d.app_db)),
                 ("REDIS_SSL", "true" if group.tls else "false"),
                 ("REDIS_CLUSTER", "true" if group.cluster_mode_enabled else "false")]
    if app.user:
        variables.append(("REDIS_USERNAME", app.user))
    if app.credential:
        variables.append(("REDIS_PASSWORD", passwords.get(app.credential.secret_name, "")))
    if app.credential_provider:
        variables.append(("REDIS_CREDENTIAL_PROVIDER", app.credential_provider))
    if d.app_key_prefix:
        variables.append(("REDIS_KEY_PREFIX", d.app_key_prefix))
    variables += list(urls(d, endpoints, passwords).items())
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
        token_placeholder=conf_value(token_placeholder(d.group_key)),
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
    # a group in another region than the environment's (a Global Datastore secondary) signs for its own
    providers = [(Python(u.credential_provider.rsplit(".", 1)[1]), python_literal(u.user_name),
                  python_literal(group.replication_group_id.lower()), group.serverless is not None,
                  python_literal(group.region) if group.region != d.region else None)
                 for group in d.all_groups for u in group.users
                 if u.credential_provider and u.credential_provider.rsplit(".", 1)[1].isidentifier()]
    return templates.render(
        "app/elasticache_iam.py.j2", title=comment(f"IAM token providers for {d.name} ({d.environment}), generated by "
                                                   f"cachegen from {d.spec_file}."),
        group_comment=comment(("Replication groups " if d.other_groups else "Replication group ")
                              + ", ".join(g.replication_group_id for g in d.all_groups)),
        region=python_literal(d.region), token_seconds=catalog.features()["iam_token_seconds"],
        kombu_minimum=comment(minimums["kombu"]), celery_minimum=comment(minimums["celery"]),
        kombu_tuple=Python(repr(catalog.version_key(minimums["kombu"]))),
        celery_tuple=Python(repr(catalog.version_key(minimums["celery"]))), providers=providers)


def _celeryconfig(d: Deployment) -> str:
    roles = _roles(d)
    # the group of the broker, else of the result backend: its settings (TLS, idle timeout) apply
    group = next(g for role in ("broker", "result_backend") for g in d.all_groups if role in g.roles)
    celery = group.celery
    assert celery is not None
    return templates.render(
        "app/celeryconfig.py.j2", c=celery, broker="broker" in roles, result_backend="result_backend" in roles,
        tls=group.tls, title=comment(f"Celery configuration for {d.name} ({d.environment}), generated by cachegen "
                                     f"from {d.spec_file}."),
        keepalive=group.client_keepalive,
        server_timeout=comment(f"{group.server_idle_timeout} s" if group.server_idle_timeout else "off"),
        broker_url=python_literal("CELERY_BROKER_URL"), result_backend_url=python_literal("CELERY_RESULT_BACKEND"),
        broker_prefix=_prefix(d, "broker"), result_prefix=_prefix(d, "result_backend"), iam=d.auth_mode == "iam")


def _prefix(d: Deployment, role: str):
    prefix = next((g.key_prefixes[role] for g in d.all_groups if role in g.key_prefixes), None)
    return python_literal(prefix) if prefix else None


@cache
def _script(name: str) -> str:
    """The scripts are plain Python (they run with only `redis` installed): copied as they are."""
    text = (templates.templates_dir() / "app" / name).read_text(encoding="utf-8")
    return f"# Generated by cachegen (templates/app/{name}); do not edit.\n{text}"
