"""Golden files for the shapes nothing else pins: one snapshot file per artifact of each
fixture spec in tests/specs/ (cluster mode, Valkey, Redis OSS 6.2, IPv6, hostile strings,
alarms in stacks of their own). The committed specs are pinned once, by their out/ and
`build --check` (test_committed.py).

`pytest --snapshot-update` refreshes them after an intended change.
"""

from __future__ import annotations

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from conftest import TEST_SPECS


class TextFile(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "txt"


def _artifacts():
    from cachegen.compiler import compile_spec, render

    cases = []
    for path in sorted(TEST_SPECS.glob("*.yaml")):
        _, deployment = compile_spec(path)
        for name, text in render(deployment).items():
            cases.append(pytest.param(text, id=f"{path.stem}/{name}".replace("/", "__")))
    return cases


@pytest.mark.parametrize("text", _artifacts())
def test_artifact(text, snapshot):
    assert text == snapshot(extension_class=TextFile)
