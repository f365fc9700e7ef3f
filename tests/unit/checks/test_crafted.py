"""Each check on crafted rows: what is flagged, and what must not be."""

from __future__ import annotations

from lib.checks import view_from_datas
from lib.checks.quality import leaked_prompts, normalise_text

from .conftest import chat, findings_by_check, pc


def test_chat_format_errors_and_valid_shapes():
    datas = [
        chat(("system", "s"), ("user", "u"), ("assistant", "a")),  # 1 fine
        {"messages": "nope"},  # 2 missing_messages_list
        {
            "messages": [
                {"role": "user", "content": "u"},
                {"content": "x"},
                {"role": "assistant", "content": "a"},
            ]
        },
        {"messages": [{"role": "bot", "content": "x"}, {"role": "assistant", "content": "a"}]},
        {
            "messages": [
                {"role": "user", "content": "u", "foo": 1},
                {"role": "assistant", "content": "a"},
            ]
        },
        {"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": "a"}]},  # 6
        {"messages": [{"role": "user", "content": "u"}]},  # 7 no assistant
        {
            "messages": [
                {"role": "user", "content": "u"},
                {"role": "assistant", "content": "a", "weight": 2},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "u"},
                {"role": "assistant", "content": "a", "weight": "x"},
            ]
        },
        # valid: tool calls without content, tool + developer roles, weight 0, parts, tools
        {
            "messages": [
                {"role": "developer", "content": "d"},
                {"role": "user", "content": [{"type": "text", "text": "hi"}]},
                {"role": "assistant", "tool_calls": [{"id": "1", "type": "function"}], "weight": 0},
                {"role": "tool", "tool_call_id": "1", "content": "42"},
                {"role": "assistant", "content": "done", "weight": 1},
            ],
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "parallel_tool_calls": False,
        },
    ]
    found = findings_by_check(view_from_datas("chat", datas * 1))
    assert found["missing_messages_list"].rows == [2]
    assert found["message_missing_key"].rows == [3]
    assert found["unrecognized_role"].rows == [4]
    assert found["message_unrecognized_key"].rows == [5]
    assert found["missing_content"].rows == [6]
    assert found["example_missing_assistant_message"].rows == [7]
    assert found["invalid_weight"].rows == [8, 9]
    for name in ("missing_messages_list", "missing_content", "invalid_weight"):
        assert found[name].severity == "error" and found[name].fix == "drop_invalid"
    flagged = {row for f in found.values() if f.severity == "error" for row in f.rows}
    assert 1 not in flagged and 10 not in flagged


def test_preference_rows():
    good = {
        "input": {"messages": [{"role": "user", "content": "q"}]},
        "preferred_output": [{"role": "assistant", "content": "good"}],
        "non_preferred_output": [{"role": "assistant", "content": "bad"}],
    }
    same = {**good, "non_preferred_output": [{"role": "assistant", "content": "good"}]}
    two = {**good, "preferred_output": [{"role": "assistant", "content": "a"}] * 2}
    no_input = {**good, "input": {}}
    found = findings_by_check(view_from_datas("preference", [good, same, two, no_input]))
    assert found["preference_same_outputs"].rows == [2]
    assert found["preference_output"].rows == [3]
    assert found["preference_input"].rows == [4]


def test_legacy_rules_on_crafted_completions():
    prompts = [f"Classify this text please: item {i}" for i in range(30)]
    completions = ["POSITIVE", "NEGATIVE", "POSITIVE"] * 10
    prompts[5] = prompts[4]
    completions[5] = completions[4]
    found = findings_by_check(pc(prompts, completions))
    assert found["duplicates"].rows == [6]
    assert found["task_type"].details["task_type"] == "classification"
    assert found["uppercase_completion"].fix == "lowercase_completion"
    assert found["prompt_prefix"].details["prefix"] == "Classify this text please: item "
    assert found["prompt_separator"].details["separator"] == " ->"
    assert "completion_ending" not in found  # classification: no ending needed


def test_separator_candidates_follow_legacy_order():
    prompts = [f"line one\nline {i}" for i in range(9)] + ["has \n\n###\n\n inside"]
    found = findings_by_check(pc(prompts, [f"answer {i}" for i in range(10)]))
    assert found["prompt_separator"].details["separator"] == "\n\n===\n\n"


def test_identical_prompts_and_completions_are_errors():
    found = findings_by_check(pc(["same"] * 12, [f"c{i}" for i in range(12)]))
    assert found["prompt_separator"].severity == "error"
    found = findings_by_check(pc([f"p{i}" for i in range(12)], ["same."] * 12))
    assert "completion_ending" not in found  # classification by the legacy rule


def test_label_variants_imbalance_and_conflicts():
    prompts = [f"text {i}" for i in range(40)] + ["Text 0!"]
    completions = ["4"] * 20 + [" 4"] * 5 + ["4\n"] * 2 + ["5"] * 12 + ["6"] + ["5"]
    found = findings_by_check(pc(prompts, completions))
    variants = found["label_variants"]
    assert variants.fix == "normalise_labels" and len(variants.rows) == 7
    assert found["class_imbalance"].details["counts"]["4"] == 27
    assert found["class_imbalance"].severity == "warning"  # 27 vs 1
    conflict = found["conflicting_labels"]
    assert conflict.rows == [1, 41]  # "text 0" and "Text 0!" → 4 vs 5


def test_inconsistent_separator_and_ending():
    prompts = [f"q{i} ->" for i in range(18)] + ["q18", "q19"]
    completions = [f" answer {i}\n" for i in range(19)] + [" answer 19"]
    found = findings_by_check(pc(prompts, completions))
    assert found["inconsistent_separator"].rows == [19, 20]
    assert found["inconsistent_separator"].details["separator"] == " ->"
    assert found["inconsistent_ending"].rows == [20]
    assert found["inconsistent_ending"].fix == "add_ending"


def test_blank_messages_and_whitespace_completions():
    datas = [chat(("user", "u"), ("assistant", "a")), chat(("user", "   "), ("assistant", "a"))]
    found = findings_by_check(view_from_datas("chat", datas * 6))
    assert found["blank_text"].rows == [2, 4, 6, 8, 10, 12]
    found = findings_by_check(
        pc([f"p{i}" for i in range(12)], ["  "] + [f"c{i}" for i in range(11)])
    )
    assert found["blank_text"].rows == [1]


def test_leakage_normalises_prompts():
    pairs = leaked_prompts(["Hello,  World", "other"], ["x", "hello world!"])
    assert pairs == [(0, 1)]
    assert normalise_text(" A–b\tC ") == "a b c"


def test_example_count_thresholds():
    def count(n):
        return findings_by_check(pc([f"p{i}" for i in range(n)], [f" c{i}\n" for i in range(n)]))[
            "example_count"
        ].severity

    assert count(9) == "error"
    assert count(10) == "warning"
    assert count(49) == "warning"
    assert count(50) == "info"
