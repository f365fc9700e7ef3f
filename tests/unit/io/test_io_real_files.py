"""Every reader on the real public datasets beside the checkout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.core.errors import ReadError
from lib.datasets.io import inspect_source, read_examples


def _examples(path: Path, **options):
    reading = read_examples(path, file_name=path.name, **options)
    return reading, list(reading.examples())


def test_toy_chat_jsonl(shared_datasets: Path) -> None:
    path = shared_datasets / "openai_cookbook" / "toy_chat_fine_tuning.jsonl"
    inspection = inspect_source(path, file_name=path.name)
    assert (inspection.format, inspection.encoding, inspection.schema) == ("jsonl", "UTF-8", "chat")
    assert inspection.n_rows == 5
    assert inspection.unknown_keys == {}
    reading, examples = _examples(path)
    assert reading.schema == "chat"
    assert [e.source_row for e in examples] == [1, 2, 3, 4, 5]
    longest = max(len(m.get("content") or "") for e in examples for m in e.data["messages"])
    assert longest == 26_000  # the deliberately long assistant reply survives whole
    # JSONL lines are stored as read: no re-serialising on import.
    for example, line in zip(examples, path.read_text(encoding="utf-8").splitlines(), strict=True):
        assert example.raw_json == line.strip()
        assert json.loads(example.raw_json) == example.data


def test_drone_tool_calls_without_content(shared_datasets: Path) -> None:
    path = shared_datasets / "openai_cookbook" / "drone_training.jsonl"
    reading, examples = _examples(path)
    assert reading.schema == "chat" and len(examples) == 103
    first = examples[0].data
    assert "tools" in first and first["tools"][0]["type"] == "function"
    calls = [m for m in first["messages"] if m["role"] == "assistant" and m.get("tool_calls")]
    assert calls, "assistant turns with tool_calls are kept"
    assert all(e.unknown_keys == () for e in examples)  # tools/parallel_tool_calls are known


def test_dbpedia_needs_a_mapping_and_suggests_one(shared_datasets: Path) -> None:
    path = shared_datasets / "openai_cookbook" / "dbpedia_samples.jsonl"
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.needs_mapping and inspection.schema is None
    assert inspection.columns == ("text", "category")
    assert inspection.n_rows == 200
    assert inspection.suggested_mapping == {"prompt": "{text}", "completion": "{category}"}
    assert inspection.preview_raw[0]["category"] == "Company"
    with pytest.raises(ReadError, match="map columns to prompt and completion"):
        read_examples(path, file_name=path.name)
    reading, examples = _examples(path, mapping=inspection.suggested_mapping)
    assert reading.schema == "completion"
    assert examples[0].data == {
        "prompt": " Morada Limited is a textile company based in Altham Lancashire. "
        "Morada specializes in curtains.",
        "completion": "Company",
    }
    assert len({e.data["completion"] for e in examples}) == 14
    assert examples[0].raw_json is None  # mapped: the line is not the example


def test_ag_news_csv_title_and_description(shared_datasets: Path) -> None:
    path = shared_datasets / "openai_cookbook" / "AG_news_samples.csv"
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.format == "csv" and inspection.n_rows == 2000
    assert inspection.columns == ("title", "description", "label_int", "label")
    assert inspection.suggested_mapping == {
        "prompt": "{title}\n\n{description}",
        "completion": "{label}",
    }
    mapped = inspect_source(path, file_name=path.name, mapping=inspection.suggested_mapping)
    assert mapped.schema == "completion"
    assert mapped.unknown_keys == {"label_int": 2000}  # kept, reported
    first = mapped.preview_examples[0]
    assert first["prompt"].startswith("World Briefings\n\nBRITAIN: BLAIR WARNS")
    assert first["completion"] == "World" and first["label_int"] == "1"
    _, examples = _examples(path, mapping=inspection.suggested_mapping)
    assert {e.data["completion"] for e in examples} == {"World", "Sports", "Business", "Sci/Tech"}
    assert examples[-1].source_row == 2001  # spreadsheet rows: the header is row 1


def test_completion_csv_and_prepared_jsonl_agree(shared_datasets: Path) -> None:
    folder = shared_datasets / "gpt_examples"
    reading, csv_examples = _examples(folder / "out_openai_completion.csv")
    assert reading.schema == "completion" and len(csv_examples) == 162
    _, prepared = _examples(folder / "out_openai_completion_prepared.jsonl")
    assert len(prepared) == 162
    for raw, done in zip(csv_examples, prepared, strict=True):
        assert done.data["prompt"] == raw.data["prompt"] + " ->"
        assert done.data["completion"] == " " + raw.data["completion"] + "\n"
    assert csv_examples[0].data["prompt"] == "Grocery Stores, Brussels, small"


def test_kuake_json_array_cjk(shared_datasets: Path) -> None:
    path = shared_datasets / "huatuogpt" / "KUAKE-QIC_100.json"
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.format == "json" and inspection.n_rows == 100
    assert inspection.columns == ("id", "label", "query")
    assert inspection.suggested_mapping == {"prompt": "{query}", "completion": "{label}"}
    _, examples = _examples(path, mapping=inspection.suggested_mapping)
    assert examples[0].data == {
        "prompt": "干桑葚泡水喝的功效有哪些？",
        "completion": "功效作用",
        "id": "s53",
    }
    assert examples[0].unknown_keys == ("id",)
    assert len({e.data["completion"] for e in examples}) == 10


def test_med_dialog_json_mapped_by_hand(shared_datasets: Path) -> None:
    path = shared_datasets / "huatuogpt" / "Med-dialog_100.json"
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.needs_mapping and inspection.n_rows == 100
    mapping = {"prompt": "{medical_case}\n\n科室：{Department}", "completion": "{doctor_diagnosis}"}
    reading, examples = _examples(path, mapping=mapping)
    assert len(examples) == 100
    assert examples[0].data["prompt"].startswith("疾病：\n指甲营养不良")
    assert examples[0].data["id"] == 62963  # JSON values stay JSON (a number here)
    assert reading.mapping == mapping
