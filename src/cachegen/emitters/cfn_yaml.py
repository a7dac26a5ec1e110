"""CloudFormation YAML with short-form intrinsics (`!Ref`, `!Sub`, `!GetAtt`), dumped
deterministically: insertion order kept, no aliases, no line folding, pure-Python dumper
(libyaml's emitter can format differently, and output must not depend on the machine)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Sub:
    template: str


@dataclass(frozen=True)
class GetAtt:
    target: str  # "Resource.Attribute"


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def choose_scalar_style(self) -> str:
        # PyYAML quotes every scalar with an explicit tag; `!Ref Name` needs no quotes
        # whenever the text could stand plain.
        event = self.event
        if event.tag and event.tag.startswith("!") and not event.tag.startswith("!!") and not event.style:
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            if not self.analysis.empty and not self.analysis.multiline and self.analysis.allow_block_plain \
                    and not self.flow_level:
                return ""
        return super().choose_scalar_style()


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(Ref, lambda d, v: d.represent_scalar("!Ref", v.name))
_Dumper.add_representer(Sub, lambda d, v: d.represent_scalar("!Sub", v.template))
_Dumper.add_representer(GetAtt, lambda d, v: d.represent_scalar("!GetAtt", v.target))


def dump(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=10_000, indent=2)
