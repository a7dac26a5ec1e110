"""`cachegen build SPEC... [--out DIR] [--check]`: compile every spec, then write them all.

Nothing is written unless every spec compiles; each environment's tree is swapped in
atomically. With --check nothing is written: exit 1 lists what is missing or stale.
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

from .. import writer
from ..compiler import compile_valid, render, with_dependents
from ..diagnostics import SpecError, render_text


def run(paths: list[Path], out_dir: Path, check: bool = False, show_diff: bool = False, quiet: bool = False,
        output_format: str = "text") -> int:
    paths = with_dependents(paths)  # building a base file builds the specs that extend it
    try:
        results = compile_valid(paths)
    except SpecError as error:
        print(render_text(error.diagnostics), file=sys.stderr)
        print("build failed: nothing was written", file=sys.stderr)
        return 2
    plans: list[writer.Plan] = []
    seen: dict[str, Path] = {}
    abstract = [path for path, (_merged, deployment) in zip(paths, results) if deployment is None]
    if abstract and len(abstract) == len(paths):  # only base files, and nothing extends them here
        print(f"{', '.join(map(str, abstract))}: abstract (a base for other specs): nothing to build", file=sys.stderr)
    for path, (_merged, deployment) in zip(paths, results):
        if deployment is None:
            continue
        env = deployment.environment
        if env in seen:
            print(f"{path}: environment `{env}` is also built by {seen[env]}; each environment has one spec",
                  file=sys.stderr)
            return 2
        seen[env] = path
        plans.append(writer.plan(out_dir, env, writer.encode(render(deployment))))
    as_json = output_format == "json"
    status = _check(plans, show_diff and not as_json, quiet or as_json) if check else _write(plans, quiet or as_json)
    if as_json:  # the whole report on stdout, the diffs inside it: one JSON document
        print(json.dumps([{"environment": p.target.name, "directory": str(p.target), "missing": p.missing,
                           "stale": p.stale, "unexpected": p.extra,
                           **({"diff": {name: "".join(_unified(p, name)) for name in (*p.missing, *p.stale, *p.extra)}}
                              if check and show_diff else {})} for p in plans], indent=2))
    return status


def _check(plans: list[writer.Plan], show_diff: bool, quiet: bool) -> int:
    stale = False
    for p in plans:
        for label, names in (("missing", p.missing), ("stale", p.stale), ("unexpected", p.extra)):
            for name in names:
                print(f"{label}: {p.target / name}", file=sys.stderr)
                stale = True
                if show_diff:
                    sys.stdout.writelines(_unified(p, name))
    if stale:
        print("generated files are out of date: run `cachegen build` and commit the result"
              + ("" if show_diff else " (--diff shows what changed)"), file=sys.stderr)
        return 1
    if not quiet:
        print(f"{len(plans)} environment{'s' if len(plans) != 1 else ''} up to date", file=sys.stderr)
    return 0


def _unified(p: writer.Plan, name: str) -> list[str]:
    """What a build would change in one file, as `git diff` shows it (a binary file by name)."""
    path = p.target / name
    try:
        old = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.is_file() else []
        new = p.files[name].decode("utf-8").splitlines(keepends=True) if name in p.files else []
    except UnicodeDecodeError:
        return [f"Binary file {path} differs\n"]
    except OSError as error:  # unreadable: say so, the check's verdict stands
        return [f"cannot read {path}: {error.strerror or error}\n"]
    lines = list(difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"))
    return [line if line.endswith("\n") else line + "\n" for line in lines]


def _write(plans: list[writer.Plan], quiet: bool) -> int:
    for p in plans:
        try:
            changed = writer.write(p)
        except OSError as error:  # read-only or full disk: the previous tree is still whole
            print(f"cannot write {p.target}: {error.strerror or error}; its previous contents are unchanged",
                  file=sys.stderr)
            return 2
        count = len(p.missing) + len(p.stale) + len(p.extra)
        state = f"{count} file{'s' if count != 1 else ''} changed" if changed else "unchanged"
        if changed or not quiet:
            print(f"{p.target}: {state}", file=sys.stderr)
    return 0
