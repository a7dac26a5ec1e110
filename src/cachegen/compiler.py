"""The pipeline, end to end: load -> inherit -> validate -> resolve -> plan -> render.

    spec file(s) --inherit.load_spec--> MergedSpec --validate.validate_schema--> Spec
    --rules.validate (blocking rules; resolve.resolve)--> Deployment
    --plan.build--> Plan --render.render_all--> {path: text} --writer--> out/<environment>/
"""

from __future__ import annotations

import os
from pathlib import Path

from . import rules
from .diagnostics import SpecError
from .inherit import MergedSpec, load_spec
from .model import Deployment
from .validate import validate_schema


def compile_spec(path: Path) -> tuple[MergedSpec, Deployment | None]:
    """Validate one spec; the Deployment is None for an abstract (base) spec. Raises SpecError."""
    merged = load_spec(path)
    rules.check_documents(merged)  # secrets first: a schema error would quote the value
    spec = validate_schema(merged)
    if spec is None:
        return merged, None
    return merged, rules.validate(spec, merged)


def compile_all(paths: list[Path]) -> list[tuple[MergedSpec | None, Deployment | None, SpecError | None]]:
    """Every spec, every error: one bad file does not hide another's problems. An error in a
    file that several specs read (their base) is reported once, at the first spec that meets it."""
    results = []
    seen: set[tuple[str, str, str, str]] = set()
    for path in paths:
        try:
            merged, deployment = compile_spec(path)
            results.append((merged, deployment, None))
        except SpecError as error:
            fresh = [d for d in error.diagnostics if _identity(d) not in seen]
            seen.update(_identity(d) for d in fresh)
            results.append((None, None, SpecError(fresh)))
    return results


def _identity(diagnostic) -> tuple[str, str, str, str]:
    return (str(diagnostic.location), diagnostic.code, diagnostic.message, repr(diagnostic.path))


SPEC_SUFFIXES = (".yaml", ".yml")
SKIPPED_DIRS = {"out", "node_modules", "__pycache__", "venv", "site-packages"}  # and every hidden directory


def with_dependents(paths: list[Path]) -> list[Path]:
    """`paths`, then every spec in their directories (and below) that extends one of them,
    directly or through another file: a change to a base file is judged by the specs it changes
    (a hook that passes only the changed base would otherwise check nothing)."""
    targets = {path.resolve() for path in paths if path.is_file()}
    if not targets:
        return list(paths)
    roots = {path.parent for path in targets}
    candidates = sorted({c for root in roots for c in _spec_files(root)})
    chosen = {path.resolve() for path in paths}
    dependents = [c for c in candidates if c.resolve() not in chosen and targets & _ancestors(c)]
    return [*paths, *(Path(os.path.relpath(c)) if c.is_absolute() else c for c in dependents)]


MAX_FILES_SEEN = 5000  # a spec kept in a home or repository root must not walk all of it


def _spec_files(root: Path) -> list[Path]:
    """The YAML files under `root`, hidden folders, out/ and dependency folders pruned before
    they are walked, at most MAX_FILES_SEEN files looked at."""
    found, seen = [], 0
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in SKIPPED_DIRS)
        for name in sorted(files):
            seen += 1
            if seen > MAX_FILES_SEEN:
                return found
            if name.endswith(SPEC_SUFFIXES):
                found.append(Path(directory) / name)
    return found


def _ancestors(path: Path) -> set[Path]:
    """The files `path` extends, directly or not; empty when it cannot be read (its own
    validation says why, if it is ever asked for)."""
    from .loader import load_file

    found: set[Path] = set()
    current = path.resolve()
    while len(found) < 16:
        try:
            parent = load_file(current, str(current)).data.get("extends")
        except (SpecError, OSError):
            return found
        if not isinstance(parent, str) or not parent:
            return found
        try:
            current = (current.parent / parent).resolve()
        except (OSError, ValueError):
            return found
        if current in found or not current.is_file():
            return found
        found.add(current)
    return found


def compile_valid(paths: list[Path]) -> list[tuple[MergedSpec, Deployment | None]]:
    """Every spec compiled, or one SpecError holding every error of every file."""
    results = compile_all(paths)
    errors = [d for _, _, error in results if error is not None for d in error.diagnostics]
    if errors:
        raise SpecError(errors)
    return [(merged, deployment) for merged, deployment, _ in results]


def render(deployment: Deployment) -> dict[str, str]:
    """Every artifact of one environment, keyed by its path under out/<environment>/."""
    from .render import render_all  # jinja2 and friends only when something is built

    return render_all(deployment)
