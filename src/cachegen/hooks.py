"""cachegen's pre-commit hooks, in one literal registry: `.pre-commit-hooks.yaml` (for a
`repo:` that points at cachegen) lists exactly these (a test compares them), and `cachegen
init` writes them as local hooks that run the cachegen installed in the environment."""

from __future__ import annotations

SPEC_FILES = r"^spec/.*\.ya?ml$"

HOOKS = [
    {"id": "cachegen-validate", "name": "cachegen validate",
     "description": "Specs are valid (schema and AWS/Celery rules), every error with its line.",
     "entry": "cachegen validate", "files": SPEC_FILES, "pass_filenames": True},
    {"id": "cachegen-lint", "name": "cachegen lint",
     "description": "Best-practice and safety findings (CG rules) on the changed specs.",
     "entry": "cachegen lint", "files": SPEC_FILES, "pass_filenames": True},
    {"id": "cachegen-check", "name": "cachegen build --check",
     "description": "The committed out/ is what the specs build to.",
     "entry": "cachegen build --check", "files": r"^(spec/.*\.ya?ml|out/.*)$", "pass_filenames": False},
]
