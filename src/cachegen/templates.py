"""Jinja2 templates from the top-level templates/ folder (shipped inside the wheel), one
environment per target language.

A template's target comes from its name (`create.sh.j2` is shell, `celeryconfig.py.j2` is
Python, ...). Its environment's `finalize` lets through numbers and the escaped text of
that target (`render.escape`), and refuses everything else: a `{{ value }}` that skipped
its escaping filter fails the build instead of writing spec text into a script. Comment
text is let through only on a comment line. Literal text belongs in the template itself,
not in an expression.

Compiling the templates is most of a cold build's rendering time, so their bytecode is
cached per user (`usercache`; Jinja's own bytecode cache, keyed by template and checked
against the template's source; the output is the same with or without it).
"""

from __future__ import annotations

import json

import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from .usercache import cache_dir, private_directory


class UnescapedValue(TypeError):
    """A template wrote a value without its target's escaping: a bug in cachegen."""


@cache
def templates_dir() -> Path:
    """Inside the installed package (wheel), else the repository's templates/ (editable install)."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


# Compiled code depends on these as well as on the template's text, so they name the cache.
OPTIONS = {"keep_trailing_newline": True, "trim_blocks": True, "lstrip_blocks": True, "autoescape": False}
# Template name suffix -> target language.
TARGETS = {".sh.j2": "shell", ".yaml.j2": "yaml", ".py.j2": "python", ".conf.j2": "conf", ".env.j2": "dotenv",
           ".md.j2": "markdown"}


def target_of(name: str) -> str:
    for suffix, target in TARGETS.items():
        if name.endswith(suffix):
            return target
    raise ValueError(f"template {name} has no known target language")


def _bytecode_cache(target: str) -> Any:
    import hashlib

    import jinja2

    class TolerantCache(jinja2.FileSystemBytecodeCache):
        """A full disk or a read-only home costs speed, never the build."""

        def load_bytecode(self, bucket: Any) -> None:
            try:
                super().load_bytecode(bucket)
            except OSError:
                bucket.reset()

        def dump_bytecode(self, bucket: Any) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    directory = cache_dir()
    if directory is None:
        return None
    settings = repr((getattr(jinja2, "__version__", ""), sorted(OPTIONS.items()), target)).encode()
    directory = directory / f"jinja-{hashlib.sha256(settings).hexdigest()[:16]}"
    if not private_directory(directory):
        return None
    return TolerantCache(str(directory), "%s.cache")


def _filters(target: str) -> dict[str, Any]:
    from .render import escape

    common = {"comment": escape.comment}
    if target == "shell":
        return {**common, "q": escape.shell_word, "words": escape.shell_words,
                "lines": _shell_lines}
    if target == "python":
        return {**common, "py": escape.python_literal}
    if target == "conf":
        return {**common, "conf": escape.conf_value}
    if target == "dotenv":
        return {**common, "dotenv": lambda value, name: escape.dotenv_value(name, value)}
    if target == "markdown":
        return {"md": escape.markdown, "code": escape.markdown_code,
                "num": lambda value, spec="g": escape.Markdown(format(value, spec))}
    if target == "yaml":  # a scalar as a double-quoted YAML string (JSON's escapes are YAML's)
        return {**common, "y": lambda value: escape.Yaml(json.dumps(str(value)))}
    return common


def _shell_lines(words: list[Any], indent: int = 4) -> Any:
    """A command's words, one per continued line."""
    from .render.escape import Shell

    for word in words:
        if not isinstance(word, Shell):
            raise UnescapedValue(f"{word!r} is not Shell text")
    return Shell((" \\\n" + " " * indent).join(words))


def _finalize(target: str):
    from .render import escape

    accepted: tuple[type, ...] = {
        "shell": (escape.Shell, escape.Comment), "yaml": (escape.Yaml, escape.Comment), "python": (escape.Python, escape.Comment),
        "conf": (escape.Conf, escape.Comment), "dotenv": (escape.Dotenv, escape.Comment),
        "markdown": (escape.Markdown,),
    }[target]

    def finalize(value: Any) -> Any:
        if isinstance(value, escape.Comment):  # marked: render() checks that it stands in a comment
            return f"{COMMENT_START}{value}{COMMENT_END}"
        if isinstance(value, accepted):
            return value
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return value
        raise UnescapedValue(f"{value!r} reaches a {target} template without {target} escaping")

    return finalize


@cache
def _environment(target: str) -> Any:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        bytecode_cache=_bytecode_cache(target),
        auto_reload=False,  # templates do not change while cachegen runs: no stat() per render
        finalize=_finalize(target),
        **OPTIONS,
    )
    environment.filters.update(_filters(target))
    return environment


# Comment text is only safe after a `#`: on a code line a shell would run its `$(...)`. The
# finalizer brackets it with these (comment() escapes every control character, so its text
# never holds them) and render() refuses a template that puts it anywhere but in a comment.
COMMENT_START, COMMENT_END = "\x02", "\x03"
_COMMENT_BEFORE = re.compile(r"(?:^|\s)#", re.MULTILINE)


def render(name: str, **context: Any) -> str:
    return _comments_in_place(name, _environment(target_of(name)).get_template(name).render(**context))


def _comments_in_place(name: str, text: str) -> str:
    """The rendered text without the comment marks; UnescapedValue if comment text is on a code line."""
    start = text.find(COMMENT_START)
    if start < 0:
        return text
    while start >= 0:
        line_start = text.rfind("\n", 0, start) + 1
        if not _COMMENT_BEFORE.search(text, line_start, start):
            line = text[line_start:].split("\n", 1)[0]
            raise UnescapedValue(f"{name}: comment text outside a comment: {line!r}")
        start = text.find(COMMENT_START, max(text.find(COMMENT_END, start), start + 1))
    return text.replace(COMMENT_START, "").replace(COMMENT_END, "")
