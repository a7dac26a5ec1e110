"""Golden files: every artifact of every committed spec, one snapshot file per artifact.

`pytest --snapshot-update` refreshes them after an intended change.
"""

from __future__ import annotations

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from conftest import COMMITTED_SPECS


class TextFile(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "txt"


def _artifacts():
    from cachegen.compiler import compile_spec, render

    cases = []
    for path in COMMITTED_SPECS:
        _, deployment = compile_spec(path)
        for name, text in render(deployment).items():
            cases.append(pytest.param(text, id=f"{deployment.environment}/{name}".replace("/", "__")))
    return cases


@pytest.mark.parametrize("text", _artifacts())
def test_artifact(text, snapshot):
    assert text == snapshot(extension_class=TextFile)
