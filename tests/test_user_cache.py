"""The per-user cache (template bytecode, parsed data catalogues) changes speed, never output, and
never fails a build."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from cachegen import catalog
from conftest import COMMITTED_SPECS, REPO
from test_build import tree


def build(out: Path, cache: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cachegen", "build", "--out", str(out), *map(str, COMMITTED_SPECS)],
                          cwd=REPO, env={**os.environ, "CACHEGEN_CACHE_DIR": cache}, capture_output=True, text=True)


def cached_files(cache: Path) -> list[Path]:
    return sorted([*cache.rglob("*.cache"), *cache.rglob("*.marshal")])


def test_no_cache_cold_cache_and_warm_cache_give_identical_files(tmp_path):
    cache = tmp_path / "cache"
    assert build(tmp_path / "off", "").returncode == 0
    assert build(tmp_path / "cold", str(cache)).returncode == 0
    compiled = cached_files(cache)
    assert len([p for p in compiled if p.suffix == ".cache"]) >= 10  # one per template that the build renders
    assert len([p for p in compiled if p.suffix == ".marshal"]) == len(catalog.DATA_FILES)  # the build reads every one
    mtimes = [p.stat().st_mtime_ns for p in compiled]
    assert build(tmp_path / "warm", str(cache)).returncode == 0
    assert [p.stat().st_mtime_ns for p in cached_files(cache)] == mtimes  # read, not recompiled
    assert tree(tmp_path / "off") == tree(tmp_path / "cold") == tree(tmp_path / "warm")


def test_a_corrupt_cache_is_recompiled(tmp_path):
    cache = tmp_path / "cache"
    assert build(tmp_path / "first", str(cache)).returncode == 0
    for path in cached_files(cache):
        path.write_bytes(b"j2 not bytecode \x00\xff")
    assert build(tmp_path / "second", str(cache)).returncode == 0
    assert tree(tmp_path / "first") == tree(tmp_path / "second")
    assert all(b"not bytecode" not in p.read_bytes() for p in cached_files(cache))


def test_an_unusable_cache_location_costs_speed_not_the_build(tmp_path):
    reference = tmp_path / "reference"
    assert build(reference, "").returncode == 0
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    result = build(tmp_path / "a", str(not_a_directory))
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "a") == tree(reference)


def test_a_cache_others_can_write_to_is_not_used(tmp_path):
    """Cached bytecode is executed: a directory another user could plant files in is refused."""
    shared = tmp_path / "shared"
    shared.mkdir()
    assert build(tmp_path / "reference", str(shared)).returncode == 0
    compiled_dirs = [p for p in shared.iterdir() if p.is_dir()]  # one per target language, one for data
    assert compiled_dirs
    for path in cached_files(shared):
        path.unlink()
    for compiled_dir in compiled_dirs:
        compiled_dir.chmod(compiled_dir.stat().st_mode | stat.S_IWOTH)
    result = build(tmp_path / "a", str(shared))
    assert result.returncode == 0, result.stderr
    assert cached_files(shared) == []
    assert tree(tmp_path / "a") == tree(tmp_path / "reference")


def test_a_data_entry_is_keyed_by_the_bytes_it_was_parsed_from(tmp_path, monkeypatch):
    """An edited data file is parsed anew, never served from an entry made for other bytes;
    dates survive the round trip; an entry for other bytes under the right name is not trusted."""
    import datetime

    from cachegen import usercache

    monkeypatch.setenv("CACHEGEN_CACHE_DIR", str(tmp_path))
    calls = []

    def parse(value):
        calls.append(value)
        return {"retrieved": datetime.date(2026, 11, 28), "value": value, "list": [1, 2.5, None, True, {"k": "v"}]}

    first = usercache.parsed(b"first", lambda: parse("first"))
    assert usercache.parsed(b"first", lambda: parse("again")) == first  # served from the entry
    assert usercache.parsed(b"second", lambda: parse("second"))["value"] == "second"
    assert calls == ["first", "second"]
    [entry] = [p for p in tmp_path.rglob("*.marshal") if p.stem == __import__("hashlib").sha256(b"first").hexdigest()]
    other = next(p for p in tmp_path.rglob("*.marshal") if p != entry)
    entry.write_bytes(other.read_bytes())  # the right name, another file's content
    assert usercache.parsed(b"first", lambda: parse("third"))["value"] == "third"
    assert first["retrieved"] == datetime.date(2026, 11, 28)
    assert not list(tmp_path.rglob("*.tmp"))
