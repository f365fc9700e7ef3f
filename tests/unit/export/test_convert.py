"""Conversions between prompt/completion, chat and preference examples."""

from __future__ import annotations

import pytest

from lib.core.convert import (
    ConversionError,
    chat_to_completion,
    chat_to_preference,
    completion_to_chat,
    convert,
    detect_ending,
    detect_separator,
    preference_to_chat,
)


def test_legacy_row_to_chat_strips_markers_and_adds_system() -> None:
    row = {"prompt": "Hotel, Paris, 50 ->", "completion": " Dear hotelier\n"}
    chat = completion_to_chat(row, system="You write emails.", separator=" ->", ending="\n")
    assert chat == {
        "messages": [
            {"role": "system", "content": "You write emails."},
            {"role": "user", "content": "Hotel, Paris, 50"},
            {"role": "assistant", "content": "Dear hotelier"},
        ]
    }


def test_markers_not_named_are_kept_except_the_leading_space() -> None:
    chat = completion_to_chat({"prompt": "a ->", "completion": " b\n"})
    assert [m["content"] for m in chat["messages"]] == ["a ->", "b\n"]


def test_chat_to_completion_joins_system_and_user_and_adds_markers() -> None:
    chat = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris"},
        ]
    }
    row = chat_to_completion(chat, separator=" ->", ending="\n")
    assert row == {"prompt": "Be brief.\n\nCapital of France? ->", "completion": " Paris\n"}


@pytest.mark.parametrize(
    ("separator", "ending"), [(" ->", "\n"), ("\n\n###\n\n", " END"), ("\n\n===\n\n", ".")]
)
def test_round_trip_completion_chat_completion(separator: str, ending: str) -> None:
    original = {"prompt": f"Is it spam?{separator}", "completion": f" no{ending}"}
    chat = convert(original, source="completion", target="chat", separator=separator, ending=ending)
    back = convert(chat, source="chat", target="completion", separator=separator, ending=ending)
    assert back == original


def test_round_trip_chat_completion_chat() -> None:
    chat = {"messages": [{"role": "user", "content": "2+2"}, {"role": "assistant", "content": "4"}]}
    row = chat_to_completion(chat)
    assert completion_to_chat(row, separator="\n\n###\n\n", ending="\n") == chat


def test_multi_turn_prompt_names_the_roles() -> None:
    chat = {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "user", "content": "bye"},
            {"role": "assistant", "content": "see you"},
        ]
    }
    row = chat_to_completion(chat, separator=" ->", ending="")
    assert row["prompt"] == "User: hi\n\nAssistant: hello\n\nUser: bye ->"
    assert row["completion"] == " see you"


def test_tool_call_answers_and_trailing_turns_are_refused() -> None:
    tool = {
        "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "tool_calls": [{"id": "1", "type": "function"}]},
        ]
    }
    with pytest.raises(ConversionError, match="tool call"):
        chat_to_completion(tool)
    trailing = {
        "messages": [{"role": "assistant", "content": "a"}, {"role": "user", "content": "b"}]
    }
    with pytest.raises(ConversionError, match="continues after"):
        chat_to_completion(trailing)
    with pytest.raises(ConversionError, match="no assistant"):
        chat_to_completion({"messages": [{"role": "user", "content": "b"}]})


def test_preference_round_trip() -> None:
    chat = {
        "messages": [
            {"role": "user", "content": "Say hi"},
            {"role": "assistant", "content": "Hi!"},
        ]
    }
    pref = chat_to_preference(chat, non_preferred="Go away.")
    assert pref["non_preferred_output"] == [{"role": "assistant", "content": "Go away."}]
    assert preference_to_chat(pref) == chat
    assert convert(pref, source="preference", target="completion", ending="") == {
        "prompt": "Say hi\n\n###\n\n",
        "completion": " Hi!",
    }


def test_to_preference_without_rejected_answer_is_refused() -> None:
    with pytest.raises(ConversionError, match="rejected answer"):
        convert({"prompt": "a", "completion": "b"}, source="completion", target="preference")


def test_unknown_keys_kept_only_when_asked() -> None:
    row = {"prompt": "a", "completion": " b", "id": 7}
    assert "id" not in completion_to_chat(row)
    assert completion_to_chat(row, keep_unknown=True)["id"] == 7


def test_detect_markers_over_a_dataset() -> None:
    assert detect_separator(["a\n\n###\n\n", "b\n\n###\n\n"]) == "\n\n###\n\n"
    assert detect_separator(["a ->", "b"]) is None
    assert detect_ending([" x\n", " y\n", ""]) == "\n"
    assert detect_ending([" x END", " y END"]) == " END"
    assert detect_ending([]) is None
