"""Each target's escaping, judged by the target's own reader: bash reads a shell word back to
the value (and shellcheck finds nothing to say), jmespath matches a literal against the value
itself, Python evaluates a literal back, YAML reads a comment as a comment."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import jmespath as jmespath_library
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cachegen.render import escape

BIN = Path(sys.executable).parent
# Text a spec value may hold (no NUL: a shell argument cannot carry one, and the loader refuses it).
values = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40)
SETTINGS = settings(max_examples=300, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


def test_shell_words_read_back_exactly_and_pass_shellcheck(tmp_path):
    collected: list[str] = []

    @SETTINGS
    @given(value=values)
    def collect(value):
        collected.append(value)

    collect()
    collected += ["a\\", "\\", "'", "it's\\", "$(touch x)", "`x`", "\n", "-x", "--help", "*", "~root", "a b", "then",
                  "done", "{", "}", "!"]
    script = tmp_path / "words.sh"
    script.write_text("#!/usr/bin/env bash\n# shellcheck disable=SC2016 # as in every generated script\n" + "".join(f"printf '%s\\0' {escape.shell_word(v)}\n" for v in collected))
    run = subprocess.run(["bash", str(script)], capture_output=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1] == collected
    assert list(tmp_path.iterdir()) == [script], "a word was executed"
    check = subprocess.run([str(BIN / "shellcheck"), "--severity=style", str(script)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:]


@SETTINGS
@given(value=values)
def test_jmespath_literals_match_their_value(value):
    expression = escape.jmespath("[?name=={}] | length(@)", value)
    assert jmespath_library.search(expression, [{"name": value}, {"name": value + "x"}]) == 1


@SETTINGS
@given(value=st.one_of(values, st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                       st.none()))
def test_python_literals_evaluate_to_their_value(value):
    assert ast.literal_eval(escape.python_literal(value)) == value


def test_a_float_without_a_python_literal_is_refused():
    import pytest

    for value in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(escape.UnsafeValue):
            escape.python_literal(value)


@SETTINGS
@given(value=values)
def test_comments_stay_comments(value):
    text = escape.comment(value)
    document = f"# {text}\nkey: value\n"
    assert yaml.safe_load(document) == {"key": "value"}
    assert "\n" not in text and "\r" not in text
    compile(f"# {text}\nx = 1\n", "<comment>", "exec")


@SETTINGS
@given(value=values)
def test_markdown_text_stays_in_its_table_cell(value):
    text = escape.markdown(value)
    assert "\n" not in text
    unescaped_bars = [i for i, ch in enumerate(text) if ch == "|" and (i == 0 or text[i - 1] != "\\")]
    assert not unescaped_bars


def test_a_dotenv_value_that_cannot_be_written_is_refused():
    import pytest

    assert escape.dotenv_value("X", "a$b") == "'a$b'"
    with pytest.raises(escape.UnsafeValue):
        escape.dotenv_value("X", "it's")


def test_xml_text_is_well_formed_character_data_for_every_code_point():
    """Every code point, alone and amid ASCII (the ASCII-only fast path and the full class):
    the text parses as XML and reads back as itself, less what XML cannot hold (U+FFFD)."""
    import re
    from xml.etree import ElementTree

    allowed = re.compile("[\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    for start in range(0, 0x110000, 0x1000):
        chars = [chr(code) for code in range(start, start + 0x1000)]
        for text in ("".join(chars), *(f"a{ch}<&>\"'" for ch in chars[:128])) if start == 0 else ("".join(chars),):
            written = escape.xml_text(text)
            expected = "".join(ch if allowed.fullmatch(ch) else "\ufffd" for ch in text).replace("\r", "\n")
            read = ElementTree.fromstring(f"<t>{written}</t>".encode("utf-8")).text or ""
            assert read.replace("\r", "\n") == expected, hex(start)
