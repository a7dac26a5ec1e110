"""out/<environment>/manifest.json: what was built, from what, by which cachegen."""

from __future__ import annotations

import hashlib

from .. import __version__
from . import json_text
from ..model import Deployment

FILE_NAME = "manifest.json"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def emit(deployment: Deployment, files: dict[str, str]) -> str:
    manifest = {
        "generator": "cachegen",
        "cachegen_version": __version__,
        "environment": deployment.environment,
        "spec": {
            "file": deployment.spec_file,
            # the spec and every file it extends, in order: the spec's hash is the first
            "sources": [{"file": s.name, "sha256": s.sha256} for s in deployment.sources],
        },
        "artifacts": {name: {"sha256": sha256(text), "bytes": len(text.encode("utf-8"))}
                      for name, text in sorted(files.items())},
    }
    # ASCII: a file name that is not valid UTF-8 (a surrogate escape) stays writable
    return json_text.dumps(manifest) + "\n"
