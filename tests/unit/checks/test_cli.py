"""``python -m lib check`` and ``prepare`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib", *args], capture_output=True, text=True, input=stdin
    )


def test_check_json_shape_and_exit_codes(shared_datasets, tmp_path):
    result = _run(
        "check", str(shared_datasets / "openai_cookbook/toy_chat_fine_tuning.jsonl"), "--json"
    )
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["format"] == "chat" and report["examples"] == 5
    assert set(report) >= {"file", "format", "examples", "findings", "tokens"}
    first = report["findings"][0]
    assert set(first) >= {"check", "severity", "message", "rows", "fixable"}
    assert all(isinstance(r, int) for f in report["findings"] for r in f["rows"])
    assert report["tokens"]["encoding"] == "o200k_base"
    ok = _run("check", str(shared_datasets / "openai_cookbook/drone_training.jsonl"))
    assert ok.returncode == 0, ok.stdout
    assert "ready for fine-tuning" in ok.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "a", "completion": "b"}\n{not json\n')
    unreadable = _run("check", str(bad))
    assert unreadable.returncode == 2
    assert "bad.jsonl:2" in unreadable.stderr and "Traceback" not in unreadable.stderr
    assert _run("check", str(tmp_path / "missing.csv")).returncode == 2


def test_check_text_output_names_rows_and_fixes(shared_datasets):
    result = _run("check", str(shared_datasets / "gpt_examples/out_openai_completion.csv"))
    assert result.returncode == 1
    assert "WARNING" in result.stdout and "[fix: add_separator]" in result.stdout


def test_prepare_asks_and_honours_answers(tmp_path):
    source = tmp_path / "data.csv"
    rows = "\n".join(f"item {i},answer {i}" for i in range(30))
    source.write_text("prompt,completion\n" + rows + "\n")
    # separator: no; completion prefix: no; ending, leading space, proceed: yes
    result = _run("prepare", str(source), stdin="n\nn\ny\ny\ny\n")
    assert result.returncode == 0, result.stderr
    written = [
        json.loads(line) for line in (tmp_path / "data_prepared.jsonl").read_text().splitlines()
    ]
    assert written[0] == {"prompt": "item 0", "completion": " answer 0\n"}
    assert "Wrote" in result.stdout and "Next:" in result.stdout


def test_prepare_chat_file_splits_classification(tmp_path):
    source = tmp_path / "chat.jsonl"
    lines = []
    for i in range(60):
        messages = [
            {"role": "user", "content": f"text {i}"},
            {"role": "assistant", "content": ["a", "b"][i % 2]},
        ]
        if i % 3:
            messages.insert(0, {"role": "system", "content": "Classify."})
        lines.append(json.dumps({"messages": messages}))
    source.write_text("\n".join(lines) + "\n")
    result = _run("prepare", str(source), "-q")
    assert result.returncode == 0, result.stderr
    train = (tmp_path / "chat_prepared_train.jsonl").read_text().splitlines()
    valid = (tmp_path / "chat_prepared_valid.jsonl").read_text().splitlines()
    assert (len(train), len(valid)) == (48, 12)
    assert all(json.loads(line)["messages"][0]["role"] == "system" for line in train + valid)


def test_prepare_stratified_keeps_sizes(tmp_path):
    source = tmp_path / "cls.csv"
    source.write_text(
        "prompt,completion\n" + "\n".join(f"t{i},{'ab'[i % 10 == 0]}" for i in range(100)) + "\n"
    )
    result = _run("prepare", str(source), "-q", "--stratified")
    assert result.returncode == 0, result.stderr
    valid = [
        json.loads(x) for x in (tmp_path / "cls_prepared_valid.jsonl").read_text().splitlines()
    ]
    assert len(valid) == 20
    assert sum(1 for r in valid if r["completion"].strip() == "b") == 2  # 10% of 20


def _split_file(tmp_path, answers: str | None) -> tuple[list[str], list[str], str]:
    source = tmp_path / "dups.csv"
    prompts = [f"item {i % 70}" for i in range(100)]  # items 0-29 appear twice
    rows = "\n".join(f"{p},{'ab'[i % 70 % 3 == 0]}" for i, p in enumerate(prompts))
    source.write_text("prompt,completion\n" + rows + "\n")
    args = ("prepare", str(source)) + (() if answers is not None else ("-q",))
    result = _run(*args, stdin=answers)
    assert result.returncode == 0, result.stderr

    def read(name: str) -> list[str]:
        text = (tmp_path / f"dups_prepared_{name}.jsonl").read_text()
        return [json.loads(line)["prompt"] for line in text.splitlines()]

    return read("train"), read("valid"), result.stdout


def test_prepare_splits_the_rows_kept_whatever_was_answered(tmp_path):
    """The split is worked out ahead for the rows -q keeps; an answer that keeps others
    (duplicates kept) gets the split of the rows it kept, as the legacy tool would."""
    from lib.checks import legacy_rules as rules

    def expected(prompts: list[str]) -> tuple[list[str], list[str]]:
        train, valid = rules.legacy_split(len(prompts))
        return [prompts[i] + " ->" for i in train], [prompts[i] + " ->" for i in valid]

    everything = [f"item {i % 70}" for i in range(100)]
    assert _split_file(tmp_path, None)[:2] == expected(everything[:70])
    # duplicates: no; separator, leading space, split, proceed: yes
    (tmp_path / "asked").mkdir()
    train, valid, shown = _split_file(tmp_path / "asked", "n\ny\ny\ny\ny\n")
    assert "Remove 30 duplicate rows" in shown
    assert (train, valid) == expected(everything)
