"""Schema detection per record: chat, preference (DPO), legacy keys in any case, unknown keys."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from lib.datasets.io import inspect_source, read_examples

CHAT = {
    "messages": [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "assistant", "content": "Sunny.", "weight": 1},
    ],
    "tools": [{"type": "function", "function": {"name": "weather", "parameters": {}}}],
    "parallel_tool_calls": False,
}
PREFERENCE = {
    "input": {"messages": [{"role": "user", "content": "Say hi"}]},
    "preferred_output": [{"role": "assistant", "content": "Hi!"}],
    "non_preferred_output": [{"role": "assistant", "content": "Go away."}],
}


def _jsonl(tmp_path: Path, name: str, rows: list[dict]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_chat_with_every_role_and_unknown_keys(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, "chat.jsonl", [CHAT, {**CHAT, "id": 7, "source": "web"}])
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.schema == "chat" and inspection.n_rows == 2
    assert inspection.unknown_keys == {"id": 1, "source": 1}
    assert inspection.warnings == ()  # unknown keys are reported in unknown_keys, not warned
    examples = list(read_examples(path, file_name=path.name).examples())
    assert examples[0].data == CHAT and examples[0].unknown_keys == ()
    assert examples[1].unknown_keys == ("id", "source")
    assert examples[1].data["source"] == "web"


def test_preference_jsonl_and_csv(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, "dpo.jsonl", [PREFERENCE, PREFERENCE])
    reading = read_examples(path, file_name=path.name)
    assert reading.schema == "preference"
    assert [e.data for e in reading.examples()] == [PREFERENCE, PREFERENCE]

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["input", "preferred_output", "non_preferred_output"])
    writer.writerow([json.dumps(PREFERENCE[key]) for key in writer_keys()])
    table = tmp_path / "dpo.csv"
    table.write_text(buffer.getvalue(), encoding="utf-8")
    inspection = inspect_source(table, file_name=table.name)
    assert inspection.schema == "preference"
    assert inspection.preview_examples == (PREFERENCE,)


def writer_keys() -> list[str]:
    return ["input", "preferred_output", "non_preferred_output"]


def test_legacy_keys_in_any_case(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, "caps.jsonl", [{"Prompt": "a", "COMPLETION": " b", "Extra": 1}])
    (example,) = list(read_examples(path, file_name=path.name).examples())
    assert example.data == {"prompt": "a", "completion": " b", "Extra": 1}
    assert example.raw_json is None  # renamed, so the line is no longer the example
    assert example.unknown_keys == ("Extra",)
    table = tmp_path / "caps.csv"
    table.write_text("PROMPT,Completion,notes\nq, a,n1\n", encoding="utf-8")
    inspection = inspect_source(table, file_name=table.name)
    assert inspection.preview_examples == ({"prompt": "q", "completion": " a", "notes": "n1"},)
    assert inspection.unknown_keys == {"notes": 1}


def test_chat_messages_column_in_csv(tmp_path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Messages", "tools", "parallel_tool_calls"])
    writer.writerow([json.dumps(CHAT["messages"]), json.dumps(CHAT["tools"]), "False"])
    path = tmp_path / "chat.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    (example,) = list(read_examples(path, file_name=path.name).examples())
    assert example.data == CHAT
