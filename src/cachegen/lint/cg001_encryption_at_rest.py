"""CG001: data at rest is encrypted."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule


class EncryptionAtRest(LintRule):
    id = "CG001"
    severity = "error"
    summary = "Encryption at rest is enabled"
    rationale = ("Snapshots and swap hold the whole dataset; at-rest encryption costs nothing extra with the "
                 "AWS-managed key and cannot be turned on later without replacing the group.")
    source = "domain.md section 6; https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if not ctx.deployment.spec.security.at_rest_encryption.enabled:
            yield Finding(("security", "at_rest_encryption", "enabled"), "encryption at rest is off")
