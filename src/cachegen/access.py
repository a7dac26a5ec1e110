"""Least-privilege access (RBAC): each Celery role's Redis ACL rules, derived from data.

`data/access.yaml` lists, per role, the commands that kombu's Redis transport, Celery's
Redis result backend and a cache client issue, each with the source line it comes from;
the key and channel patterns are written around the role's key prefix. The access string
of a user is built here and nowhere else: the CloudFormation user, the CLI script, the local
redis.conf and the real-server test all read `User.access_string`.
"""

from __future__ import annotations

from typing import Any

from . import catalog

# The Celery roles that get a user of their own, in the order users are listed.
ROLES = ("broker", "result_backend", "cache")
SHORT_NAMES = {"broker": "broker", "result_backend": "results", "cache": "cache", "operator": "operator"}


def _data() -> dict[str, Any]:
    return catalog.access_rules()


def default_prefix(role: str) -> str:
    return _data()["default_prefixes"][role]


def effective_prefix(role: str, prefix: str) -> str:
    """The prefix the role's client really uses: Celery's result backend appends "_" to one that
    ends in none of its separators (the access rules must match the keys it writes)."""
    separators = _data()["roles"][role].get("prefix_ends_with")
    if separators and prefix and prefix[-1] not in separators:
        return prefix + "_"
    return prefix


def short_name(role: str) -> str:
    """The role's word in user ids, secret names and placeholders: `results`, not `result_backend`."""
    return SHORT_NAMES[role]


def password_placeholder(role: str, group_key: str | None = None) -> str:
    """The stand-in for a role's password in .env.example and redis.conf: __BROKER_PASSWORD__. An
    application role has one group in the environment; each group has an operator, so another
    group's operator carries the group's key: __CACHE_OPERATOR_PASSWORD__."""
    from .model import placeholder_prefix

    return f"__{placeholder_prefix(group_key if role == 'operator' else None)}{short_name(role).upper()}_PASSWORD__"


def purpose(role: str) -> str:
    return _data()["roles"][role]["purpose"]


def _applies(condition: dict[str, Any], db: int | None, engine: str, version: str) -> bool:
    """Whether a conditional command is needed (db_not_zero) and known to the engine (min_<engine>)."""
    if condition.get("db_not_zero") and not db:
        return False
    minimum = condition.get(f"min_{engine}")
    return minimum is None or catalog.version_key(version) >= catalog.version_key(minimum)


def access_string(role: str, prefix: str, db: int | None, engine: str, version: str) -> str:
    """`on ~<keys> &<channels> -@all +<command> ...` for one role (the password is not part of it).

    No `resetchannels`: ElastiCache documents no such rule, and a new user of Redis OSS 7.0+ or
    Valkey (the versions RBAC is generated for, rule V206) starts with no channel at all."""
    entry = _data()["roles"][role]
    substitutions = {"prefix": prefix, "db": "" if db is None else str(db)}
    rules = ["on"]
    rules += ["~" + pattern.format(**substitutions) for pattern in entry["keys"]]
    rules += ["&" + pattern.format(**substitutions) for pattern in entry["channels"]]
    rules += entry.get("categories", ["-@all"])
    commands = list(entry["commands"])  # the docs generator reads each one's why and source
    commands += [name for name, condition in _data()["conditional"].items()
                 if role in condition["roles"] and _applies(condition, db, engine, version)]
    rules += ["+" + name for name in commands]
    return " ".join(rules)


def default_user_access() -> str:
    return _data()["default_user"]["access_string"]


def iam_client_minimums() -> dict[str, str]:
    """The kombu and Celery versions that pass a credential provider to redis-py (IAM)."""
    return _data()["iam_client_minimums"]


