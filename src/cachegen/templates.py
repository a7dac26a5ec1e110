"""Jinja2 templates from the top-level templates/ folder (shipped inside the wheel)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


def templates_dir() -> Path:
    """Inside the installed package (wheel), else the repository's templates/ (editable install)."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


@cache
def _environment() -> Any:
    import shlex

    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    # `q`: any value into one shell word, literally (spec text never runs as code)
    environment.filters["q"] = lambda value: shlex.quote(str(value))
    return environment


def render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)
