"""`cachegen build SPEC... [--out DIR] [--check]`: compile every spec, then write them all.

Nothing is written unless every spec compiles; each environment's tree is swapped in
atomically. With --check nothing is written: exit 1 lists what is missing or stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import writer
from ..compiler import compile_valid, render, with_dependents
from ..diagnostics import SpecError, render_text


def run(paths: list[Path], out_dir: Path, check: bool = False) -> int:
    paths = with_dependents(paths)  # building a base file builds the specs that extend it
    try:
        results = compile_valid(paths)
    except SpecError as error:
        print(render_text(error.diagnostics), file=sys.stderr)
        print("build failed: nothing was written", file=sys.stderr)
        return 2
    plans: list[writer.Plan] = []
    seen: dict[str, Path] = {}
    for path, (_merged, deployment) in zip(paths, results):
        if deployment is None:
            print(f"{path}: abstract spec (a base for others): nothing to build", file=sys.stderr)
            continue
        env = deployment.environment
        if env in seen:
            print(f"{path}: environment `{env}` is also built by {seen[env]}; each environment has one spec",
                  file=sys.stderr)
            return 2
        seen[env] = path
        plans.append(writer.plan(out_dir, env, writer.encode(render(deployment))))
    return _check(plans) if check else _write(plans)


def _check(plans: list[writer.Plan]) -> int:
    stale = False
    for p in plans:
        for label, names in (("missing", p.missing), ("stale", p.stale), ("unexpected", p.extra)):
            for name in names:
                print(f"{label}: {p.target / name}", file=sys.stderr)
                stale = True
    if stale:
        print("generated files are out of date: run `cachegen build` and commit the result", file=sys.stderr)
        return 1
    print(f"{len(plans)} environment{'s' if len(plans) != 1 else ''} up to date", file=sys.stderr)
    return 0


def _write(plans: list[writer.Plan]) -> int:
    for p in plans:
        try:
            changed = writer.write(p)
        except OSError as error:  # read-only or full disk: the previous tree is still whole
            print(f"cannot write {p.target}: {error.strerror or error}; its previous contents are unchanged",
                  file=sys.stderr)
            return 2
        count = len(p.missing) + len(p.stale) + len(p.extra)
        state = f"{count} file{'s' if count != 1 else ''} changed" if changed else "unchanged"
        print(f"{p.target}: {state}", file=sys.stderr)
    return 0
