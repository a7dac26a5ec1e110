"""Where a cold `cachegen build` spends its time, phase by phase (issue 8's profile for B2).

    .venv/bin/python bench/phases.py [--runs N]

Each run is a fresh process that imports and runs the pipeline step by step, timing each
step with perf_counter; the medians over the runs are printed. Python's own start-up is
not in these figures (B2's floor holds it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

ONE_RUN = r"""
import json, sys, time
from pathlib import Path
laps, last = {}, time.perf_counter()
def lap(name):
    global last
    now = time.perf_counter(); laps[name] = (now - last) * 1000; last = now
import yaml, pydantic;                                 lap("floor: import yaml, pydantic")
import click, jinja2;                                  lap("design: import click, jinja2")
from pydantic import BaseModel;                        lap("design: pydantic's models (pydantic.main)")
from cachegen import cli, compiler;                    lap("cachegen: modules up to the compiler")
from cachegen.spec import Spec; Spec.model_rebuild();  lap("cachegen: building Spec's validator")
from cachegen import catalog
for name in ("node_types", "engines", "presets", "alarms", "pricing"):
    catalog._load(name + ".yaml")
lap("cachegen: reading the data catalogues")
results = [compiler.compile_spec(Path(p)) for p in sys.argv[2:]]; lap("cachegen: load, validate, rules, resolve")
from cachegen import render, writer;                  lap("cachegen: renderer and writer modules")
rendered = [compiler.render(d) for _, d in results if d]; lap("cachegen: rendering (template cache warm)")
for (_, d), files in zip([r for r in results if r[1]], rendered):
    writer.write(writer.plan(Path(sys.argv[1]), d.environment, writer.encode(files)))
lap("cachegen: writing (empty out/)")
print(json.dumps(laps))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    specs = sorted(str(p) for p in (REPO / "spec").glob("*.yaml") if not p.name.startswith(("base", "_")))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs: list[dict[str, float]] = []
    for _ in range(args.runs + 1):  # the first run warms the bytecode caches and is dropped
        with tempfile.TemporaryDirectory() as out:
            done = subprocess.run([sys.executable, "-c", ONE_RUN, out, *specs], cwd=REPO, env=env,
                                  check=True, capture_output=True, text=True)
        runs.append(json.loads(done.stdout))
    runs = runs[1:]
    total = 0.0
    for name in runs[0]:
        median = statistics.median(run[name] for run in runs)
        total += median
        print(f"{median:7.1f} ms  {name}")
    print(f"{total:7.1f} ms  in all (medians; Python's start-up not included)")


if __name__ == "__main__":
    main()
