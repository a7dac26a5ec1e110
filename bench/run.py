"""cachegen benchmarks (issue 8): whole processes timed over repeated runs, each result a
ratio against a reference measured in the same run, plus the raw medians.

    make bench            # or: .venv/bin/python bench/run.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SPECS = sorted(str(p) for p in (REPO / "spec").glob("*.yaml"))
ENVS = [s for s in SPECS if not Path(s).name.startswith(("base", "_"))]


# As installed for real use: Python may cache bytecode (some sandboxes turn that off, which
# would time the compilation of cachegen's own modules in every run).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
# What the design fixes (click, jinja2, pydantic models, PyYAML), imported in a cold process.
DESIGN_FLOOR = "import yaml, click, jinja2; from pydantic import BaseModel"


def median_seconds(command: list[str], runs: int, setup=None, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        if setup:
            setup()
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, check=True, capture_output=True, env={**ENV, **(env or {})})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def b1(runs: int) -> None:
    ours = median_seconds([str(BIN / "cachegen"), "validate", *SPECS], runs)
    theirs = median_seconds([str(BIN / "check-jsonschema"), "--schemafile", str(REPO / "schema" / "cachegen.schema.json"),
                             *SPECS], runs)
    print(f"B1 validate vs check-jsonschema: ratio {ours / theirs:.2f} (goal <= 1.0); "
          f"medians {ours * 1000:.0f} ms vs {theirs * 1000:.0f} ms")


def b2(runs: int) -> None:
    out = Path(tempfile.mkdtemp(prefix="cachegen-bench-"))
    command = [str(BIN / "cachegen"), "build", "--out", str(out), *ENVS]
    cold = median_seconds(command, runs, setup=lambda: shutil.rmtree(out, ignore_errors=True))
    unchanged = median_seconds(command, runs)
    floor = median_seconds([sys.executable, "-c", "import yaml, pydantic"], runs)
    design_floor = median_seconds([sys.executable, "-c", DESIGN_FLOOR], runs)
    no_cache = median_seconds(command, runs, setup=lambda: shutil.rmtree(out, ignore_errors=True),
                              env={"CACHEGEN_CACHE_DIR": ""})
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    rewritten = [p for p in out.rglob("*") if p.is_file() and p.stat().st_mtime_ns != before.get(p)]
    shutil.rmtree(out, ignore_errors=True)
    print(f"B2 build (cold process) vs python -c 'import yaml, pydantic': ratio {cold / floor:.2f} (goal <= 2.5); "
          f"medians {cold * 1000:.0f} ms vs {floor * 1000:.0f} ms")
    print(f"   without the per-user cache (templates, data): {no_cache * 1000:.0f} ms ({no_cache / floor:.2f}); "
          f"the design's libraries alone ({DESIGN_FLOOR!r}): {design_floor * 1000:.0f} ms "
          f"({design_floor / floor:.2f}), so cachegen's own work is {(cold - design_floor) * 1000:.0f} ms")
    print(f"B2b build with nothing to change: ratio {unchanged / cold:.2f} of B2 (goal <= 1.0); "
          f"median {unchanged * 1000:.0f} ms; files rewritten: {len(rewritten)} (goal 0)")


def _specs(directory: Path, count: int) -> list[Path]:
    (directory / "base.yaml").write_text((REPO / "spec" / "base.yaml").read_text())
    nodes = ["cache.t4g.micro", "cache.t4g.small", "cache.r7g.large", "cache.m7g.large"]
    presets = ["development", "production", "high-performance"]
    paths = []
    for i in range(count):
        path = directory / f"env{i}.yaml"
        path.write_text(f"extends: base.yaml\npreset: {presets[i % 3]}\nenvironment: env{i}\n"
                        f"node_type: {nodes[i % 4]}\n")
        paths.append(path)
    return paths


def b3() -> None:
    sys.path.insert(0, str(REPO / "src"))
    from cachegen.compiler import compile_spec, render

    def compile_all(paths: list[Path]) -> float:
        start = time.perf_counter()
        for path in paths:
            render(compile_spec(path)[1])
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        paths = _specs(Path(tmp), 1000)
        compile_all(paths[:10])  # warm caches (templates, catalogues), as a long-running process would
        small = compile_all(paths[:100])
        large = compile_all(paths)
        tracemalloc.start()  # a separate pass: tracing slows every allocation down
        compile_all(paths)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"B3 in-process, 1,000 specs, all artifacts: {1000 / large:.0f} specs/s (goal >= 200); "
          f"1,000 vs 100 specs: {large / small:.1f}x (goal <= 11); peak traced memory {peak / 1024 ** 2:.0f} MB "
          f"(goal <= 200)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    os.chdir(REPO)
    b1(args.runs)
    b2(args.runs)
    b3()


if __name__ == "__main__":
    main()
