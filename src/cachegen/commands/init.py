"""`cachegen init [DIR]`: a repository of specs that validates and builds at once.

It writes spec/base.yaml (abstract: what every environment shares), spec/dev.yaml and
spec/prod.yaml, the JSON Schema the specs' editor line points at, a .pre-commit-config.yaml
with cachegen's hooks, and .gitignore entries; then it says what to replace. It never
overwrites a file: an existing one is reported and left as it is (exit 2 before anything is
written).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .. import catalog, templates
from ..diagnostics import did_you_mean
from ..hooks import HOOKS
from ..spec import NAME

GITIGNORE = [".cachegen/", "out/.cachegen.lock"]
ENVIRONMENTS = [("dev", "development", "one small node, no replica, 1-day backups", False),
                ("prod", "production", "a replica in another AZ, 7-day backups, final snapshot", True)]


def run(directory: Path, name: str | None, region: str, engine: str, version: str | None) -> int:
    name = name or _name_from(directory)
    problems = _check(name, region, engine, version)
    if problems:
        for problem in problems:
            print(f"cachegen init: {problem}", file=sys.stderr)
        return 2
    version = version or max(catalog.engines()[engine]["versions"], key=catalog.version_key)
    files = _files(name, region, engine, version)
    refused = _invalid(files)
    if refused:  # e.g. an old version without log delivery: say so, write nothing
        print(f"cachegen init: with --engine {engine} --version {version} the starter specs would not validate:",
              file=sys.stderr)
        print(refused, file=sys.stderr)
        return 2
    existing = [path for path in files if (directory / path).exists()]
    if existing:
        print(f"cachegen init: {', '.join(str(directory / p) for p in existing)} already exist; nothing was written",
              file=sys.stderr)
        return 2
    for path, text in files.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    _gitignore(directory / ".gitignore")
    print(f"\nNext: replace the REPLACE lines of {directory / 'spec' / 'base.yaml'} with your VPC, subnets and "
          "security group, then:\n  cachegen validate spec/*.yaml && cachegen build\n"
          "  pip install pre-commit && pre-commit install")
    return 0


def _name_from(directory: Path) -> str:
    stem = re.sub(r"[^a-z0-9-]+", "-", directory.resolve().name.lower()).strip("-")
    stem = re.sub(r"-{2,}", "-", stem)[:30].strip("-")
    return stem if stem and re.fullmatch(NAME, stem) else "my-app"


def _check(name: str, region: str, engine: str, version: str | None) -> list[str]:
    problems = []
    if not re.fullmatch(NAME, name) or len(name) > 30:
        problems.append(f"--name {name!r}: lowercase letters, digits and single hyphens, a letter first, "
                        "at most 30 characters")
    regions = sorted(code for code, info in catalog.regions().items() if info["partition"] == "aws")
    if region not in catalog.regions():
        hint = did_you_mean(region, regions)
        problems.append(f"--region {region!r} is not a region ElastiCache is offered in" + (f"; {hint}" if hint else ""))
    versions = catalog.engines()[engine]["versions"]
    if version is not None and version not in versions:
        problems.append(f"--version {version!r} is not a {engine} version ElastiCache offers: {', '.join(versions)}")
    return problems


def _files(name: str, region: str, engine: str, version: str) -> dict[Path, str]:
    from . import schema

    files = {Path("spec/base.yaml"): templates.render("init/base.yaml.j2", app=name, region=region, engine=engine,
                                                      version=version, zone_a=f"{region}a", zone_b=f"{region}b")}
    for environment, preset, summary, production in ENVIRONMENTS:
        files[Path(f"spec/{environment}.yaml")] = templates.render(
            "init/env.yaml.j2", environment=environment, preset=preset, summary=summary, production=production)
    files[Path("schema/cachegen.schema.json")] = schema.text()
    files[Path(".pre-commit-config.yaml")] = templates.render("init/pre-commit-config.yaml.j2", hooks=HOOKS)
    return files


def _invalid(files: dict[Path, str]) -> str:
    """The diagnostics of the starter specs, compiled in a scratch folder ("" when they validate)."""
    import tempfile

    from ..compiler import compile_all
    from ..diagnostics import render_text

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        specs = sorted((root / "spec").glob("*.yaml"))
        errors = [d for _, _, error in compile_all(specs) if error for d in error.diagnostics]
        return render_text(errors) if errors else ""


def _gitignore(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    missing = [entry for entry in GITIGNORE if entry not in lines]
    if missing:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(("\n" if lines and lines[-1] else "") + "# cachegen: local secrets and the build lock\n"
                         + "".join(f"{entry}\n" for entry in missing))
        print(f"{'updated' if lines else 'wrote'} {path}")
