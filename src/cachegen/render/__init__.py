"""The renderers: one module per artifact family, each a pure function of the model and the plan.

A renderer takes the Deployment and its resource plan and returns {file name: text} for
its family's folder. It reads no clock, no environment and no file other than its
templates, and decides nothing: every value comes from the model or the plan.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Deployment
from ..plan import Plan
from . import alarms, app, cli, cloudformation, cost, manifest

Renderer = Callable[[Deployment, Plan], dict[str, str]]

RENDERERS: dict[str, Renderer] = {
    "cloudformation": cloudformation.emit,
    "cli": cli.emit,
    "app": app.emit,
    "alarms": alarms.emit,
    "cost": cost.emit,
}


def render_all(deployment: Deployment) -> dict[str, str]:
    plan = deployment.plan
    files: dict[str, str] = {}
    for family, emit in RENDERERS.items():
        for name, text in emit(deployment, plan).items():
            files[f"{family}/{name}"] = text
    files[manifest.FILE_NAME] = manifest.emit(deployment, files)
    return dict(sorted(files.items()))
