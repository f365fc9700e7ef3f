"""The fast paths of ``python -m lib prepare``: same results as the general code they skip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_prepare_of_a_completion_file_loads_neither_the_store_nor_the_check_registry() -> None:
    """Start-up is part of the time a user waits: SQLAlchemy and every check cost ~0.15 s."""
    code = (
        "import sys, lib.checks.prepare_cli, lib.datasets.service; "
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "lib.checks.prepare_cli" in loaded
    assert not {"sqlalchemy", "lib.checks.registry", "lib.checks.view", "pandas"} & loaded


# --- reading a CSV/TSV as columns: the same table as streaming its examples, or no result ---

CSV_CASES: dict[str, bytes] = {
    "plain": b"prompt,completion\nhello,world\nsecond,row\n",
    "no final newline": b"prompt,completion\nhello,world\nsecond,row",
    "crlf": b'prompt,completion\r\nhello,world\r\n"multi\r\nline",x\r\n',
    "quoted newlines and quotes": (
        b'prompt,completion\n"a ""quoted"" text\nover lines",b\n"x,y",  z \n'
    ),
    "literal quotes in unquoted cells": b'prompt,completion\na"b,c\n"ab"c,d\n',
    "bom": b"\xef\xbb\xbfprompt,completion\nhello,world\n",
    "blank and empty rows": b"prompt,completion\nhello,world\n\n,\nlast,one\n",
    "leading blank lines": b"\n\nprompt,completion\nhello,world\n",
    "extra column": b"prompt,completion,id\nhello,world,1\nbye,now,2\n",
    "column order": b"completion,prompt\nworld,hello\n",
    "only completion": b"completion\nworld\nagain\n",
    "empty completions": b"prompt,completion\nhello,\nbye,now\n",
    "non-ascii": "prompt,completion\nΩmega naïve,日本\n\u2028sep,x\u0085y\n".encode(),
    "lone carriage return": b"prompt,completion\na\rb,c\nd,e\n",
    "NA cells": b"prompt,completion\nNA,None\nnull,nan\n",
    "short row": b"prompt,completion\nhello\nbye,now\n",
    "long row, empty extra": b"prompt,completion\nhello,world,\nbye,now\n",
    "long row": b"prompt,completion\nhello,world,extra\n",
    "trailing blank header cell": b"prompt,completion,\nhello,world,\n",
    "renamed columns": b"Prompt,Completion\nhello,world\n",
    "unclosed quote": b'prompt,completion\n"hello,world\nbye,now\n',
    "not utf-8": "prompt,completion\ncaf\u00e9,x\n".encode("cp1252"),
    "tsv in a csv": b"prompt\tcompletion\nhello\tworld\n",
    "only blank rows": b"prompt,completion\n,\n\n",
}


def _streamed(path: Path):
    from lib.checks.prepare import table_from_examples
    from lib.datasets.service import read_examples

    return table_from_examples(read_examples(path, file_name=path.name).examples())


def _columns(path: Path, processes: int = 1):
    from lib.checks.prepare import table_from_columns
    from lib.datasets.service import read_examples, read_text_columns

    columns = read_text_columns(read_examples(path, file_name=path.name), processes=processes)
    if columns is None:
        return None
    return table_from_columns(columns.columns, columns.cells, columns.rows)


@pytest.fixture
def cut_small_files(monkeypatch):
    """Cut every file in two for a forked child, however small."""
    from lib.datasets.io import columns

    monkeypatch.setattr(columns, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(columns, "start_child", _counting(columns.start_child))
    return columns


def _counting(start_child):
    def start(work):
        child = start_child(work)
        if child is not None:
            start.children += 1
            start.pids.append(child._pid)
        return child

    start.children, start.pids = 0, []
    return start


@pytest.mark.parametrize("processes", [1, 2])
def test_columns_read_gives_the_streamed_table_or_nothing(
    tmp_path: Path, processes: int, cut_small_files
) -> None:
    from lib.core.errors import UserError

    used = set()
    for name, content in CSV_CASES.items():
        path = tmp_path / "data.csv"
        path.write_bytes(content)
        try:
            streamed = _streamed(path)
        except UserError:
            streamed = None
        try:
            fast = _columns(path, processes)
        except UserError:
            fast = None
        if fast is None:
            continue
        used.add(name)
        assert streamed is not None, name
        assert fast == streamed, name
    # The common shapes do take the fast path (else this test would prove nothing).
    assert {"plain", "crlf", "quoted newlines and quotes", "bom", "blank and empty rows"} <= used
    assert {"short row", "long row", "renamed columns", "not utf-8"}.isdisjoint(used)
    assert (cut_small_files.start_child.children > 5) == (processes == 2)


def test_columns_read_of_a_tsv_and_of_bytes(tmp_path: Path) -> None:
    from lib.datasets.service import read_examples, read_text_columns

    path = tmp_path / "data.tsv"
    path.write_bytes(b"prompt\tcompletion\na, b\t c\n")
    assert _columns(path) == _streamed(path)
    reading = read_examples(b"prompt,completion\nx,y\n\nz,w\n", file_name="upload.csv")
    columns = read_text_columns(reading)
    assert columns is not None and columns.rows == [2, 4]
    assert columns.cells == {"prompt": ["x", "z"], "completion": ["y", "w"]}
    assert (
        read_text_columns(read_examples(b'{"prompt":"a","completion":"b"}\n', file_name="a.jsonl"))
        is None
    )


@pytest.mark.parametrize("processes", [1, 2])
def test_columns_read_matches_streaming_on_random_csv(
    tmp_path: Path, processes: int, cut_small_files
) -> None:
    """Random cells with every character csv treats specially, written by csv and by hand."""
    import csv
    import random

    rng = random.Random(11)
    fast_trials = 0
    alphabet = ["a", "B", " ", ",", '"', "\n", "\r", "\t", "é", "Ω", "\u2028", "x", "", "NA"]
    for trial in range(40):
        rows = [
            ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(2)]
            for _ in range(rng.randint(1, 30))
        ]
        path = tmp_path / f"random{trial}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator=rng.choice(["\n", "\r\n"]))
            writer.writerow(["prompt", "completion"])
            writer.writerows(rows)
        try:
            streamed = _streamed(path)
        except Exception:  # noqa: BLE001 - a file the reader refuses: the fast path must too
            assert _columns(path, processes) is None
            continue
        fast = _columns(path, processes)
        assert fast is None or fast == streamed, trial
        fast_trials += fast is not None
    assert fast_trials >= 10


# --- writing: the bulk JSONL writer gives the bytes of one json.dumps per line ---


def test_jsonl_chunks_are_the_json_encoders_lines() -> None:
    import random

    from lib.checks.prepare import completion_jsonl_chunk, jsonl_line

    rng = random.Random(5)
    specials = [
        '"',
        "\\",
        "\n",
        "\r",
        "\t",
        "\b",
        "\f",
        "\x00",
        "\x1e",
        "\x1f",
        "\x7f",
        "é",
        "Ω",
        "😀",
        "\u2028",
        "\ue000",
        "\ue001",
        "\U0010fffd",
        "/",
        "a",
        " ",
        "{",
        "}",
    ]
    plain = [
        " ".join(rng.choice(["word", "Other", "x", "\n", '"q"', "\\"]) for _ in range(5))
        for _ in range(300)
    ]
    tricky = ["".join(rng.choice(specials) for _ in range(rng.randint(0, 12))) for _ in range(300)]

    def expected(prompts: list[str], completions: list[str]) -> bytes:
        return "".join(
            jsonl_line({"prompt": p, "completion": c})
            for p, c in zip(prompts, completions, strict=True)
        ).encode()

    # escaped in bulk (no marker, no other control character)
    assert completion_jsonl_chunk(plain, plain[::-1]) == expected(plain, plain[::-1])
    # markers and control characters inside: one line at a time, same bytes
    assert completion_jsonl_chunk(tricky, plain) == expected(tricky, plain)
    assert completion_jsonl_chunk(plain, tricky) == expected(plain, tricky)
    for text in ["\ue000", "\x1e", "\x1f", "a\x01b", ""]:
        assert completion_jsonl_chunk([text, "x"], ["y", text]) == expected(
            [text, "x"], ["y", text]
        )
    assert completion_jsonl_chunk([], []) == b""
    # a prompt end and a completion start written in place: the lines of the joined texts
    for end, start in [("\n\n###\n\n", " "), (" ->", ""), ("", " "), ("\x1e", " \x1f")]:
        for prompts, completions in [(plain, plain[::-1]), (tricky, plain), (plain, tricky)]:
            assert completion_jsonl_chunk(prompts, completions, end, start) == expected(
                [p + end for p in prompts], [start + c for c in completions]
            )


def test_fixes_kept_beside_the_texts_give_the_joined_table() -> None:
    from lib.checks.prepare import Table

    prompts = [f"Question {i}" for i in range(2000)] + ["Question 1"]
    completions = [f"class {i % 3}" for i in range(2000)] + ["class 1"]
    table = Table(prompts, completions, list(range(2, 2003)))
    fixed = table.with_prompt_end("\n\n###\n\n").with_leading_space()
    assert (fixed.prompt_end, fixed.completion_start) == ("\n\n###\n\n", " ")
    assert fixed.prompts is prompts  # no new strings until they are needed
    joined = fixed.materialized()
    assert joined.prompts == [p + "\n\n###\n\n" for p in prompts]
    assert joined.completions == [" " + c for c in completions]
    assert fixed.task_type() == joined.task_type()
    assert fixed.common_suffixes() == ("\n\n###\n\n", "")
    # a later fix of the texts applies to the texts as written
    assert fixed.with_prompts(str.upper).prompts == [p.upper() for p in joined.prompts]
    cut = fixed.with_completion_column(lambda texts: [t[3:] for t in texts])
    assert cut.completions == [c[2:] for c in completions] and cut.prompt_end == "\n\n###\n\n"
    assert fixed.without([0, 2000]).materialized().prompts == joined.prompts[1:2000]
    # a completion that is the whole common ending: the space in front belongs to it
    ends = Table(["a", "b"], ["x", "y x"], [2, 3]).with_leading_space()
    assert ends.common_suffixes() == ("", " x")
    # some completions already start with a space: the others get one each
    some = Table(["a", "b"], [" x", "y"], [2, 3]).with_leading_space()
    assert (some.completion_start, some.completions) == ("", [" x", " y"])


def test_written_file_holds_the_lines_in_order(tmp_path: Path) -> None:
    from lib.checks.prepare import CHUNK, jsonl_line, write_completion_jsonl

    n = CHUNK + 5
    prompts = [f'prompt {i}\n"q"' + ("\x1e" if i == 7 else "") for i in range(n)]
    completions = [f" label {i % 3}" for i in range(n)]
    order = list(range(n))[::-1]
    path = tmp_path / "out.jsonl"
    write_completion_jsonl(path, prompts, completions, order)
    expected = "".join(
        jsonl_line({"prompt": prompts[i], "completion": completions[i]}) for i in order
    )
    assert path.read_bytes() == expected.encode()
    assert not (tmp_path / "out.jsonl.tmp").exists()


# --- the legacy rules in C passes agree with their plain definitions ---


def _random_columns(seed: int) -> list[list[str]]:
    import random

    rng = random.Random(seed)
    pieces = ["ab", "AB", "x", " ", "\n", "###", "É", "é", "ß", "Ω", "ǅ", "\ud800", "1", "->", ""]
    columns = []
    for _ in range(60):
        head = rng.choice(["", "Same start ", "S"])
        tail = rng.choice(["", " END", "\n\n###\n\n", "d"])
        n = rng.choice([1, 2, 5, 70, 200])
        columns.append(
            [
                head + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) + tail
                for _ in range(n)
            ]
        )
    return columns


def test_prefix_suffix_and_letter_counts_match_their_definitions() -> None:
    import os

    from lib.checks import legacy_rules as rules

    for texts in _random_columns(3):
        assert rules.common_prefix(texts) == os.path.commonprefix(texts)
        reversed_texts = [t[::-1] for t in texts]
        assert rules.common_suffix(texts) == os.path.commonprefix(reversed_texts)[::-1]
        letters = "".join(texts)
        expected = (
            sum(1 for ch in letters if ch.isalpha() and ch.isupper()),
            sum(1 for ch in letters if ch.isalpha() and ch.islower()),
        )
        assert rules.letter_case_counts(texts) == expected
        assert rules.letter_case_counts(texts, joined_texts=rules.joined(texts)) == expected
        assert rules.mostly_uppercase(texts) == (expected[0] * 2 > expected[1])
    assert rules.common_prefix([]) == rules.common_suffix([]) == ""
    # the sample of the first texts shares more than the rest: the general comparison decides
    texts = ["Same start a"] * 100 + ["Same other"]
    assert rules.common_prefix(texts) == "Same "
    assert rules.common_suffix(["x END"] * 100 + ["y  END"]) == " END"
    # shortened at several texts in turn, and per distinct label for a label column
    assert rules.common_prefix(["abcdef"] * 70 + ["abcdx", "abz", "abcdef"]) == "ab"
    assert rules.common_suffix(["x class 1"] * 900 + ["y lass 1", "ss 1"] * 100) == "ss 1"
    # mostly uppercase decided early (no uppercase; lowercase bound reached) and exactly
    for texts in (
        ["no capitals here"] * 10,
        ["Some Title Case Words"] * 10,
        ["ABC def"] * 5,
        ["ABC defg"] * 5,
        ["ABCDEFG xyz"] * 3,
        ["QQQ eeeeee"],
        ["QQQ eeeeeee"],
        ["Ünïcödé ABC", "abc"],
        [""],
    ):
        upper, lower = rules.letter_case_counts(texts)
        assert rules.mostly_uppercase(texts) == (upper * 2 > lower), texts


def test_separator_long_rows_and_labels_match_their_definitions() -> None:
    from lib.checks import legacy_rules as rules
    from lib.core.convert import SEPARATOR_CANDIDATES
    from lib.core.examples import is_classification, labels_are_classification

    for texts in _random_columns(4):
        newline = any("\n" in t for t in texts)
        expected = next(
            (
                c
                for c in SEPARATOR_CANDIDATES
                if not (c == " ->" and newline) and not any(c in t for t in texts)
            ),
            rules.SEPARATOR_FALLBACK,
        )
        assert rules.choose_separator(texts) == expected
        assert rules.choose_separator(texts, joined_prompts=rules.joined(texts)) == expected
        distinct = {t.strip() for t in texts if t and t.strip()}
        assert labels_are_classification(texts) == is_classification(
            n_examples=len(texts), labels=distinct
        )
    prompts = ["a" * 9_000, "b", "c" * 10_001, ""]
    completions = ["d" * 1_001, "e" * 10_000, "", "f"]
    assert rules.long_indexes(prompts, completions) == [0, 1, 2]
    assert rules.long_indexes(["a"], ["b"]) == []


@pytest.mark.parametrize("worker", ["counts", "dies", "none"])
def test_prepare_tokens_counted_by_children_equal_the_written_examples(
    tmp_path: Path, monkeypatch, capsys, worker: str
) -> None:
    """Counted by the worker forked at the start and this process; by this process alone
    when the worker dies; by children forked late when there is no worker. Same figures,
    and no child is left behind."""
    import csv
    import json
    import os
    import random

    from lib.__main__ import main
    from lib.checks import prepare_cli
    from lib.core import forked
    from lib.core.tokens import count_examples

    monkeypatch.setattr(forked, "MIN_CHARS_PER_PROCESS", 1)  # fork for this small file too
    monkeypatch.setattr(forked, "usable_cpus", lambda: 2)
    monkeypatch.setattr(prepare_cli, "usable_cpus", lambda: 2)
    monkeypatch.setattr(prepare_cli, "WORKER_MIN_BYTES", 1)  # one worker per CPU here too
    started: list[forked.Worker] = []
    real = prepare_cli.counting_workers

    def counting_workers(model: str, *, processes: int) -> list[forked.Worker]:
        if worker == "none":
            got = []
        elif worker == "dies":  # one of the two dies while loading: its share is counted here
            got = [*real(model, processes=1), forked.start_worker(lambda: os._exit(5))]
        else:
            got = real(model, processes=processes)
        started.extend(w for w in got if w is not None)
        return [w for w in got if w is not None]

    monkeypatch.setattr(prepare_cli, "counting_workers", counting_workers)
    rng = random.Random(8)
    words = ["alpha", "Beta", "naïve", "Ωmega", "x", "endoftext", "###"]
    source = tmp_path / "data.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "completion"])
        for _ in range(3000):
            prompt = " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
            writer.writerow([prompt, rng.choice(["yes", "no", "maybe"])])
    code = main(["prepare", str(source), "-q", "--tokens", "--model", "babbage-002"])
    out = capsys.readouterr().out
    assert code == 0, out
    written = [
        json.loads(line)
        for name in ("data_prepared_train.jsonl", "data_prepared_valid.jsonl")
        for line in (tmp_path / name).read_text(encoding="utf-8").splitlines()
    ]
    expected = count_examples("completion", written, model="babbage-002").summary()
    assert (
        f"Tokens (cl100k_base): {expected['total']:,} in all, "
        f"{expected['min']:,}–{expected['max']:,} per example." in out
    )
    assert out.index("Wrote") < out.index("Tokens (")
    assert len(started) == (0 if worker == "none" else 2)
    for worker in started:  # none is left (its own pid: the test process may have others)
        with pytest.raises(ChildProcessError):
            os.waitpid(worker.pid, os.WNOHANG)


def test_a_cut_inside_a_quoted_cell_is_found_and_the_file_parsed_whole(
    tmp_path: Path, cut_small_files
) -> None:
    """A literal quote in an unquoted cell upsets the quote count, so the cut lands inside a
    multi-line quoted cell: the probe line shows it and the whole file is parsed here."""
    path = tmp_path / "data.csv"
    cell = "".join(f"line {i}\n" for i in range(500))
    path.write_text(f'prompt,completion\n5" screen,a\n"{cell}end",b\nlast,c\n', encoding="utf-8")
    data = path.read_bytes()
    cut = cut_small_files._cut(data)
    assert cut is not None and data.index(b"line 0") < cut < data.index(b"end")
    fast = _columns(path, 2)
    assert fast is not None and fast == _streamed(path)
    assert fast[0].completions == ["a", "b", "c"]


def test_without_a_child_the_parent_parses_the_rest(tmp_path: Path, monkeypatch) -> None:
    from lib.datasets.io import columns

    monkeypatch.setattr(columns, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(columns, "start_child", lambda work: None)
    path = tmp_path / "data.csv"
    path.write_text("prompt,completion\n" + "".join(f"p{i},c{i}\n" for i in range(300)))
    assert _columns(path, 2) == _streamed(path)
    # a short row in the second half: the child's part fails, so does the parent's re-parse
    path.write_text("prompt,completion\n" + "".join(f"p{i},c{i}\n" for i in range(300)) + "x\n")
    assert _columns(path, 2) is None


def test_legacy_split_is_numpys_permutation() -> None:
    import numpy as np

    from lib.checks import legacy_rules as rules
    from lib.checks.prepare import split_positions

    for n in (0, 1, 2, 5, 999, 1_001, 20_007):
        permutation = [int(i) for i in np.random.RandomState(42).permutation(n)]
        train, valid = split_positions(n)
        assert (train, valid) == rules.legacy_split(n)
        assert train == permutation[: n - rules.valid_size(n)]
        assert valid == sorted(set(range(n)) - set(train))
    # Across the chunks of drawn outputs and the bit lengths' boundaries, any seed.
    for n, seed in ((3, 0), (17, 7), (65_537, 42), (70_000, 2**32 - 1)):
        expected = [int(i) for i in np.random.RandomState(seed).permutation(n)]
        assert rules.legacy_permutation(n, seed) == expected, (n, seed)


def test_column_fixes_match_their_definitions() -> None:
    from lib.checks import legacy_rules as rules

    for texts in _random_columns(5):
        assert rules.with_suffix(texts, " ->") == [t + " ->" for t in texts]
        assert rules.without_prefix(texts, 2) == [t[2:] for t in texts]
        assert rules.without_prefix(texts, 1, keep=" ") == [" " + t[1:] for t in texts]
        assert rules.with_leading_space(texts) == [t if t[:1] == " " else " " + t for t in texts]
    assert rules.with_leading_space(["a", "b"]) == [" a", " b"]
    assert rules.with_leading_space([]) == rules.with_suffix([], "x") == []


def test_the_parent_does_other_work_while_a_child_parses(tmp_path: Path, cut_small_files) -> None:
    from lib.checks.prepare import table_from_columns
    from lib.datasets.service import read_examples, read_text_columns

    path = tmp_path / "data.csv"
    path.write_text("prompt,completion\n" + "".join(f'"p, {i}",c{i}\n' for i in range(500)))
    done: list[int] = []
    for share in (0.1, 0.35, 0.9):
        columns = read_text_columns(
            read_examples(path, file_name=path.name),
            processes=2,
            meanwhile=lambda: done.append(1),
            own_share=share,
        )
        assert columns is not None
        assert table_from_columns(columns.columns, columns.cells, columns.rows) == _streamed(path)
    assert len(done) == 3


def test_a_bad_first_part_stops_the_child(tmp_path: Path, cut_small_files) -> None:
    import os

    path = tmp_path / "data.csv"
    rows = "".join(f"p{i},c{i}\n" for i in range(400))
    path.write_text("prompt,completion\nshort row\n" + rows)
    assert _columns(path, 2) is None  # the record reader pads that row: not this path
    # No quote: the str split's child, then the csv parser's.
    assert cut_small_files.start_child.children == 2
    # Each child was reaped, not left waiting (its own pid: the test process may have others).
    for pid in cut_small_files.start_child.pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_a_cut_inside_the_header_is_not_mistaken_for_a_header(
    tmp_path: Path, cut_small_files
) -> None:
    """A literal quote in the header makes the quote count even inside a quoted, multi-line
    column name; the cut lands there and the file is still read right (or streamed)."""
    path = tmp_path / "data.csv"
    header = 'prompt,completion,z"' + "p" * 3000 + ',"multi\nline"\n'
    path.write_text(header + "".join(f"a{i},b{i},c,d\n" for i in range(3)))
    data = path.read_bytes()
    cut = cut_small_files._cut(data)
    assert cut is not None and data.index(b"multi") < cut <= data.index(b"line")
    fast = _columns(path, 2)
    assert fast is None or fast == _streamed(path)


def test_a_file_without_quotes_is_split_by_str_methods_as_csv_reads_it(
    tmp_path: Path, cut_small_files
) -> None:
    """Random unquoted files (line breaks of either kind or mixed, lone carriage returns,
    blank, delimiter-only and ragged lines): the plain split gives the streamed table, or
    nothing and the csv path decides; split in two parts (a child splits the second) it gives
    the same, wherever the cut falls."""
    import random

    from lib.checks.prepare import table_from_columns
    from lib.core.errors import UserError
    from lib.datasets.io.columns import read_plain
    from lib.datasets.service import read_examples

    rng = random.Random(12)
    alphabet = ["a", "B", " ", "é", "Ω", "\u2028", "\t", "x", "NA", "\x0b", "\x85"]
    taken = 0
    for trial in range(300):
        delimiter = rng.choice([",", "\t"])
        width = rng.choice([1, 2, 2, 3])
        header = delimiter.join({1: ["completion"], 2: ["prompt", "completion"]}.get(
            width, ["prompt", "completion", "id"]))  # fmt: skip
        rows = []
        for _ in range(rng.randint(1, 12)):
            cells = [
                "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5)))
                for _ in range(width)
            ]
            if rng.random() < 0.05:
                cells = cells[:-1] if width > 1 else [""]  # ragged or blank
            if rng.random() < 0.03:
                cells = [""] * width  # delimiters only
            if rng.random() < 0.03:
                cells[0] += rng.choice(["\r", "\n", "\r\n"])  # a break inside a line
            rows.append(delimiter.join(cells))
        newline = rng.choice(["\n", "\r\n"])
        text = newline.join([header, *rows]) + rng.choice(["", newline])
        if rng.random() < 0.05:
            text = text.replace(newline, "\n", 1)  # mixed line breaks
        name = "data.tsv" if delimiter == "\t" else "data.csv"
        path = tmp_path / f"{trial}{name}"
        path.write_bytes(text.encode())
        try:
            reading = read_examples(path, file_name=path.name)
        except UserError:  # e.g. a header the reader needs a mapping for
            continue
        plain = read_plain(text.encode(), reading, delimiter)
        for share in (0.0, 0.3, 0.7):
            halves = read_plain(text.encode(), reading, delimiter, processes=2, own_share=share)
            assert halves == plain, (trial, share, text)
        if plain is None:
            continue
        taken += 1
        fast = table_from_columns(plain.columns, plain.cells, plain.rows)
        try:
            streamed = _streamed(path)
        except UserError:
            streamed = None
        assert fast == streamed, (trial, text)
    assert taken >= 40  # most files; the others are the csv path's
    assert cut_small_files.start_child.children >= 200  # most splits were shared with a child
