"""Tests of the field types (app/fields.py)."""

import pydantic
import pytest

from app import fields


class Body(pydantic.BaseModel):
    name: fields.text(fields.STRING, min_length=1, max_length=5) = None
    email: fields.text(fields.EMAIL, max_length=255) = None
    url: fields.text(fields.URL, max_length=2048) = None
    count: fields.Integer = None
    flag: fields.Boolean = None
    price: fields.Money = None
    ratio: fields.Number = None


@pytest.mark.parametrize("values", [
    {"name": "abc"}, {"email": "a.b@example.com"}, {"url": "https://example.com/x?y=1"},
    {"count": 2**63 - 1}, {"count": -(2**63)}, {"flag": False}, {"price": "12.34"},
    {"price": 12.5}, {"ratio": 0.5}, {"ratio": 2},
])
def test_valid_values(values):
    body = Body(**values)
    for name, value in values.items():
        assert getattr(body, name) == type(getattr(body, name))(value)


@pytest.mark.parametrize("values", [
    {"name": ""}, {"name": "abcdef"}, {"name": 12}, {"email": "nobody"},
    {"email": "a b@example.com"}, {"url": "example.com"}, {"url": "http:// x"},
    {"count": 2**63}, {"count": "3"}, {"count": 1.5}, {"count": True}, {"flag": "true"},
    {"flag": 1}, {"price": "1.234"}, {"price": "NaN"}, {"price": 10**10},
    {"ratio": "inf"}, {"ratio": "x"},
])
def test_invalid_values(values):
    with pytest.raises(pydantic.ValidationError) as caught:
        Body(**values)
    assert caught.value.errors()[0]["loc"] == (next(iter(values)),)


def test_choices_are_their_wire_values():
    class Colour(fields.Choice):
        red = "red"
        name = "name"

    assert Colour("red") == "red"
    assert Colour.name.value == "name"
    assert [c.value for c in Colour] == ["red", "name"]
