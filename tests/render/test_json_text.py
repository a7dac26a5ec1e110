"""render.json_text writes the very text `json.dumps(value, indent=2)` writes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cachegen.render import json_text

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=30)


@settings(max_examples=500, deadline=None)
@given(JSON)
def test_same_text_as_json_dumps(value):
    assert json_text.dumps(value) == json.dumps(value, indent=2)


def test_tuples_are_arrays():
    assert json_text.dumps({"a": (1, "é")}) == json.dumps({"a": [1, "é"]}, indent=2)


def test_anything_else_is_refused():
    with pytest.raises(TypeError):
        json_text.dumps({"a": object()})
