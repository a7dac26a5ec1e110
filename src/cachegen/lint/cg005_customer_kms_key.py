"""CG005: production data under a customer-managed key."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule


class CustomerManagedKey(LintRule):
    id = "CG005"
    severity = "info"
    summary = "Production uses a customer-managed KMS key for encryption at rest"
    rationale = ("A customer-managed key can be restricted, audited and revoked; the AWS-managed "
                 "aws/elasticache key cannot. The stricter option of the guide.")
    source = "domain.md section 6"

    def check(self, ctx: Context) -> Iterator[Finding]:
        at_rest = ctx.deployment.spec.security.at_rest_encryption
        if ctx.production and at_rest.enabled and not at_rest.kms_key_id:
            yield Finding(("security", "at_rest_encryption"), "production data is encrypted with the AWS-managed key")
