"""The invalid-spec corpus: every file breaks one rule or sets one YAML trap.

Each file's first line says `# expect: <text>`; `# <-` marks the line the error must
point at (in whichever file the error names). Every case must exit 2 with a
file:line:column message, the expected text, and no traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run_cli

CORPUS = Path(__file__).parent / "invalid"
CASES = sorted(p for p in CORPUS.glob("*.yaml") if not p.name.startswith("_"))
HEAD = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<column>\d+): error", re.MULTILINE)


def test_corpus_is_large_enough():
    assert len(CASES) >= 40


def _expectation(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ").split("  # <-")[0]


def _blocks(stderr: str) -> list[str]:
    starts = [m.start() for m in HEAD.finditer(stderr)]
    return [stderr[a:b] for a, b in zip(starts, starts[1:] + [len(stderr)])]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_invalid_spec(path: Path):
    result = run_cli("validate", path, cwd=CORPUS)
    assert result.code == 2, result.err
    assert "Traceback" not in result.err + result.out
    expected = _expectation(path)
    matching = [b for b in _blocks(result.err) if expected in b]
    assert matching, f"no error mentions {expected!r}:\n{result.err}"
    head = HEAD.match(matching[0])
    marked = (CORPUS / head["file"]).read_bytes().split(b"\n")[int(head["line"]) - 1]
    assert b"# <-" in marked, f"error points at line {head['line']} of {head['file']}, not the marked line:\n{result.err}"
    assert int(head["column"]) >= 1
