"""A hint is given only when following it fixes the error: each case below takes the hint
cachegen prints, applies it to the line it points at, and validates again."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import SPEC_DIR, run_cli

HINT = re.compile(r"^  hint: (?P<hint>.*)$", re.MULTILINE)
HEAD = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<column>\d+): error", re.MULTILINE)
# what a hint says to write, and how to find it in the hint
APPLY = [re.compile(r"write (?P<new>\S+)$"), re.compile(r"did you mean `(?P<new>[^`]+)`\?$")]

CASES = {
    "a YAML 1.1 boolean word for a boolean": ("protected: yes\n", "yes"),
    "a leading zero on a number": ("port: 06379\n", "06379"),
    "a misspelt base file": (None, "bsae.yaml"),  # the extends line itself
    "a misspelt preset": ("preset: prodution\n", "prodution"),
    "a misspelt engine": ("engine: {name: valky, version: '8.0'}\n", "valky"),
}


def _spec(tmp_path: Path, line: str | None) -> Path:
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "env.yaml"
    head = "extends: bsae.yaml\n" if line is None else "extends: base.yaml\n"
    spec.write_text(head + "environment: env\n" + (line or ""))
    return spec


@pytest.mark.parametrize("case", sorted(CASES))
def test_following_the_hint_fixes_the_error(tmp_path, case):
    line, wrong = CASES[case]
    spec = _spec(tmp_path, line)
    result = run_cli("validate", spec, cwd=tmp_path)
    assert result.code == 2, result.err
    [hint] = HINT.findall(result.err)
    new = next((m["new"] for pattern in APPLY if (m := pattern.search(hint))), None)
    assert new, f"a hint that says what to write: {hint}"
    at = int(HEAD.search(result.err)["line"]) - 1
    lines = spec.read_text().split("\n")
    assert wrong in lines[at], (lines[at], result.err)
    lines[at] = lines[at].replace(wrong, new, 1)
    spec.write_text("\n".join(lines))
    again = run_cli("validate", spec, cwd=tmp_path)
    assert again.code == 0, f"hint {hint!r} applied, still:\n{again.err}"


def test_no_boolean_hint_for_a_number(tmp_path):
    """`replicas_per_shard: yes` once got "write true or quote it", which fixes nothing."""
    result = run_cli("validate", _spec(tmp_path, "topology: {replicas_per_shard: yes}\n"), cwd=tmp_path)
    assert result.code == 2 and "hint:" not in result.err, result.err


def test_a_mapping_written_as_text_is_shown_its_shape_in_the_spec_region(tmp_path):
    spec = _spec(tmp_path, "region: eu-west-1\nnetwork:\n  subnets: [subnet-0a1b2c3d4e5f60001]\n")
    result = run_cli("validate", spec, cwd=tmp_path)
    assert result.code == 2
    assert "expected a mapping of keys" in result.err and "az: eu-west-1a}" in result.err, result.err
    assert "us-east-1" not in result.err and "instance of Subnet" not in result.err


def test_a_missing_base_file_is_named_with_its_path(tmp_path):
    result = run_cli("validate", _spec(tmp_path, None), cwd=tmp_path)
    assert "no such file (bsae.yaml)" in result.err, result.err


# The hints of the invalid corpus that say what to write: each, applied at the line the error
# points at, must leave a spec that validates (a corpus case breaks one thing).
WRITE = re.compile(r"(?:did you mean `(?P<name>[^`]+)`\?$|write (?P<word>\S+)$|quote it: (?P<quoted>\"[^\"]+\")"
                   r"|nearest: (?P<nearest>\S+)$|^(?P<tab>replace the tab with spaces)$)")
CORPUS = Path(__file__).parent / "invalid"


def _applicable(path: Path) -> bool:
    result = run_cli("validate", path.name, cwd=CORPUS)
    return any(WRITE.search(h) for h in HINT.findall(result.err) if "belongs under" not in h)


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.yaml")
                                         if not p.name.startswith("_") and _applicable(p)))
def test_every_corpus_hint_that_says_what_to_write_fixes_its_error(tmp_path, name):
    """Applied where the error points, the hint makes that error go (a case may hold others
    that depend on it, such as zones of a misspelt region)."""
    import shutil

    for helper in CORPUS.glob("_*.yaml"):
        shutil.copy(helper, tmp_path / helper.name)
    spec = tmp_path / name
    shutil.copy(CORPUS / name, spec)
    result = run_cli("validate", "--format", "json", name, cwd=tmp_path)
    [target] = [d for d in json.loads(result.out) if d["suggestion"] and WRITE.search(d["suggestion"])
                and "belongs under" not in d["suggestion"]]
    match = WRITE.search(target["suggestion"])
    at, column = target["location"]["line"] - 1, target["location"]["column"] - 1
    lines = spec.read_text().split("\n")
    line = lines[at]
    if match["tab"]:
        lines[at] = line.replace("\t", "  ")
    else:
        new = match["name"] or match["word"] or match["quoted"] or match["nearest"]
        rest = line[column:]
        if rest[:1] in "'\"":  # a quoted scalar: replace what is inside the quotes
            end = rest.index(rest[0], 1)
            lines[at] = line[:column + 1] + new.strip('"') + rest[end:]
        else:
            token = re.match(r"[^\s,{}\[\]#]+?(?=:\s|:$|[\s,{}\[\]#]|$)", rest).group(0)
            lines[at] = line[:column] + new + rest[len(token):]
    spec.write_text("\n".join(lines))
    again = run_cli("validate", "--format", "json", name, cwd=tmp_path)
    remaining = [(d["code"], d["path"]) for d in json.loads(again.out)]
    assert (target["code"], target["path"]) not in remaining, \
        f"{name}: hint {target['suggestion']!r} applied as {lines[at]!r}, still:\n{again.out}"
