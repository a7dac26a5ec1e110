"""Encryption and AUTH: what AWS accepts for in-transit, at-rest and token settings."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import catalog
from ..diagnostics import has_credentials, mask_credentials
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
AWS_MANAGED_SNS_KEYS = {"alias/aws/sns"}
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$")
AUTH = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html"
RBAC = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html"
KMS_KEY = re.compile(r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[0-9a-f-]{36}|alias/[A-Za-z0-9/_-]+)"
                     r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|alias/[A-Za-z0-9/_-]+)$")


@rule(RULES, "V201", "AUTH requires in-transit encryption", AUTH, stage="spec")
def auth_needs_tls(ctx: Context) -> Iterator[Finding]:
    security = ctx.spec.security
    if security.auth.enabled and not security.in_transit_encryption.enabled:
        what = (f"{security.auth.mode.upper()} needs in-transit encryption: AWS attaches a user group only to a "
                "group with TLS" if security.auth.mode in ("rbac", "iam") else
                "an AUTH token needs in-transit encryption: AWS rejects AuthToken without TransitEncryptionEnabled")
        yield Finding(("security", "auth", "enabled"), what,
                      expected="security.in_transit_encryption.enabled: true (or auth.enabled: false)")


@rule(RULES, "V206", "RBAC and IAM users are generated for engines that take their rules, with TLS required",
      RBAC, stage="spec",
      rationale="AWS documents subcommand rules (`+script|load`) from Redis OSS 7.0 and IAM authentication from "
                "Redis OSS 7.0 and Valkey 7.2 (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html), "
                "and attaches a user group only when in-transit encryption is required (not `preferred`).")
def rbac_engine(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    auth = spec.security.auth
    if not (auth.enabled and auth.mode in ("rbac", "iam")):
        return
    minimum = catalog.features()[f"{auth.mode}_min_{spec.engine.name}_version"]
    if catalog.version_key(spec.engine.version) < catalog.version_key(minimum):
        what = ("cachegen's RBAC access strings (subcommand rules such as +script|load, which AWS documents from "
                "Redis OSS 7.0; ElastiCache itself has RBAC from 6.0) need" if auth.mode == "rbac"
                else "IAM authentication needs")
        yield Finding(("security", "auth", "mode"),
                      f"{what} {spec.engine.name} {minimum} or later; the spec runs "
                      f"{spec.engine.version}", expected=f"engine.version {minimum} or later, or auth mode `token`")
    from ..resolve import serves

    if not serves(spec):
        yield Finding(("security", "auth", "mode"),
                      f"{auth.mode} users are made for the Celery roles the group serves, and it serves none: the "
                      "application would be left the operator's user", expected="a Celery role (celery.cache, for an "
                      "application cache alone) or auth mode `token`")
    transit = spec.security.in_transit_encryption
    if transit.enabled and transit.mode != "required":
        yield Finding(("security", "in_transit_encryption", "mode"),
                      "a user group is attached only when in-transit encryption is required",
                      expected="mode: required; a running group finishes its move to TLS (through preferred) first, "
                               "then changes to users")
    if auth.secret_name is not None:
        yield Finding(("security", "auth", "secret_name"),
                      "secret_name names the AUTH token's secret; with RBAC each user has its own "
                      "(<name>/<environment>/users/<role>), with IAM none", expected=f"no secret_name with mode {auth.mode}")


@rule(RULES, "V207", "Each role's keys are told apart by its key prefix", RBAC, stage="spec",
      rationale="A user may touch the keys its prefix matches: if one role's prefix starts another's (`app:` and "
                "`app:cache:`), the first role's user reaches the second role's keys.")
def key_prefixes_apart(ctx: Context) -> Iterator[Finding]:
    from ..resolve import key_prefixes

    if not (ctx.spec.security.auth.enabled and ctx.spec.security.auth.mode in ("rbac", "iam")):
        return
    prefixes = key_prefixes(ctx.spec)
    for role, prefix in prefixes.items():
        for other, other_prefix in prefixes.items():
            if role != other and other_prefix.startswith(prefix) and (prefix != other_prefix or role < other):
                yield Finding(("celery", role, "key_prefix"),
                              f"the {role} key prefix `{prefix}` also matches the {other}'s keys (`{other_prefix}`)",
                              expected="prefixes of which none starts another, e.g. broker:, results:, cache:")


@rule(RULES, "V202", "The generated AUTH token uses only the characters AWS allows", AUTH, stage="spec")
def token_characters(ctx: Context) -> Iterator[Finding]:
    allowed = catalog.limits()["auth_token"]["allowed_special_characters"]
    specials = ctx.spec.security.auth.generation.special_characters
    bad = sorted(set(specials) - set(allowed))
    if bad:
        yield Finding(("security", "auth", "generation", "special_characters"),
                      f"AWS does not allow {' '.join(bad)} in an AUTH token",
                      expected=f"a subset of {allowed}")


@rule(RULES, "V203", "Transit encryption mode needs encryption in transit",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html", stage="spec")
def transit_mode(ctx: Context) -> Iterator[Finding]:
    transit = ctx.spec.security.in_transit_encryption
    if transit.mode == "preferred" and not transit.enabled:
        yield Finding(("security", "in_transit_encryption", "mode"),
                      "mode `preferred` only applies when in-transit encryption is enabled")


@rule(RULES, "V204", "KMS keys are well-formed, only set when encryption at rest is on, and usable by the "
      "service that needs them", "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html",
      stage="spec",
      rationale="CloudWatch Logs takes a key ARN only "
                "(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html); alarms "
                "cannot publish to a topic under the AWS-managed SNS key "
                "(https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).")
def kms_keys(ctx: Context) -> Iterator[Finding]:
    security = ctx.spec.security
    at_rest = security.at_rest_encryption
    if at_rest.kms_key_id is not None and not at_rest.enabled:
        yield Finding(("security", "at_rest_encryption", "kms_key_id"),
                      "a KMS key is set but encryption at rest is off", expected="enabled: true")
    for path, key in ((("security", "at_rest_encryption", "kms_key_id"), at_rest.kms_key_id),
                      (("security", "auth", "secret_kms_key_id"), security.auth.secret_kms_key_id),
                      (("notifications", "kms_key_id"), ctx.spec.notifications.kms_key_id)):
        if key is not None and not KMS_KEY.fullmatch(key):
            yield Finding(path, f"`{key}` is not a KMS key ARN, key id or alias",
                          expected="arn:aws:kms:REGION:ACCOUNT:key/UUID, a key UUID, or alias/NAME")
    if ctx.spec.notifications.kms_key_id in AWS_MANAGED_SNS_KEYS:
        yield Finding(("notifications", "kms_key_id"),
                      "CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed aws/sns key",
                      expected="a customer-managed key whose policy lets cloudwatch.amazonaws.com use it")
    log_key = ctx.spec.logs.kms_key_id
    if log_key is not None and not KMS_KEY_ARN.fullmatch(log_key):  # CloudWatch Logs takes only an ARN
        yield Finding(("logs", "kms_key_id"), f"`{log_key}` is not a KMS key ARN",
                      expected="arn:aws:kms:REGION:ACCOUNT:key/UUID (CloudWatch Logs takes no alias or bare id)")


# --- advice ------------------------------------------------------------------------------

@rule(RULES, "CG001", "Encryption at rest is enabled", "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html",
      blocking=False, severity="error",
      rationale="Snapshots and swap hold the whole dataset; at-rest encryption costs nothing extra with the "
                "AWS-managed key and cannot be turned on later without replacing the group.")
def encryption_at_rest(ctx: Context) -> Iterator[Finding]:
    if not ctx.deployment.at_rest_encryption:
        yield Finding(("security", "at_rest_encryption", "enabled"), "encryption at rest is off")


@rule(RULES, "CG002", "Encryption in transit (TLS) is required",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html", blocking=False,
      severity="error",
      rationale="Without TLS, task payloads and the AUTH token cross the network in clear text; "
                "`preferred` mode still accepts plain-text clients.")
def encryption_in_transit(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if not d.tls:
        yield Finding(("security", "in_transit_encryption", "enabled"), "encryption in transit is off")
    elif ctx.spec.security.in_transit_encryption.mode != "required":
        yield Finding(("security", "in_transit_encryption", "mode"),
                      "transit encryption mode `preferred` still accepts plain-text connections")


@rule(RULES, "CG003", "Clients authenticate (an AUTH token or RBAC users)", AUTH, blocking=False, severity="warning",
      rationale="Without AUTH (or RBAC), anything that reaches the port can read and flush every queue.")
def authentication(ctx: Context) -> Iterator[Finding]:
    if not ctx.deployment.auth:
        yield Finding(("security", "auth", "enabled"), "no authentication: any client in the security group gets in")


@rule(RULES, "CG006", "Production gives each Celery role its own user (RBAC) instead of one shared AUTH token", RBAC,
      blocking=False, severity="info",
      rationale="With one token every client can do everything: a web process can flush the broker's queues. With "
                "RBAC the broker, the result backend and the cache each connect as a user that has only its "
                "role's commands, keys and channels (`security.auth.mode: rbac`).")
def least_privilege(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if not (d.production and d.auth_mode == "token" and d.roles):
        return
    minimum = catalog.features()[f"rbac_min_{d.engine}_version"]
    if catalog.version_key(d.engine_version) >= catalog.version_key(minimum):
        yield Finding(("security", "auth"), "every client of this production group shares one AUTH token")


@rule(RULES, "CG005", "Production uses a customer-managed KMS key for encryption at rest",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html#using-customer-managed-keys-for-elasticache-security",
      blocking=False, severity="info",
      rationale="A customer-managed key can be restricted, audited and revoked; the AWS-managed "
                "aws/elasticache key cannot.")
def customer_managed_key(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.production and d.at_rest_encryption and not d.kms_key_id:
        yield Finding(("security", "at_rest_encryption"), "production data is encrypted with the AWS-managed key")


def _strings(value, path: tuple = ()):
    """Every string of a document, keys included, with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield path + (key,), key
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))
    elif isinstance(value, str):
        yield path, value


@rule(RULES, "V205", "No secret (a URL with a password) appears in any spec file, base files included",
      "https://docs.aws.amazon.com/secretsmanager/latest/userguide/intro.html", stage="document",
      rationale="Specs and everything generated from them are committed; the AUTH token lives only in "
                "Secrets Manager and in the uncommitted .env that `cachegen env` writes. A base file is "
                "checked on its own and through every spec that extends it.")
def no_inline_secrets(ctx: Context) -> Iterator[Finding]:
    for document in ctx.merged.documents:
        for path, text in _strings(document.data):  # keys too: a tag's name is as committed as its value
            if has_credentials(text):
                masked = mask_credentials(text)  # masked before it is shortened: a cut may not split it
                shown = masked if len(masked) <= 80 else masked[:77] + "..."
                yield Finding(path, f"a URL with a password (`{shown}`, masked here): secrets never go in a spec",
                              expected="the URL without its password; the AUTH token stays in Secrets Manager",
                              location=document.location(path))
