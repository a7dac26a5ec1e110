"""Diagnostics: every problem cachegen reports, with where it is and what would fix it."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
PathPart = str | int
SpecPath = tuple[PathPart, ...]


@dataclass(frozen=True)
class Location:
    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def format_path(path: SpecPath) -> str:
    """`("network", "subnets", 0, "az")` -> `network.subnets[0].az`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


# A URL's password, the one credential a spec value can carry in plain sight: in the user
# part (`scheme://user:password@host`, up to the last `@` before the host, as URL parsers split
# it) or as a query parameter (`?password=...`, which redis-py reads). Every message cachegen
# prints goes through `mask_credentials`; rule V205 refuses any spec string that has one.
URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/@\s:]*:)(?P<password>[^\s/]+)(?=@[^@\s/]*(?:[/?#\s]|$))",
                          re.IGNORECASE)
QUERY_PASSWORD = re.compile(r"(?P<head>[?&](?:password|passwd|pass|pwd|auth|token)=)(?P<password>[^&\s#]+)")
MASK = "****"


def has_credentials(text: str) -> bool:
    return "://" in text and bool(URL_PASSWORD.search(text)) or "=" in text and bool(QUERY_PASSWORD.search(text))


def mask_credentials(text: str) -> str:
    """`text` with every URL password, in the user part or the query, replaced by ****."""
    if "://" in text:
        text = URL_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    if "=" in text:
        text = QUERY_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    return text


@dataclass(frozen=True)
class Diagnostic:
    """One message about a spec. Credentials in it are masked when it is made, so no output
    (text, JSON, SARIF, a hook's log) can print one."""

    message: str
    location: Location | None = None
    path: SpecPath = ()
    expected: str | None = None
    suggestion: str | None = None
    severity: Severity = "error"
    code: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("message", "expected", "suggestion"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, mask_credentials(value))
        object.__setattr__(self, "notes", tuple(mask_credentials(note) for note in self.notes))
        object.__setattr__(self, "path", tuple(mask_credentials(part) if isinstance(part, str) else part
                                               for part in self.path))

    def format(self) -> str:
        where = f"{self.location}: " if self.location else ""
        code = f" [{self.code}]" if self.code else ""
        head = f"{where}{self.severity}{code}: "
        if self.path:
            head += f"{format_path(self.path)}: "
        lines = [head + self.message]
        if self.expected:
            lines.append(f"  expected: {self.expected}")
        if self.suggestion:
            lines.append(f"  hint: {self.suggestion}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    def to_json(self) -> dict:
        data = asdict(self)
        data["path"] = format_path(self.path) if self.path else ""
        data["notes"] = list(self.notes)
        return data


def did_you_mean(value: object, choices: list[str]) -> str | None:
    """`did you mean `x`?` for the closest choice (a typo, or an unambiguous prefix), else None."""
    import difflib

    text = str(value)
    close = difflib.get_close_matches(text, choices, n=1, cutoff=0.6)
    prefixed = [c for c in choices if text and c.startswith(text)]
    match = close[0] if close else (prefixed[0] if len(prefixed) == 1 else None)
    return f"did you mean `{match}`?" if match else None


class SpecError(Exception):
    """Invalid input: one or more error diagnostics. The CLI turns it into exit status 2."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


def render_text(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(d.format() for d in diagnostics)


def render_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2, sort_keys=False)
