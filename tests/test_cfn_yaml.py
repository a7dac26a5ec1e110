"""The stack's YAML writer: whatever it writes, a YAML reader reads back as the same data."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cachegen.render.cfn_yaml import GetAtt, Ref, Sub, dump


class _Loader(yaml.SafeLoader):
    pass


for _tag, _cls in (("!Ref", Ref), ("!Sub", Sub), ("!GetAtt", GetAtt)):
    _Loader.add_constructor(_tag, lambda loader, node, cls=_cls: cls(loader.construct_scalar(node)))

keys = st.text(min_size=1, max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=30), st.sampled_from(["on", "no", "0700", "02:00-03:00", "7.1", "- x", "a: b",
                                                          "#x", "x #y", "'q'", '"d"', "{{resolve:x}}", "${A}-b", " ",
                                                          "", "null", "~", "2010-09-09", "sun:03:00-sun:04:00"]),
                    st.builds(Ref, st.text(min_size=1, max_size=10)), st.builds(Sub, st.text(max_size=20)),
                    st.builds(GetAtt, st.text(min_size=1, max_size=10)))
documents = st.dictionaries(keys, st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)), max_leaves=10), max_size=5)


@settings(max_examples=1000, derandomize=True, database=None)
@given(documents)
def test_round_trip(document):
    assert yaml.load(dump(document), Loader=_Loader) == document


def test_the_fast_check_agrees_with_the_printable_set():
    from cachegen.render.cfn_yaml import _has_unprintable, _printable

    for code in range(0x110000):
        ch = chr(code)
        assert _has_unprintable(ch) == (not _printable(ch)), hex(code)


def test_comment_text_escapes_exactly_what_a_comment_cannot_hold():
    from cachegen.render.escape import comment

    for code in range(0x110000):
        ch = chr(code)
        safe = (0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
                or 0x10000 <= code <= 0x10FFFF) and code not in (0x85, 0x2028, 0x2029)
        assert (comment(ch) == ch) == safe, hex(code)
