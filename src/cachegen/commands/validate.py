"""`cachegen validate SPEC...`: schema and rules, every error of every file."""

from __future__ import annotations

import sys
from pathlib import Path

from ..compiler import compile_all, with_dependents
from ..diagnostics import render_json, render_text


def run(paths: list[Path], output_format: str = "text", quiet: bool = False) -> int:
    paths = with_dependents(paths)  # a base file is judged by the specs that extend it
    diagnostics = []
    for path, (_merged, deployment, error) in zip(paths, compile_all(paths)):
        if error is not None:
            diagnostics.extend(error.diagnostics)
        elif output_format == "text" and not quiet:
            kind = "ok (abstract: a base for other specs)" if deployment is None else "ok"
            print(f"{path}: {kind}", file=sys.stderr)
    if output_format == "json":
        print(render_json(diagnostics))
    elif diagnostics:
        print(render_text(diagnostics), file=sys.stderr)
        errors = sum(1 for d in diagnostics if d.severity == "error")
        print(f"{errors} error{'s' if errors != 1 else ''} in {len(paths)} file{'s' if len(paths) != 1 else ''}",
              file=sys.stderr)
    return 2 if any(d.severity == "error" for d in diagnostics) else 0
