"""`cachegen diff A B` / `cachegen diff A --against REV`: two resolved specs, compared.

Setting by setting (with where each value came from), the monthly cost delta, the
changes that would replace the replication group, and with --artifacts a unified diff
of every generated file.
"""

from __future__ import annotations

import difflib
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import cost, procedures
from ..compiler import compile_spec, render
from ..previous import previous_compiled
from ..render.cost import decimal_text
from ..rules.change import REPLACING
from .explain import rows


def run(first: Path, second: Path | None, against: str | None, artifacts: bool, output_format: str) -> int:
    if (second is None) == (against is None):
        print("give two specs, or one spec and --against REV", file=sys.stderr)
        return 2
    if second is not None:
        old_merged, old = compile_spec(first)
        new_path, old_label = second, str(first)
    else:
        old_merged, old = previous_compiled(first, against) or (None, None)
        new_path, old_label = first, f"{first}@{against}"
        if old_merged is None:
            print(f"{first} does not exist (or does not compile) at {against}", file=sys.stderr)
            return 2
    new_merged, new = compile_spec(new_path)
    if old is None or new is None:
        print("abstract specs (base files) have nothing to compare", file=sys.stderr)
        return 2
    new_label = str(new_path)
    absent = (None, None)
    before = {path: (value, origin) for path, value, origin in rows(old_merged, old)}
    after = {path: (value, origin) for path, value, origin in rows(new_merged, new)}
    settings = [{"path": path, "old": before.get(path, absent)[0], "old_origin": before.get(path, absent)[1],
                 "new": after.get(path, absent)[0], "new_origin": after.get(path, absent)[1]}
                for path in sorted(set(before) | set(after)) if before.get(path, absent)[0] != after.get(path, absent)[0]]
    # every group of each environment: a total that left one out would be a false number
    (old_cost, old_missing), (new_cost, new_missing) = cost.environment_estimates(old), cost.environment_estimates(new)
    # a difference with an unknown side would be a false saving (or a false rise)
    cost_delta = None if old_cost is None or new_cost is None else new_cost - old_cost
    # replacement only means something for one environment over time (or two specs of one environment)
    replaced = [what + (f" (groups.{group.group_key})" if group.group_key else "")
                for before, group in _same_groups(old, new) for _, value, what in REPLACING
                if value(before) != value(group)] if old.environment == new.environment else []
    # one environment over time: the changes that need a procedure, not only a stack update
    needs_plan = [p.title for p in procedures.plan(old, new)] if old.environment == new.environment else []
    files: dict[str, list[str]] = {}
    if artifacts:
        old_files, new_files = render(old), render(new)
        for name in sorted(set(old_files) | set(new_files)):
            lines = list(difflib.unified_diff(old_files.get(name, "").splitlines(keepends=True),
                                              new_files.get(name, "").splitlines(keepends=True),
                                              f"{old_label}:{name}", f"{new_label}:{name}"))
            if lines:
                files[name] = lines
    if output_format == "json":
        report: dict[str, Any] = {"old": old_label, "new": new_label, "settings": settings,
                                  "monthly_cost": {"old": decimal_text(old_cost), "new": decimal_text(new_cost),
                                                   "delta": decimal_text(cost_delta),
                                                   "old_missing": list(old_missing),
                                                   "new_missing": list(new_missing)},
                                  "replaces_replication_group": replaced,
                                  "needs_plan": needs_plan}
        if artifacts:
            report["artifacts"] = {name: "".join(lines) for name, lines in files.items()}
        print(json.dumps(report, indent=2, default=str))
    else:
        print(f"--- {old_label}\n+++ {new_label}")
        for row in settings:
            print(f"{row['path']}: {json.dumps(row['old'])} ({row['old_origin']}) -> "
                  f"{json.dumps(row['new'])} ({row['new_origin']})")
        if cost_delta is None:
            print(f"monthly cost: {_money(old_cost)} -> {_money(new_cost)} (change unknown: the catalogue cannot "
                  f"price {'; '.join(dict.fromkeys([*old_missing, *new_missing]))})")
        else:
            print(f"monthly cost: ${old_cost:.2f} -> ${new_cost:.2f} ({'+' if cost_delta >= 0 else '-'}"
                  f"${abs(cost_delta):.2f})")
        for what in replaced:
            print(f"REPLACES the replication group: {what} changes (CloudFormation creates a new, empty group)")
        if needs_plan:
            target = f"cachegen plan {first} --against {against}" if against else "cachegen plan SPEC --against REV"
            print(f"needs a change procedure ({'; '.join(needs_plan)}): {target} writes it")
        for lines in files.values():
            sys.stdout.writelines(lines)
    return 1 if settings else 0


def _money(value: Decimal | None) -> str:
    return "unknown" if value is None else f"${value:.2f}"


def _same_groups(old, new) -> list:
    """(old group, new group) for each group both revisions have, by key."""
    return [(before, group) for group in new.all_groups for before in old.all_groups
            if before.group_key == group.group_key]
