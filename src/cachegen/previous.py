"""The spec as committed at a git revision, compiled, for the change-safety rules."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from dataclasses import replace

from .diagnostics import Location, SpecError
from .inherit import MergedSpec, display_path
from .model import Deployment


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True)


def previous_deployment(spec: Path, revision: str = "HEAD") -> Deployment | None:
    """None when there is no git, no such revision, no such file then, or it did not compile."""
    compiled = previous_compiled(spec, revision)
    return compiled[1] if compiled else None


def previous_compiled(spec: Path, revision: str) -> tuple[MergedSpec, Deployment | None] | None:
    """The spec (and the files it extends) as committed at `revision`, compiled."""
    from .compiler import compile_spec

    directory = spec.resolve().parent
    try:
        top = _git(directory, "rev-parse", "--show-toplevel")
    except OSError:
        return None
    if top.returncode != 0:
        return None
    root = Path(top.stdout.decode().strip())
    relative = spec.resolve().relative_to(root)
    listing = _git(root, "ls-tree", "-r", "--name-only", revision, "--", str(relative.parent))
    if listing.returncode != 0 or relative.as_posix() not in listing.stdout.decode().splitlines():
        return None
    with tempfile.TemporaryDirectory(prefix="cachegen-previous-") as tmp:
        (Path(tmp) / ".git").mkdir()  # the same `extends` boundary as in the repository
        for name in listing.stdout.decode().splitlines():
            if not name.endswith((".yaml", ".yml")):
                continue
            blob = _git(root, "show", f"{revision}:{name}")
            target = Path(tmp) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob.stdout)
        try:
            merged, deployment = compile_spec(Path(tmp) / relative)
        except SpecError:
            return None
        _rename_files(merged, display_path(Path(tmp)), revision)
        return merged, deployment


def _rename_files(merged: MergedSpec, tmp_prefix: str, revision: str) -> None:
    """Positions name `REV:path/in/repo`, not the temporary copy the old version was built from."""
    def rename(location: Location | None) -> Location | None:
        if location is None or not location.file.startswith(tmp_prefix):
            return location
        return replace(location, file=f"{revision}:{location.file[len(tmp_prefix):].lstrip('/')}")

    merged.nodes = {path: replace(info, value=rename(info.value), key=rename(info.key))
                    for path, info in merged.nodes.items()}
