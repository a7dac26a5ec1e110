"""The writer: deterministic, atomic, no needless rewrites, nothing written on failure."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import COMMITTED_SPECS, REPO, run_cli


def tree(root: Path) -> dict[str, str]:
    """Every visible file (hidden staging trees and the lock file are the writer's own)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).parts[0].startswith(".")}


def inodes(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def _build_process(out: Path, cwd: Path, env: dict[str, str]) -> None:
    specs = [os.path.relpath(p, cwd) for p in COMMITTED_SPECS]
    subprocess.run([sys.executable, "-m", "cachegen", "build", "--out", str(out), *specs],
                   cwd=cwd, env={**os.environ, **env}, check=True, capture_output=True)


def test_byte_identical_across_hash_seed_locale_timezone_and_directory(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    _build_process(first, REPO, {"PYTHONHASHSEED": "1", "LC_ALL": "C", "TZ": "UTC"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _build_process(second, elsewhere, {"PYTHONHASHSEED": "4242", "LC_ALL": "C.UTF-8", "TZ": "Asia/Shanghai"})
    assert tree(first) == tree(second)
    assert len(tree(first)) >= 2 * len(COMMITTED_SPECS)


def test_rebuild_without_change_rewrites_nothing(tmp_path):
    assert run_cli("build", "--out", tmp_path, *COMMITTED_SPECS).code == 0
    before = inodes(tmp_path)
    result = run_cli("build", "--out", tmp_path, *COMMITTED_SPECS)
    assert result.code == 0
    assert "unchanged" in result.err
    assert inodes(tmp_path) == before


def test_changed_spec_rewrites_only_changed_files(tmp_path):
    spec_dir = tmp_path / "spec"
    shutil.copytree(REPO / "spec", spec_dir)
    out = tmp_path / "out"
    assert run_cli("build", "--out", out, spec_dir / "prod.yaml").code == 0
    before = inodes(out)
    prod = spec_dir / "prod.yaml"
    prod.write_text(prod.read_text().replace("protected: true", "protected: true\nport: 6380"))
    assert run_cli("build", "--out", out, prod).code == 0
    after = inodes(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert "prod/cloudformation/stack.yaml" in changed and "prod/manifest.json" in changed
    assert set(after) == set(before)


def test_check_reports_stale_missing_and_extra_files(tmp_path):
    assert run_cli("build", "--out", tmp_path, COMMITTED_SPECS[0]).code == 0
    env_dir = next(p for p in tmp_path.iterdir() if p.is_dir() and not p.name.startswith("."))
    stack = env_dir / "cloudformation" / "stack.yaml"
    stack.write_text(stack.read_text() + "# hand edit\n")
    (env_dir / "stray.txt").write_text("x")
    (env_dir / "manifest.json").unlink()
    before = tree(tmp_path)
    result = run_cli("build", "--check", "--out", tmp_path, COMMITTED_SPECS[0])
    assert result.code == 1
    assert "stale:" in result.err and "missing:" in result.err and "unexpected:" in result.err
    assert tree(tmp_path) == before, "--check must write nothing"


def test_an_invalid_spec_writes_nothing(tmp_path):
    (tmp_path / "base.yaml").write_text((REPO / "spec" / "base.yaml").read_text())
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: base.yaml\nenvironment: bad\nport: 99999\n")
    result = run_cli("build", "--out", tmp_path / "out", *COMMITTED_SPECS, bad)
    assert result.code == 2
    assert "nothing was written" in result.err
    assert not (tmp_path / "out").exists()


def _no_space(*_args, **_kwargs):
    raise OSError(28, "No space left on device")


def _changed_files(deployment) -> dict[str, bytes]:
    """The deployment's artifacts with one file changed, so that a write has work to do."""
    from cachegen import writer
    from cachegen.compiler import render

    files = writer.encode(render(deployment))
    files["cloudformation/stack.yaml"] += b"# changed\n"
    return files


def _assert_consistent_with_manifests(out: Path) -> None:
    import json

    for env_dir in (d for d in out.iterdir() if d.is_dir() and not d.name.startswith(".")):
        manifest = json.loads((env_dir / "manifest.json").read_text())
        on_disk = {name: digest for name, digest in tree(env_dir).items() if name != "manifest.json"}
        assert on_disk == {name: entry["sha256"] for name, entry in manifest["artifacts"].items()}
    assert not [p for p in out.iterdir() if ".new-" in p.name or ".old-" in p.name], "leftovers"


def _assert_whole_and_alone(out: Path, before: dict[str, str]) -> None:
    assert tree(out) == before
    _assert_consistent_with_manifests(out)


def test_failure_while_writing_leaves_previous_tree_intact(tmp_path, monkeypatch):
    from cachegen import writer

    assert run_cli("build", "--out", tmp_path, *COMMITTED_SPECS).code == 0
    before = tree(tmp_path)
    calls = {"n": 0}
    real_open = open

    def failing_open(file, mode="r", *args, **kwargs):
        if "w" in mode and ".new-" in str(file):
            calls["n"] += 1
            if calls["n"] == 2:
                _no_space()
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    monkeypatch.setattr(writer, "_link", lambda source, dest: False)  # force real writes
    from cachegen.compiler import compile_spec

    _, deployment = compile_spec(COMMITTED_SPECS[0])
    with pytest.raises(OSError):
        writer.write(writer.plan(tmp_path, deployment.environment, _changed_files(deployment)))
    monkeypatch.undo()
    assert tree(tmp_path) == before
    assert not [p for p in tmp_path.iterdir() if ".new-" in p.name], "staging tree left behind"


def _build_killed_by(sabotage: str, out: Path) -> int:
    """Exit status of a child process that builds the first spec (one file changed) into
    `out` after running `sabotage`, code that patches the writer to kill the process."""
    script = (
        "import os\n"
        "from pathlib import Path\n"
        "from cachegen import writer\n"
        "from cachegen.compiler import compile_spec, render\n"
        f"{sabotage}"
        f"_, d = compile_spec(Path({str(COMMITTED_SPECS[0])!r}))\n"
        "files = writer.encode(render(d)); files['cloudformation/stack.yaml'] += b'#x\\n'\n"
        f"writer.write(writer.plan(Path({str(out)!r}), d.environment, files))\n"
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True).returncode


def test_killed_build_leaves_previous_tree_intact(tmp_path):
    assert run_cli("build", "--out", tmp_path, *COMMITTED_SPECS).code == 0
    before = tree(tmp_path)
    # A build killed after staging the new tree but before the swap.
    assert _build_killed_by("writer._swap = lambda new, target: os.kill(os.getpid(), 9)\n", tmp_path) == -9
    assert tree(tmp_path) == before
    # the next build cleans up what the killed one left
    assert run_cli("build", "--out", tmp_path, *COMMITTED_SPECS).code == 0
    assert not [p for p in tmp_path.iterdir() if ".new-" in p.name]


def test_concurrent_builds_leave_a_tree_consistent_with_its_manifest(tmp_path):
    specs = [str(p) for p in COMMITTED_SPECS]
    processes = [subprocess.Popen([sys.executable, "-m", "cachegen", "build", "--out", str(tmp_path), *specs],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0]
    _assert_consistent_with_manifests(tmp_path)


@pytest.mark.parametrize("swap", ["exchange", "two renames"])
def test_full_disk_at_the_swap_leaves_previous_tree_intact(tmp_path, monkeypatch, swap):
    """rename(2) can fail with ENOSPC when the directory must grow; both swap paths recover."""
    from cachegen import writer
    from cachegen.compiler import compile_spec

    assert run_cli("build", "--out", tmp_path, *COMMITTED_SPECS).code == 0
    before = tree(tmp_path)
    _, deployment = compile_spec(COMMITTED_SPECS[0])
    target = tmp_path / deployment.environment

    if swap == "exchange":
        monkeypatch.setattr(writer, "_rename_exchange", _no_space)
    else:
        real_rename = os.rename

        def rename(src, dst):
            if ".new-" in str(src) and Path(dst) == target:
                _no_space()
            real_rename(src, dst)

        monkeypatch.setattr(writer, "_rename_exchange", lambda a, b: False)
        monkeypatch.setattr(writer.os, "rename", rename)
    with pytest.raises(OSError):
        writer.write(writer.plan(tmp_path, deployment.environment, _changed_files(deployment)))
    monkeypatch.undo()
    _assert_whole_and_alone(tmp_path, before)


def test_full_disk_at_the_swap_is_reported_not_raised(tmp_path, monkeypatch):
    from cachegen import writer

    assert run_cli("build", "--out", tmp_path, *COMMITTED_SPECS).code == 0
    before = tree(tmp_path)
    (tmp_path / "prod" / "cloudformation" / "stack.yaml").write_text("edited by hand\n")
    before["prod/cloudformation/stack.yaml"] = hashlib.sha256(b"edited by hand\n").hexdigest()

    monkeypatch.setattr(writer, "_rename_exchange", _no_space)
    result = run_cli("build", "--out", tmp_path, *COMMITTED_SPECS)
    assert result.code == 2
    assert "No space left on device" in result.err and "previous contents are unchanged" in result.err
    assert "Traceback" not in result.err
    assert tree(tmp_path) == before
    assert not [p for p in tmp_path.iterdir() if ".new-" in p.name or ".old-" in p.name]


def test_build_killed_between_the_two_renames_is_recovered(tmp_path):
    """Without RENAME_EXCHANGE the swap has a gap: the previous tree is renamed aside first."""
    from cachegen import writer

    assert run_cli("build", "--out", tmp_path, *COMMITTED_SPECS).code == 0
    before = tree(tmp_path)
    killed_between_renames = (
        "writer._rename_exchange = lambda a, b: False\n"
        "real_rename = os.rename\n"
        "def rename(src, dst):\n"
        "    if '.new-' in str(src):\n"
        "        os.kill(os.getpid(), 9)\n"
        "    real_rename(src, dst)\n"
        "writer.os.rename = rename\n"
    )
    assert _build_killed_by(killed_between_renames, tmp_path) == -9
    assert [p.name for p in tmp_path.iterdir() if ".old-" in p.name], "the gap was not reached"
    assert tree(tmp_path) != before  # the environment's tree is aside, not lost
    writer.recover(tmp_path)
    _assert_whole_and_alone(tmp_path, before)


@pytest.mark.parametrize("platform", ["syncfs", "fsync per file"])
def test_new_files_reach_the_disk_before_the_swap(tmp_path, monkeypatch, platform):
    """A power cut right after the swap must find neither empty files nor missing entries,
    including those of unchanged files, which are hard links in the new tree."""
    from cachegen import writer
    from cachegen.compiler import compile_spec

    _, deployment = compile_spec(COMMITTED_SPECS[0])
    assert run_cli("build", "--out", tmp_path, COMMITTED_SPECS[0]).code == 0
    events: list[str] = []
    real_fsync, real_exchange = os.fsync, writer._rename_exchange

    class Libc:
        def syncfs(self, fd):
            events.append("syncfs " + os.readlink(f"/proc/self/fd/{fd}"))
            return 0

    def fsync(fd):
        events.append("fsync " + os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def exchange(a, b):
        events.append("swap")
        return real_exchange(a, b)

    monkeypatch.setattr(writer, "_libc", Libc if platform == "syncfs" else lambda: None)
    monkeypatch.setattr(writer.os, "fsync", fsync)
    monkeypatch.setattr(writer, "_rename_exchange", exchange)
    files = _changed_files(deployment)
    writer.write(writer.plan(tmp_path, deployment.environment, files))
    swap = events.index("swap")
    before_swap = events[:swap]
    if platform == "syncfs":
        assert len(before_swap) == 1 and ".new-" in before_swap[0]
    else:
        staging = re.compile(r"^fsync .*/\.[^/]+\.new-[^/]+/?")
        synced = {staging.sub("", event) for event in before_swap}
        directories = {name.rsplit("/", 1)[0] for name in files if "/" in name} | {""}
        assert {"cloudformation/stack.yaml"} | directories <= synced
        assert "cli/create.sh" not in synced  # unchanged: linked, not rewritten
    assert events[swap + 1:] == [f"fsync {tmp_path}"]  # the swap itself, durable
