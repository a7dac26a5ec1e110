"""CG002: traffic is encrypted in transit."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule


class EncryptionInTransit(LintRule):
    id = "CG002"
    severity = "error"
    summary = "Encryption in transit (TLS) is required"
    rationale = ("Without TLS, task payloads and the AUTH token cross the network in clear text; "
                 "`preferred` mode still accepts plain-text clients.")
    source = "domain.md section 6; https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html"

    def check(self, ctx: Context) -> Iterator[Finding]:
        transit = ctx.deployment.spec.security.in_transit_encryption
        if not transit.enabled:
            yield Finding(("security", "in_transit_encryption", "enabled"), "encryption in transit is off")
        elif transit.mode != "required":
            yield Finding(("security", "in_transit_encryption", "mode"),
                          "transit encryption mode `preferred` still accepts plain-text connections")
