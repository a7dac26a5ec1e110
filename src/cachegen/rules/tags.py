"""Tags: what every service cachegen tags accepts (ElastiCache, EC2, CloudWatch and its Logs,
SNS, Secrets Manager), counting the tags cachegen adds."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from .. import catalog
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
def _bad_characters(text: str, punctuation: str) -> list[str]:
    """Characters outside Unicode letters, numbers and spaces (less line and paragraph separators) and punctuation."""
    return sorted({ch for ch in text
                   if ch not in punctuation and unicodedata.category(ch)[0] not in "LNZ"
                   or unicodedata.category(ch) in ("Zl", "Zp")})


def _show(characters: list[str]) -> str:
    return " ".join(repr(ch) for ch in characters)


@rule(RULES, "V404", "Tags: at most 50 per resource with cachegen's own, keys 1-128 and values 1-256 characters "
                     "that every tagged service accepts, no aws: prefix",
      "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html")
def tags(ctx: Context) -> Iterator[Finding]:
    spec, d = ctx.spec, ctx.deployment
    limits = catalog.limits()["tags"]
    count = max(len(tags) for tags in d.tags.values())
    if count > limits["max_per_resource"]:
        yield Finding(("tags",), f"{count} tags per resource with the {count - len(spec.tags)} cachegen adds "
                                 f"(Application, Environment, ManagedBy); AWS allows {limits['max_per_resource']}",
                      expected=f"at most {limits['max_per_resource'] - (count - len(spec.tags))} tags here")
    for key, value in spec.tags.items():
        for what, text in (("key", key), ("value", value)):
            bad = _bad_characters(text, limits["punctuation"])
            if bad:
                yield Finding(("tags", key), f"tag {what} `{text}` holds {_show(bad)}, which AWS does not accept "
                                             "in tags on every service",
                              expected=f"letters, digits, spaces and {' '.join(limits['punctuation'])}")
            if (d.user_group_id or d.serverless) and not re.fullmatch(limits["rbac_pattern"], text):
                # CloudFormation's schemas of these resources take tags in ASCII only
                what_else = "the serverless cache" if d.serverless else "the RBAC users and user group"
                yield Finding(("tags", key), f"tag {what} `{text}` goes on {what_else} too, whose tags "
                                             "CloudFormation takes in ASCII only",
                              expected="ASCII letters, digits, spaces and _ . / = + : @ -"
                                       + ("" if d.serverless else " (or auth mode `token`)"))
            if text.lower().startswith("aws:"):
                yield Finding(("tags", key), f"tag {what} `{text}` starts with aws:, which AWS reserves",
                              expected="a key and value not starting with aws:")
