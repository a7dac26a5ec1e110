"""`cachegen plan SPEC --against REV`: the change procedure from the spec at REV to the working tree's.

Writes plan.md (to read) and apply.sh (to run) into --output (default plans/<environment>/).
The procedures and their order come from `cachegen.procedures`; the files are written the
way the build writes its artifacts (atomically; unchanged files are not rewritten).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import procedures
from ..compiler import compile_spec
from ..previous import previous_compiled
from ..render import procedure as render


def run(spec: Path, against: str, output: Path | None) -> int:
    previous = previous_compiled(spec, against)
    if previous is None or previous[1] is None:
        print(f"{spec} does not exist (or does not compile) at {against}: nothing runs to plan a change from",
              file=sys.stderr)
        return 2
    old = previous[1]
    _, new = compile_spec(spec)
    if new is None:
        print(f"{spec}: abstract spec (a base for others): no deployment to plan", file=sys.stderr)
        return 2
    found = procedures.plan(old, new)
    target = output or Path("plans") / new.environment
    old_label, new_label = f"{spec}@{against}", f"{spec} (working tree)"
    blocked = [p for p in found if p.blocked]
    files = {"plan.md": render.markdown(new, found, old_label, new_label)}
    if not blocked:  # a blocked procedure gets no script: half of one could delete the only group
        files["apply.sh"] = render.script(new, found, f"Change procedure: {old_label} -> {new_label}.")
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            path = target / name
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                temporary = path.with_name(f".{name}.tmp")
                temporary.write_text(text, encoding="utf-8")
                temporary.replace(path)
        if blocked:
            (target / "apply.sh").unlink(missing_ok=True)  # an older script must not outlive its plan
        else:
            (target / "apply.sh").chmod(0o755)
    except OSError as error:
        print(f"cannot write the plan into {target}: {error.strerror or error}", file=sys.stderr)
        return 2
    for procedure in found:
        count = len(procedure.steps)
        status = f"cannot run: {procedure.blocked}" if procedure.blocked else f"{count} step{'s' if count != 1 else ''}"
        print(f"{procedure.title}: {status}", file=sys.stderr)
    if not found:
        print("nothing to do outside CloudFormation: deploy.sh applies the change", file=sys.stderr)
    print(f"wrote {' and '.join(str(target / name) for name in files)}", file=sys.stderr)
    return 1 if blocked else 0
