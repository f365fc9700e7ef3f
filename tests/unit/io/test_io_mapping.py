"""Column mapping templates, suggestions and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.core.errors import ReadError, UserError
from lib.datasets.io import inspect_source, parse_cli_mapping, read_examples, suggest_mapping
from lib.datasets.io.mapping import parse_template


def _csv(tmp_path: Path, text: str, name: str = "reviews.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


REVIEWS = "review_title,review_body,stars,id\nGreat,Works {well},5,a1\nMeh,So-so,3,a2\n"


def test_template_with_newlines_braces_and_kept_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path, REVIEWS)
    mapping = parse_cli_mapping(
        [r"prompt={review_title}\n\n{review_body} {{literal}}", "completion= {stars}"]
    )
    assert mapping["prompt"] == "{review_title}\n\n{review_body} {{literal}}"
    reading = read_examples(path, file_name=path.name, mapping=mapping)
    examples = list(reading.examples())
    assert examples[0].data == {
        "prompt": "Great\n\nWorks {well} {literal}",
        "completion": " 5",
        "id": "a1",  # not used by a template: kept, reported as unknown
    }
    assert examples[0].unknown_keys == ("id",)


def test_unknown_placeholder_names_it_and_lists_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path, REVIEWS)
    with pytest.raises(ReadError) as error:
        inspect_source(
            path, file_name=path.name, mapping={"prompt": "{title}", "completion": "{stars}"}
        )
    assert str(error.value) == (
        "reviews.csv: the template for prompt uses {title}, but there is no column 'title'; "
        "columns: review_title, review_body, stars, id"
    )


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"prompt": "{a", "completion": "x"}, "without a matching }"),
        ({"prompt": "a}", "completion": "x"}, "} without a matching {"),
        ({"prompt": "{}", "completion": "x"}, "empty placeholder"),
        ({"prompt": "{review_title}"}, "needs a completion template"),
        ({"label": "{stars}"}, "unknown field 'label'"),
        ({"prompt": "x", "user": "y", "completion": "z"}, "mixes prompt/completion with chat"),
    ],
)
def test_bad_mappings(tmp_path: Path, mapping: dict[str, str], message: str) -> None:
    path = _csv(tmp_path, REVIEWS)
    with pytest.raises(UserError, match=message):
        inspect_source(path, file_name=path.name, mapping=mapping)


def test_chat_mapping(tmp_path: Path) -> None:
    path = _csv(tmp_path, "question,answer\nWhat is 2+2?,4\n", "qa.csv")
    mapping = {
        "system": "You answer maths questions.",
        "user": "{question}",
        "assistant": "{answer}",
    }
    inspection = inspect_source(path, file_name=path.name, mapping=mapping)
    assert inspection.schema == "chat"
    assert inspection.preview_examples[0] == {
        "messages": [
            {"role": "system", "content": "You answer maths questions."},
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4"},
        ]
    }


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (("text", "label"), {"prompt": "{text}", "completion": "{label}"}),
        (("Question", "Answer"), {"prompt": "{Question}", "completion": "{Answer}"}),
        (("input", "output"), {"prompt": "{input}", "completion": "{output}"}),
        (
            ("title", "description", "category"),
            {"prompt": "{title}\n\n{description}", "completion": "{category}"},
        ),
        (
            ("review_title", "review_body", "stars"),
            {"prompt": "{review_title}\n\n{review_body}", "completion": "{stars}"},
        ),
        (("id", "medical_case", "doctor_diagnosis"), None),
    ],
)
def test_suggestions(columns: tuple[str, ...], expected: dict[str, str] | None) -> None:
    assert suggest_mapping(columns) == expected


def test_template_parts() -> None:
    template = parse_template("a{{b}}{c d}e", field="prompt")
    assert template.columns == ("c d",)
    assert template.render({"c d": 7}) == "a{b}7e"


def test_cli_mapping_errors() -> None:
    with pytest.raises(UserError, match="FIELD=TEMPLATE"):
        parse_cli_mapping(["prompt"])
    with pytest.raises(UserError, match="gives prompt twice"):
        parse_cli_mapping(["prompt={a}", "prompt={b}"])


def test_a_column_the_mapping_would_replace_is_not_dropped(tmp_path: Path) -> None:
    path = _csv(tmp_path, "title,prompt,label\nt,p,l\n", "clash.csv")
    with pytest.raises(ReadError) as error:
        inspect_source(
            path, file_name=path.name, mapping={"prompt": "{title}", "completion": "{label}"}
        )
    assert "column 'prompt' that the mapping would replace" in str(error.value)
    inspection = inspect_source(
        path, file_name=path.name, mapping={"prompt": "{title}: {prompt}", "completion": "{label}"}
    )
    assert inspection.preview_examples == ({"prompt": "t: p", "completion": "l"},)
