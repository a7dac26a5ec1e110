"""One escaping function per target language, and a type for text that went through it.

A value reaches a generated file only as the literal of that file's language: a shell
word, a JMESPath literal, a Python literal, a redis.conf argument, a .env value, Markdown
text, comment text, XML text. Each function returns an `Escaped` subclass naming its
target; the template environment of a target (`cachegen.templates`) refuses every other
string, so a value that skipped its escaping fails the build instead of reaching a file.
JSON and the CloudFormation YAML are written by serializers (json.dumps, cfn_yaml), which
escape by construction.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from typing import Any, ClassVar

# Characters a line comment may hold: YAML's printable set less line breaks (YAML 1.1 also
# breaks lines at NEL, LS and PS; Python and shell at CR and LF). Anything else is escaped.
# The full class takes milliseconds to compile: ASCII text, nearly all of it, needs only the first.
_ASCII_UNSAFE = re.compile("[\x00-\x1f\x7f]")
_UNSAFE_CLASS = "[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\x85\u2028\u2029]"


@cache
def _unsafe() -> re.Pattern[str]:
    return re.compile(_UNSAFE_CLASS)


def _escape_unsafe(text: str) -> str:
    pattern = _ASCII_UNSAFE if text.isascii() else _unsafe()
    return pattern.sub(lambda m: _escape_char(m.group()), text)


# The AWS CLI replaces an option's value that starts with one of these by the contents of the
# file or (version 1) of the URL it names, and has no way to pass such a value as written.
# https://docs.aws.amazon.com/cli/v1/userguide/cli-usage-parameters-file.html
CLI_PARAMETER_FILE_PREFIXES = ("file://", "fileb://", "http://", "https://")


class Escaped(str):
    """Text already made safe for `target`."""

    __slots__ = ()
    target: ClassVar[str] = ""


class Shell(Escaped):
    """One or more shell words, each quoted so that bash reads it literally."""

    target = "shell"


class Comment(Escaped):
    """Text for a `#` line comment in any target: it can hold no line break."""

    target = "comment"


class Yaml(Escaped):
    """A YAML document written by `cfn_yaml.dump`, which quotes every scalar it must."""

    target = "yaml"


class Python(Escaped):
    """A Python literal."""

    target = "python"


class Conf(Escaped):
    """One argument of a redis.conf directive."""

    target = "conf"


class Dotenv(Escaped):
    """A .env value, quoted."""

    target = "dotenv"


class Markdown(Escaped):
    """Markdown inline text (a table cell)."""

    target = "markdown"


class UnsafeValue(ValueError):
    """A value the target cannot represent at all."""


def _escape_char(ch: str) -> str:
    code = ord(ch)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or (
        f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")


def comment(value: Any) -> Comment:
    """Text inside a line comment: every line break and unprintable character written as an escape."""
    return Comment(_escape_unsafe(str(value)))


_SHELL_SAFE = re.compile(r"[A-Za-z0-9@%+=:,./_-]+")
# Bash reads these literally as arguments, but shellcheck asks for quotes (SC1010 and friends).
_SHELL_KEYWORDS = {"if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do",
                   "done", "in", "function", "time", "coproc"}


def shell_word(value: Any) -> Shell:
    """Any value as one shell word, read literally (no expansion, no splitting).

    Text goes between single quotes, where bash reads every character as itself; a quote is
    written "'" and a backslash \\ between the quoted runs, so no quoted run ends in a
    backslash (which shellcheck, SC1003, would take for a mistaken escape)."""
    if type(value) is str:  # nearly every call
        return _quoted(value)
    if isinstance(value, Shell):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean has no single shell spelling; choose the word")
    return _quoted(str(value))


@lru_cache(maxsize=4096)  # scripts repeat their words: metric names, namespaces, dimension names
def _quoted(text: str) -> Shell:
    if _SHELL_SAFE.fullmatch(text) and text not in _SHELL_KEYWORDS:
        return Shell(text)
    out = []
    for run in re.split(r"(['\\])", text):
        out.append({"'": "\"'\"", "\\": "\\\\"}.get(run) or (f"'{run}'" if run else ""))
    return Shell("".join(out) or "''")


def shell_value(value: Any) -> Shell:
    """A value assigned to a shell variable, always between single quotes: a bare `app-prod` after
    `=` reads to shellcheck as arithmetic someone forgot to wrap (SC2100)."""
    word = shell_word(value)
    return word if word.startswith(("'", '"')) else Shell(f"'{word}'")


def shell_words(values: list[Any]) -> Shell:
    return Shell(" ".join(shell_word(v) for v in values))


def jmespath_literal(value: str) -> str:
    """A JMESPath literal that evaluates to `value`: JSON between backticks, its backticks escaped."""
    return "`" + json.dumps(value, ensure_ascii=False).replace("`", "\\`") + "`"


def jmespath(template: str, *values: str) -> str:
    """A JMESPath expression with each `{}` of `template` replaced by the literal of a value."""
    return template.format(*(jmespath_literal(v) for v in values))


def python_literal(value: Any) -> Python:
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        raise UnsafeValue(f"{value} has no Python literal")  # validation bounds every float
    if isinstance(value, (str, int, float, bool)) or value is None:
        return Python(repr(value))
    raise TypeError(f"no Python literal for {type(value).__name__}")


_CONF_PLAIN = re.compile(r"[A-Za-z0-9_.:/+@-]+")


def conf_value(value: Any) -> Conf:
    """A redis.conf argument: plain when unambiguous, else double-quoted with C escapes
    (redis.conf's parser, sdssplitargs, reads \\n, \\", \\\\ and \\xHH in double quotes)."""
    text = str(value)
    if _CONF_PLAIN.fullmatch(text):
        return Conf(text)
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7f:
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    return Conf('"' + "".join(out) + '"')


_DOTENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def dotenv_name(name: str) -> Dotenv:
    """A .env variable name: letters, digits and underscores, not starting with a digit."""
    if not _DOTENV_NAME.fullmatch(name):
        raise UnsafeValue(f"{name!r} is not a variable name")
    return Dotenv(name)


def dotenv_value(name: str, value: Any) -> Dotenv:
    """A single-quoted .env value: no expansion by shells, docker compose or python-dotenv.
    A quote or a line break cannot be written that way (AWS endpoints and tokens hold neither)."""
    text = str(value)
    if "'" in text or "\n" in text or "\r" in text:
        raise UnsafeValue(f"{name} holds a quote or a line break and cannot be written to a .env file")
    return Dotenv(f"'{text}'")


# What can change the structure of a Markdown table cell: a cell break, code, emphasis, HTML, links.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_<\[\]|~])")


def markdown(value: Any) -> Markdown:
    """Inline Markdown text (a table cell): structural punctuation backslash-escaped (CommonMark), one line."""
    return _markdown(str(value))


@lru_cache(maxsize=4096)  # the tables repeat their texts: an alarm's reason and runbook on every member
def _markdown(text: str) -> Markdown:
    return Markdown(_escape_unsafe(_MARKDOWN_SPECIAL.sub(r"\\\1", text)))


def markdown_code(value: Any) -> Markdown:
    """Inline code: a backtick fence longer than any run of backticks inside."""
    text = _escape_unsafe(str(value))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markdown(f"{fence}{pad}{text}{pad}{fence}")


# Characters XML 1.0 cannot hold. As for comments, the full class takes milliseconds to
# compile and ASCII text needs only its first part.
_XML_ASCII_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@cache
def _xml_invalid() -> re.Pattern[str]:
    return re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: Any) -> str:
    """XML character data: markup characters as entities, characters XML cannot hold as U+FFFD."""
    from html import escape

    text = str(value)
    invalid = _XML_ASCII_INVALID if text.isascii() else _xml_invalid()
    return escape(invalid.sub("\ufffd", text), quote=True)
