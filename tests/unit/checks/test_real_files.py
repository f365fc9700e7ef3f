"""Checks on the real shared datasets."""

from __future__ import annotations

from lib.checks import run_checks, view_from_file

from .conftest import findings_by_check


def test_toy_chat_reports_missing_system_and_user_and_long_reply(shared_datasets):
    view = view_from_file(
        shared_datasets / "openai_cookbook/toy_chat_fine_tuning.jsonl", model="gpt-3.5-turbo-0613"
    )
    found = findings_by_check(view)
    assert view.schema == "chat" and len(view) == 5
    assert found["no_system_message"].rows == [3]
    assert found["no_user_message"].rows == [4]
    assert found["example_count"].severity == "error"  # 5 < 10
    # the 26,000-character reply: longer than 10,000 characters and than gpt-3.5-turbo-0613's 4,096
    assert found["long_examples"].rows == [5]
    assert found["over_context_limit"].rows == [5]
    assert found["over_context_limit"].fix == "drop_over_limit"
    assert not {"missing_content", "message_missing_key"} & set(found)


def test_toy_chat_fits_gpt_4o_mini_context(shared_datasets):
    view = view_from_file(shared_datasets / "openai_cookbook/toy_chat_fine_tuning.jsonl")
    assert "over_context_limit" not in findings_by_check(view)
    assert view.tokens.encoding == "o200k_base"


def test_drone_tool_calls_without_content_are_valid(shared_datasets):
    view = view_from_file(shared_datasets / "openai_cookbook/drone_training.jsonl")
    findings = run_checks(view)
    assert len(view) == 103
    assert [f for f in findings if f.severity in ("error", "warning")] == []


def test_gpt_examples_csv_gets_the_legacy_findings(shared_datasets):
    view = view_from_file(shared_datasets / "gpt_examples/out_openai_completion.csv")
    found = findings_by_check(view)
    assert found["prompt_separator"].details["separator"] == " ->"
    assert found["completion_ending"].details["ending"] == "\n"
    assert found["completion_leading_space"].severity == "warning"
    assert len(found["completion_leading_space"].rows) == 162
    assert found["completion_leading_space"].rows[0] == 2  # CSV row 2: first data row
    assert found["task_type"].details["task_type"] == "conditional generation"
    assert "duplicates" not in found


def test_prepared_file_has_nothing_to_fix(shared_datasets):
    view = view_from_file(shared_datasets / "gpt_examples/out_openai_completion_prepared.jsonl")
    assert [f.check for f in run_checks(view) if f.severity != "info"] == []
