"""LLaMA-Factory export: ShareGPT-format JSON files plus their ``dataset_info.json`` entries.

LLaMA-Factory registers datasets in ``data/dataset_info.json``; the zip holds one JSON array
per split and a ``dataset_info.json`` with one entry per file, ready to merge into the user's.

Mapping from OpenAI chat (prompt/completion rows are converted to chat first; preference rows
become LLaMA-Factory's ranking format with ``chosen``/``rejected``):

- a leading ``system`` (or ``developer``) message → the ``system`` field; ``tools`` → the
  ``tools`` field as JSON text;
- ``user`` → ``human``, ``assistant`` → ``gpt``, an assistant ``tool_calls`` turn →
  ``function_call`` (``{"name", "arguments"}``, a list when there are several calls),
  ``tool`` → ``observation``.

LLaMA-Factory needs human/observation turns in odd positions and gpt/function_call turns in
even ones; a conversation that does not alternate so (or has a system message mid-way, or an
answer with both text and tool calls) is refused with its row, rather than written in a shape
LLaMA-Factory would misread. Tool-call ids and message ``weight`` have no place in ShareGPT and
are not written.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from lib.core.convert import ConversionError
from lib.core.errors import UserError
from lib.core.examples import content_text
from lib.datasets.export.base import Converter, ExportOptions, ExportSource, where
from lib.datasets.export.jsonl import dumps
from lib.datasets.export.sink import Sink, part_file_name

ROLE_TAGS = {"user": "human", "assistant": "gpt", "tool": "observation"}
PROMPT_SIDE = ("human", "observation")
ANSWER_SIDE = ("gpt", "function_call")


def _call(call: Any) -> dict[str, Any]:
    function = call.get("function", {}) if isinstance(call, dict) else {}
    arguments = function.get("arguments", "")
    if isinstance(arguments, str):
        with contextlib.suppress(json.JSONDecodeError):  # else kept as the text it was
            arguments = json.loads(arguments) if arguments.strip() else {}
    return {"name": function.get("name", ""), "arguments": arguments}


def _turn(message: dict[str, Any]) -> dict[str, str]:
    role = message.get("role")
    calls = message.get("tool_calls")
    text = content_text(message.get("content"))
    if role == "assistant" and calls:
        if text.strip():
            raise ConversionError("an assistant message has both text and tool calls")
        value = [_call(c) for c in calls]
        return {"from": "function_call", "value": dumps(value[0] if len(value) == 1 else value)}
    tag = ROLE_TAGS.get(str(role))
    if tag is None:
        raise ConversionError(f"a {role!r} message can only come first in LLaMA-Factory's format")
    return {"from": tag, "value": text}


def _conversation(messages: list[Any]) -> tuple[str | None, list[dict[str, str]]]:
    system_parts: list[str] = []
    index = 0
    while index < len(messages) and messages[index].get("role") in ("system", "developer"):
        system_parts.append(content_text(messages[index].get("content")))
        index += 1
    turns = [_turn(m) for m in messages[index:]]
    for position, turn in enumerate(turns):
        expected = PROMPT_SIDE if position % 2 == 0 else ANSWER_SIDE
        if turn["from"] not in expected:
            raise ConversionError(
                f"turn {position + 1} is {turn['from']!r} but LLaMA-Factory expects "
                f"{' or '.join(expected)} there (turns must alternate, starting with the user)"
            )
    return ("\n\n".join(system_parts) if system_parts else None), turns


def chat_to_sharegpt(data: dict[str, Any]) -> dict[str, Any]:
    """One OpenAI chat example → one ShareGPT record."""
    messages = data.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise ConversionError("the example has no valid 'messages' list")
    system, turns = _conversation(messages)
    if not turns or turns[-1]["from"] not in ANSWER_SIDE:
        raise ConversionError("the conversation must end with an assistant answer")
    record: dict[str, Any] = {"conversations": turns}
    if system is not None:
        record["system"] = system
    if data.get("tools"):
        record["tools"] = dumps(data["tools"])
    return record


def preference_to_ranking(data: dict[str, Any]) -> dict[str, Any]:
    """One DPO example → LLaMA-Factory's ShareGPT ranking record (chosen / rejected)."""
    source = data.get("input")
    messages = source.get("messages") if isinstance(source, dict) else None
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise ConversionError("the example has no valid 'input.messages' list")
    system, turns = _conversation(messages)
    if not turns or turns[-1]["from"] not in PROMPT_SIDE:
        raise ConversionError("the input must end with a user (or tool) turn")
    answers = []
    for key in ("preferred_output", "non_preferred_output"):
        output = data.get(key)
        if not isinstance(output, list) or not output or not isinstance(output[0], dict):
            raise ConversionError(f"'{key}' must hold one assistant message")
        answers.append(_turn(output[0]))
    record: dict[str, Any] = {"conversations": turns, "chosen": answers[0], "rejected": answers[1]}
    if system is not None:
        record["system"] = system
    if isinstance(source, dict) and source.get("tools"):
        record["tools"] = dumps(source["tools"])
    return record


def sharegpt_to_chat(record: dict[str, Any]) -> dict[str, Any]:
    """The inverse for plain text turns (used to check exports; tool calls lose their ids)."""
    back = {"human": "user", "gpt": "assistant", "observation": "tool"}
    messages: list[dict[str, Any]] = []
    if record.get("system") is not None:
        messages.append({"role": "system", "content": record["system"]})
    for turn in record["conversations"]:
        messages.append({"role": back.get(turn["from"], turn["from"]), "content": turn["value"]})
    data: dict[str, Any] = {"messages": messages}
    if record.get("tools"):
        data["tools"] = json.loads(record["tools"])
    return data


def dataset_info_entry(file_name: str, *, ranking: bool) -> dict[str, Any]:
    columns = {"messages": "conversations", "system": "system", "tools": "tools"}
    entry: dict[str, Any] = {"file_name": file_name, "formatting": "sharegpt"}
    if ranking:
        entry["ranking"] = True
        columns = {"messages": "conversations", "chosen": "chosen", "rejected": "rejected"}
        columns["system"] = "system"
    entry["columns"] = columns
    return entry


def write_llamafactory(export: ExportSource, sink: Sink, options: ExportOptions) -> None:
    ranking = export.schema == "preference"
    convert = Converter(
        source=export.schema, target="preference" if ranking else "chat", options=options
    )
    convert.prepare(export)
    info: dict[str, Any] = {}
    for part in export.parts:
        convert.part = part.name
        file_name = part_file_name(export, part, "json")
        with sink.open(file_name) as stream:
            stream.write(b"[")
            first = True
            for row in part.rows():
                data = convert(row)
                try:
                    record = preference_to_ranking(data) if ranking else chat_to_sharegpt(data)
                except ConversionError as exc:
                    raise UserError(f"{where(part.name, row)}: {exc}") from None
                stream.write(b"\n" if first else b",\n")
                stream.write(dumps(record).encode("utf-8"))
                first = False
            stream.write(b"\n]\n")
        info[file_name.rsplit(".", 1)[0]] = dataset_info_entry(file_name, ranking=ranking)
    with sink.open("dataset_info.json") as stream:
        stream.write(json.dumps(info, ensure_ascii=False, indent=2).encode("utf-8"))
