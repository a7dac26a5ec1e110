"""Fuzzing: mutated specs end in exit 0, 1 or 2 with a located message, never a traceback.

CI runs a bounded slice, the same cases every time. `make fuzz` runs 10,000 of each from a
new seed every run (CACHEGEN_FUZZ_SEED, printed first; `make fuzz SEED=n` replays a run).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from conftest import SPEC_DIR, run_cli

EXAMPLES = int(os.environ.get("CACHEGEN_FUZZ_EXAMPLES", "200"))
SEED = os.environ.get("CACHEGEN_FUZZ_SEED")
SETTINGS = settings(max_examples=EXAMPLES, derandomize=SEED is None, deadline=timedelta(seconds=5), database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def fuzz(test):
    test = SETTINGS(test)
    return seed(int(SEED))(test) if SEED is not None else test


LOCATED = re.compile(r"^\S.*:\d+:\d+: error")
BASE = yaml.safe_load((SPEC_DIR / "base.yaml").read_text())
PROD = yaml.safe_load((SPEC_DIR / "prod.yaml").read_text())
DOCUMENT = {**BASE, **PROD, "abstract": False}
DOCUMENT.pop("extends")

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.sampled_from([0, -1, 1, 5, 6, 15, 16, 35, 36, 40, 41, 128, 129, 1023, 65535, 65536]),
    st.floats(allow_nan=False), st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFF), max_size=20),
    st.sampled_from(["on", "no", "0800", "02:00", "7.10", "~", "", " ", "\t", "x" * 5000, "../../etc", "\u202e",
                     "sun:03:00-sun:03:30", "02:00-03:00", "cache.t4g.micro", "valkey", "enabled"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                      max_leaves=12)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


PATHS = [p for p in _paths(DOCUMENT) if p]


def _set(document, path, value, delete):
    target = document
    for part in path[:-1]:
        target = target[part]
    if delete and isinstance(target, dict):
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value


def _check(tmp_path: Path, text: bytes) -> None:
    spec = tmp_path / "fuzz.yaml"
    spec.write_bytes(text)
    result = run_cli("validate", spec)
    assert result.code in (0, 1, 2), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    if result.code == 2:
        heads = [line for line in result.err.splitlines() if ": error" in line and not line.startswith(" ")]
        assert heads and all(LOCATED.match(line) for line in heads), result.err


@fuzz
@given(mutations=st.lists(st.tuples(st.sampled_from(PATHS), values, st.booleans()), min_size=1, max_size=4),
       extra=st.dictionaries(st.text(max_size=10), values, max_size=2))
def test_structured_mutations(tmp_path, mutations, extra):
    import copy

    document = copy.deepcopy(DOCUMENT)
    for path, value, delete in mutations:
        try:
            _set(document, path, value, delete)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the parent
    document.update(extra)
    _check(tmp_path, yaml.safe_dump(document, allow_unicode=True).encode("utf-8", "surrogatepass"))


RAW = (SPEC_DIR / "base.yaml").read_bytes().replace(b"abstract: true\n", b"environment: fuzz\n")


@fuzz
@given(edits=st.lists(st.tuples(st.integers(min_value=0, max_value=len(RAW)), st.integers(min_value=0, max_value=8),
                                st.binary(max_size=8)), min_size=1, max_size=6))
def test_raw_byte_mutations(tmp_path, edits):
    text = bytearray(RAW)
    for at, cut, insert in edits:
        at = min(at, len(text))
        text[at:at + cut] = insert
    _check(tmp_path, bytes(text))
