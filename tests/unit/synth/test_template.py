"""Templates: placeholders, literal braces, errors that name the problem; value lists."""

from __future__ import annotations

import pytest

from lib.core.errors import UserError
from lib.synth.template import parse_template, parse_values


def test_placeholders_in_order_of_first_use_and_render():
    template = parse_template(
        "{sector}, {city}, {size} — again {city}", label="the training prompt"
    )
    assert template.placeholders == ("sector", "city", "size")
    text = template.render({"sector": "Pharmacies", "city": "Paris", "size": "small"})
    assert text == "Pharmacies, Paris, small — again Paris"


def test_double_braces_are_literal_braces():
    template = parse_template('Answer as JSON: {{"city": "{city}"}}', label="the generation prompt")
    assert template.placeholders == ("city",)
    assert template.render({"city": "Berlin"}) == 'Answer as JSON: {"city": "Berlin"}'


def test_spaces_inside_a_placeholder_are_trimmed():
    assert parse_template("{ city }", label="t").render({"city": "Rome"}) == "Rome"


def test_missing_value_names_the_placeholder_and_the_template():
    template = parse_template("Stores in {city}", label="the generation prompt")
    with pytest.raises(UserError) as error:
        template.render({"sector": "x"})
    message = str(error.value)
    assert "{city}" in message and "the generation prompt" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello {city", "line 1, column 7: '{' is not closed"),
        ("Hello\nworld }", "line 2, column 7: '}' has no opening '{'"),
        ("Stores {0}", "{0} is not a placeholder name"),
        ("Stores {a.b}", "{a.b} is not a placeholder name"),
        ("Stores {city!r}", "{city!r} is not a placeholder name"),
        ("Stores {}", "{} is not a placeholder name"),
    ],
)
def test_bad_braces_say_where_and_how_to_write_a_literal_brace(text, expected):
    with pytest.raises(UserError) as error:
        parse_template(text, label="the generation prompt")
    message = str(error.value)
    assert message.startswith("the generation prompt, ")
    assert expected in message


def test_values_one_per_line_trimmed_blank_dropped_repeats_once():
    assert parse_values(" Paris \n\nBerlin\r\nParis\n  \n", name="city") == ["Paris", "Berlin"]
    assert parse_values("", name="city") == []
