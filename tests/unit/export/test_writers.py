"""Every export format, re-imported, gives back the examples that went in."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from lib.core.convert import chat_to_completion
from lib.core.errors import UserError
from lib.core.example_store import iter_examples
from lib.datasets.export import (
    ExportOptions,
    dataset_export,
    export_bytes,
    export_to_path,
)
from lib.datasets.export.llamafactory import sharegpt_to_chat
from lib.datasets.io import import_file, read_examples
from lib.snapshots.export import openai_jsonl_bytes, snapshot_export
from lib.snapshots.repo import create_snapshot, iter_split

from .helpers import classification_rows, make_dataset

CHAT = [
    {
        "messages": [
            {"role": "system", "content": "Classify the ticket."},
            {"role": "user", "content": f'ticket {i}: 日本語 "quoted", comma\nnew line'},
            {"role": "assistant", "content": ["a", "b", "c"][i % 3]},
        ]
    }
    for i in range(30)
]
PREFERENCE = [
    {
        "input": {"messages": [{"role": "user", "content": f"Say hi #{i}"}]},
        "preferred_output": [{"role": "assistant", "content": "Hi!"}],
        "non_preferred_output": [{"role": "assistant", "content": f"Go away {i}."}],
    }
    for i in range(12)
]


def _read(data: bytes, file_name: str, **kwargs: Any) -> list[dict[str, Any]]:
    return [e.data for e in read_examples(data, file_name=file_name, **kwargs).examples()]


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _snapshot(engine: sa.Engine, rows: list[dict[str, Any]], schema: str) -> int:
    dataset_id = make_dataset(engine, rows, schema=schema, name=f"{schema} data")
    return create_snapshot(engine, dataset_id, author="Ana", seed=3, stratify=False).id


def _split(engine: sa.Engine, snapshot_id: int, split: str) -> list[dict[str, Any]]:
    return [e.data for e in iter_split(engine, snapshot_id, split)]


@pytest.mark.parametrize(
    ("rows", "schema", "fmt"),
    [
        (CHAT, "chat", "chat"),
        (classification_rows(30), "completion", "completion"),
        (PREFERENCE, "preference", "dpo"),
    ],
)
def test_openai_jsonl_round_trip(db: sa.Engine, rows: list[dict], schema: str, fmt: str) -> None:
    snapshot_id = _snapshot(db, rows, schema)
    file = export_bytes(snapshot_export(db, snapshot_id, "train"), fmt)
    assert file.file_name == f"{schema}_data_snapshot{snapshot_id}_train.jsonl"
    assert _read(file.data, file.file_name) == _split(db, snapshot_id, "train")


def test_all_splits_come_as_a_zip(db: sa.Engine) -> None:
    snapshot_id = _snapshot(db, CHAT, "chat")
    file = export_bytes(snapshot_export(db, snapshot_id, "all"), "chat")
    assert file.mime == "application/zip"
    members = _unzip(file.data)
    base = f"chat_data_snapshot{snapshot_id}"
    assert sorted(members) == sorted(f"{base}_{s}.jsonl" for s in ("train", "valid", "test"))
    for split in ("train", "valid", "test"):
        assert _read(members[f"{base}_{split}.jsonl"], "x.jsonl") == _split(db, snapshot_id, split)


def test_upload_bytes_for_a_job(db: sa.Engine) -> None:
    snapshot_id = _snapshot(db, classification_rows(30), "completion")
    data = openai_jsonl_bytes(db, snapshot_id, "train")
    first = json.loads(data.splitlines()[0])
    assert first["messages"][0]["role"] == "user"
    assert not first["messages"][0]["content"].endswith(" ->")  # legacy separator stripped
    assert first["messages"][1]["content"] in {"a", "b", "c"}  # space and "\n" stripped
    with pytest.raises(UserError, match="one split at a time"):
        openai_jsonl_bytes(db, snapshot_id, "all")


def test_completion_to_chat_and_back_equals_original(db: sa.Engine) -> None:
    rows = classification_rows(30)
    dataset_id = make_dataset(db, rows)
    file = export_bytes(
        dataset_export(db, dataset_id), "chat", options=ExportOptions(system="Sort")
    )
    chats = _read(file.data, "x.jsonl")
    assert chats[0]["messages"][0] == {"role": "system", "content": "Sort"}
    back = [
        chat_to_completion({"messages": c["messages"][1:]}, separator=" ->", ending="\n")
        for c in chats
    ]
    assert back == rows


def test_csv_round_trip_and_formula_neutralisation(db: sa.Engine) -> None:
    rows = [
        {"prompt": "=1+1", "completion": " yes\n", "source": "web"},
        {"prompt": "+33 6 12", "completion": "-1", "source": "@home"},
        {"prompt": 'plain, "quoted"\nline two', "completion": " 日本", "source": "mail"},
    ]
    dataset_id = make_dataset(db, rows)
    file = export_bytes(dataset_export(db, dataset_id), "csv")
    assert file.file_name == "tickets.csv"
    assert file.data.startswith(b"\xef\xbb\xbfprompt,completion,source\r\n")
    back = _read(file.data, file.file_name)
    # a cell starting with = + - @ gets a leading ' and keeps it when imported again
    assert back[0] == {"prompt": "'=1+1", "completion": " yes\n", "source": "web"}
    assert back[1] == {"prompt": "'+33 6 12", "completion": "'-1", "source": "'@home"}
    assert back[2] == rows[2]


def test_csv_of_chat_rows_with_tools(db: sa.Engine, shared_datasets: Path) -> None:
    path = shared_datasets / "openai_cookbook" / "drone_training.jsonl"
    dataset_id = import_file(db, path, file_name=path.name).dataset_id
    original = [e.data for e in iter_examples(db, dataset_id)]
    file = export_bytes(dataset_export(db, dataset_id), "csv")
    assert _read(file.data, "drone.csv") == original


def test_xlsx_one_sheet_per_split_round_trip(db: sa.Engine) -> None:
    rows = [
        {"prompt": f"=SUM(A{i})" if i == 0 else f"p{i}\tx", "completion": f" {i % 3}"}
        for i in range(30)
    ]
    dataset_id = make_dataset(db, rows)
    snapshot_id = create_snapshot(db, dataset_id, author="Ana", seed=2).id
    file = export_bytes(snapshot_export(db, snapshot_id, "all"), "xlsx")
    assert file.file_name == f"tickets_snapshot{snapshot_id}.xlsx"
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(file.data), read_only=True)
    assert workbook.sheetnames == ["train", "valid", "test"]
    for split in ("train", "valid", "test"):
        expected = _split(db, snapshot_id, split)
        back = _read(file.data, file.file_name, sheet=split)
        assert len(back) == len(expected)
        for got, want in zip(back, expected, strict=True):
            if want["prompt"].startswith("="):
                assert got["prompt"] == "'" + want["prompt"]  # shown as text, not run
            else:
                assert got == want


def test_xlsx_replaces_control_characters(db: sa.Engine) -> None:
    dataset_id = make_dataset(db, [{"prompt": "bell\x07", "completion": " ok"}])
    file = export_bytes(dataset_export(db, dataset_id), "xlsx")
    assert _read(file.data, "x.xlsx") == [{"prompt": "bell\ufffd", "completion": " ok"}]


def test_hugging_face_files_and_card(db: sa.Engine) -> None:
    dataset_id = make_dataset(db, classification_rows(100))
    snapshot_id = create_snapshot(db, dataset_id, author="Ana", seed=4).id
    file = export_bytes(snapshot_export(db, snapshot_id, "all"), "hf")
    members = _unzip(file.data)
    assert sorted(members) == [
        "README.md",
        "data/test.jsonl",
        "data/train.jsonl",
        "data/validation.jsonl",
    ]
    for split, hub in (("train", "train"), ("valid", "validation"), ("test", "test")):
        assert _read(members[f"data/{hub}.jsonl"], "x.jsonl") == _split(db, snapshot_id, split)
    card = members["README.md"].decode()
    header = yaml.safe_load(card.split("---")[1])
    assert header["license"] == "other"
    assert header["dataset_info"]["splits"] == [
        {"name": "train", "num_examples": 80},
        {"name": "validation", "num_examples": 10},
        {"name": "test", "num_examples": 10},
    ]
    assert header["configs"][0]["data_files"][1] == {
        "split": "validation",
        "path": "data/validation.jsonl",
    }
    assert header["labels"] == ["a", "b", "c"]
    assert "Created with Tunelab." in card
    assert "| a | 50 |" in card


def test_llamafactory_sharegpt_and_dataset_info(db: sa.Engine) -> None:
    snapshot_id = _snapshot(db, CHAT, "chat")
    file = export_bytes(snapshot_export(db, snapshot_id, "all"), "llamafactory")
    members = _unzip(file.data)
    base = f"chat_data_snapshot{snapshot_id}"
    info = json.loads(members["dataset_info.json"])
    assert info[f"{base}_train"] == {
        "file_name": f"{base}_train.json",
        "formatting": "sharegpt",
        "columns": {"messages": "conversations", "system": "system", "tools": "tools"},
    }
    for split in ("train", "valid", "test"):
        records = json.loads(members[f"{base}_{split}.json"])
        assert records[0]["conversations"][0]["from"] == "human"
        assert [sharegpt_to_chat(r) for r in records] == _split(db, snapshot_id, split)


def test_llamafactory_ranking_for_preference_data(db: sa.Engine) -> None:
    dataset_id = make_dataset(db, PREFERENCE, schema="preference", name="prefs")
    file = export_bytes(dataset_export(db, dataset_id), "llamafactory")
    members = _unzip(file.data)
    assert json.loads(members["dataset_info.json"])["prefs"]["ranking"] is True
    first = json.loads(members["prefs.json"])[0]
    assert first == {
        "conversations": [{"from": "human", "value": "Say hi #0"}],
        "chosen": {"from": "gpt", "value": "Hi!"},
        "rejected": {"from": "gpt", "value": "Go away 0."},
    }


def test_llamafactory_tool_calls(db: sa.Engine, shared_datasets: Path) -> None:
    path = shared_datasets / "openai_cookbook" / "drone_training.jsonl"
    dataset_id = import_file(db, path, file_name=path.name).dataset_id
    members = _unzip(export_bytes(dataset_export(db, dataset_id), "llamafactory").data)
    record = json.loads(members["drone_training.json"])[0]
    assert record["system"].startswith("You are an intelligent AI that controls a drone.")
    call = record["conversations"][1]
    assert call["from"] == "function_call"
    assert json.loads(call["value"]) == {"name": "takeoff_drone", "arguments": {"altitude": 100}}
    assert json.loads(record["tools"])[0]["function"]["name"] == "takeoff_drone"


def test_bad_rows_are_named_and_nothing_is_written(
    db: sa.Engine, shared_datasets: Path, tmp_path: Path
) -> None:
    path = shared_datasets / "openai_cookbook" / "toy_chat_fine_tuning.jsonl"
    dataset_id = import_file(db, path, file_name=path.name).dataset_id
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(UserError, match=r"row \d+ \(source row \d+\): .*LLaMA-Factory expects"):
        export_to_path(dataset_export(db, dataset_id), "llamafactory", folder / "toy.zip")
    assert list(folder.iterdir()) == []
    with pytest.raises(UserError, match="needs preference"):
        export_bytes(dataset_export(db, dataset_id), "dpo")
