"""The AWS SDK, for the few commands that talk to AWS (env, drift, pricing refresh).

Compiling needs none of it, so boto3 is the optional extra `cachegen[aws]`; a command that
needs it and does not find it says how to get it (exit 2) instead of a traceback.
"""

from __future__ import annotations

from types import ModuleType


class MissingExtra(Exception):
    """An optional dependency a command needs is not installed."""


def boto3(command: str) -> ModuleType:
    try:
        import boto3 as module
    except ImportError:
        raise MissingExtra(f"`cachegen {command}` talks to AWS and needs boto3, which is not installed: "
                           "pip install 'cachegen[aws]'") from None
    return module
