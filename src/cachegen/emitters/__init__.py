"""The emitter registry: one module per artifact family, each a pure function of the model.

An emitter takes the Deployment and returns {file name: text} for its family's folder.
It reads no clock, no environment and no file other than its templates.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Deployment
from . import alarms, app, cli, cloudformation, cost, manifest

Emitter = Callable[[Deployment], dict[str, str]]

EMITTERS: dict[str, Emitter] = {
    "cloudformation": cloudformation.emit,
    "cli": cli.emit,
    "app": app.emit,
    "alarms": alarms.emit,
    "cost": cost.emit,
}


def emit_all(deployment: Deployment) -> dict[str, str]:
    files: dict[str, str] = {}
    for family, emit in EMITTERS.items():
        for name, text in emit(deployment).items():
            files[f"{family}/{name}"] = text
    files[manifest.FILE_NAME] = manifest.emit(deployment, files)
    return dict(sorted(files.items()))
