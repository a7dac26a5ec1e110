"""Encryption and AUTH: what AWS accepts for in-transit, at-rest and token settings."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import catalog
from ..spec import Spec
from .base import Finding, Rule, rule

RULES: list[Rule] = []
AUTH = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html"
KMS_KEY = re.compile(r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[0-9a-f-]{36}|alias/[A-Za-z0-9/_-]+)"
                     r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|alias/[A-Za-z0-9/_-]+)$")


@rule(RULES, "V201", "AUTH requires in-transit encryption", AUTH)
def auth_needs_tls(spec: Spec) -> Iterator[Finding]:
    if spec.security.auth.enabled and not spec.security.in_transit_encryption.enabled:
        yield Finding(("security", "auth", "enabled"),
                      "an AUTH token needs in-transit encryption: AWS rejects AuthToken without TransitEncryptionEnabled",
                      expected="security.in_transit_encryption.enabled: true (or auth.enabled: false)")


@rule(RULES, "V202", "The generated AUTH token uses only the characters AWS allows", AUTH)
def token_characters(spec: Spec) -> Iterator[Finding]:
    allowed = catalog.limits()["auth_token"]["allowed_special_characters"]
    specials = spec.security.auth.generation.special_characters
    bad = sorted(set(specials) - set(allowed))
    if bad:
        yield Finding(("security", "auth", "generation", "special_characters"),
                      f"AWS does not allow {' '.join(bad)} in an AUTH token",
                      expected=f"a subset of {allowed}")


@rule(RULES, "V203", "Transit encryption mode needs encryption in transit and a recent engine",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html")
def transit_mode(spec: Spec) -> Iterator[Finding]:
    transit = spec.security.in_transit_encryption
    if transit.mode == "preferred" and not transit.enabled:
        yield Finding(("security", "in_transit_encryption", "mode"),
                      "mode `preferred` only applies when in-transit encryption is enabled")


@rule(RULES, "V204", "KMS keys are well-formed and only set when encryption at rest is on",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html")
def kms_keys(spec: Spec) -> Iterator[Finding]:
    at_rest = spec.security.at_rest_encryption
    if at_rest.kms_key_id is not None and not at_rest.enabled:
        yield Finding(("security", "at_rest_encryption", "kms_key_id"),
                      "a KMS key is set but encryption at rest is off", expected="enabled: true")
    for path, key in ((("security", "at_rest_encryption", "kms_key_id"), at_rest.kms_key_id),
                      (("security", "auth", "secret_kms_key_id"), spec.security.auth.secret_kms_key_id)):
        if key is not None and not KMS_KEY.match(key):
            yield Finding(path, f"`{key}` is not a KMS key ARN, key id or alias",
                          expected="arn:aws:kms:REGION:ACCOUNT:key/UUID, a key UUID, or alias/NAME")
