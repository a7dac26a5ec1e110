"""The renderers: one module per artifact family, each a pure function of the model and the plan.

A renderer takes the Deployment and its resource plan and returns {file name: text} for
its family's folder. It reads no clock, no environment and no file other than its
templates, and decides nothing: every value comes from the model or the plan.
"""

from __future__ import annotations

from importlib import import_module

from ..model import Deployment

# Artifact family (the folder under out/<env>/) -> the module whose emit(deployment, plan) renders
# it. Imported when rendering: `validate` reads render.cloudformation's limits without the rest.
RENDERERS = {
    "cloudformation": "cloudformation",
    "cli": "cli",
    "app": "app",
    "alarms": "alarms",
    "cost": "cost",
}


# Families the environment has once, whatever its groups: the application's files.
ENVIRONMENT_FAMILIES = frozenset({"app"})


def render_all(deployment: Deployment) -> dict[str, str]:
    """Every file of the environment. Each group's own files go to its family's folder (the
    spec's own group) or a folder named by its key inside it (`cloudformation/cache/`)."""
    from . import manifest

    files: dict[str, str] = {}
    for group in deployment.all_groups:
        for family, module in RENDERERS.items():
            if group.group_key and family in ENVIRONMENT_FAMILIES:
                continue
            for name, text in import_module(f"{__name__}.{module}").emit(group, group.plan).items():
                files[f"{family}/{group.folder}{name}"] = text
    files[manifest.FILE_NAME] = manifest.emit(deployment, files)
    return dict(sorted(files.items()))
