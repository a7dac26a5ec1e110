"""CG006: no secret written into the spec."""

import re
from collections.abc import Iterator
from typing import Any

from .base import Context, Finding, LintRule

URL_WITH_PASSWORD = re.compile(r"[a-z]+://[^/@\s]*:[^@\s/]+@")


def _strings(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))
    elif isinstance(value, str):
        yield path, value


class NoInlineSecrets(LintRule):
    id = "CG006"
    severity = "error"
    summary = "No secret (a URL with a password) appears in the spec"
    rationale = ("The spec and everything generated from it are committed; the AUTH token lives only in "
                 "Secrets Manager and in the uncommitted .env that `cachegen env` writes.")
    source = "domain.md section 6 (correction)"

    def check(self, ctx: Context) -> Iterator[Finding]:
        for path, text in _strings(ctx.deployment.spec.model_dump(mode="json")):
            if URL_WITH_PASSWORD.search(text):
                yield Finding(path, "a URL with a password: secrets never go in a spec")
