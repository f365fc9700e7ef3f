"""The scanned chat file (``lib.checks.scan``) gives what the reader's examples give: the same
findings (rows, indexes, messages, details), the same token counts, serial or on several
processes, and the same errors for lines the reader refuses."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from lib.checks import file_datas, run_checks, scan_parallel, view_from_examples, view_from_file
from lib.checks import scan as scan_module
from lib.checks.scan_parallel import guided_points, scan_file
from lib.core import forked
from lib.core.errors import ReadError
from lib.core.tokens import count_examples, get_encoder
from lib.datasets.service import read_examples

MODEL = "gpt-3.5-turbo"


def _reference(path: Path) -> Any:
    """The view built from the reader's examples (the path every other format takes)."""
    reading = read_examples(path, file_name=path.name)
    return view_from_examples(reading.schema, reading.examples(), model=MODEL, file_name=str(path))


def _report(view: Any) -> dict[str, Any]:
    findings = [
        {**f.to_json(), "indexes": f.indexes, "example_ids": f.example_ids}
        for f in run_checks(view)
    ]
    return {
        "n": len(view),
        "schema": view.schema,
        "findings": findings,
        "tokens": view.tokens.summary(),
        "per_example": list(view.tokens.per_example),
        "rows": list(view.source_rows),
    }


def _write(path: Path, lines: list[str], *, ending: str = "\n", bom: bool = False) -> Path:
    text = ending.join(lines) + ending
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass"))
    return path


def _msg(role: str, content: Any, **extra: Any) -> dict[str, Any]:
    return {"role": role, "content": content, **extra}


def _varied_lines(rng: random.Random, n: int) -> list[str]:
    """Chat lines with every shape the checks look at, mixed at random."""
    words = [
        "alpha",
        "beta",
        "Gamma",
        "delta,",
        "epsilon!",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
    ]
    answers = ["yes", "no", " yes", "Yes", "maybe so"]

    def text(k: int) -> str:
        return " ".join(rng.choice(words) for _ in range(k))

    shapes = [
        lambda: {
            "messages": [
                _msg("system", "Be brief."),
                _msg("user", text(6)),
                _msg("assistant", text(9)),
            ]
        },
        lambda: {"messages": [_msg("user", text(4)), _msg("assistant", text(5))]},
        lambda: {
            "messages": [_msg("user", "Same question?"), _msg("assistant", rng.choice(answers))]
        },
        lambda: {
            "messages": [_msg("user", "same   QUESTION"), _msg("assistant", rng.choice(answers))]
        },
        lambda: {"messages": [_msg("user", "a <br/> b &amp; c"), _msg("assistant", text(3))]},
        lambda: {"messages": [_msg("user", "   "), _msg("assistant", text(3))]},
        lambda: {
            "messages": [_msg("user", text(3), name="bob"), _msg("assistant", text(3), weight=1)]
        },
        lambda: {
            "messages": [
                _msg("user", text(3)),
                _msg(
                    "assistant",
                    None,
                    tool_calls=[
                        {
                            "id": "1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                ),
            ],
            "tools": [{"type": "function", "function": {"name": "f"}}],
        },
        lambda: {
            "messages": [
                _msg("user", [{"type": "text", "text": text(3)}]),
                _msg("assistant", text(2)),
            ]
        },
        lambda: {"messages": [_msg("wizard", text(3)), _msg("assistant", text(2))]},
        lambda: {"messages": [_msg("user", text(3))]},
        lambda: {"messages": [], "id": 7},
        lambda: {"messages": "not a list"},
        lambda: {"messages": [{"role": "user"}, _msg("assistant", 5)]},
        lambda: {
            "messages": [_msg("user", text(2)), _msg("assistant", text(2), extra=True)],
            "metadata": {"k": [1, 2]},
        },
        lambda: {
            "messages": [
                _msg("developer", text(2)),
                _msg("user", text(2)),
                _msg("assistant", text(2)),
            ]
        },
        lambda: {"messages": [_msg("user", "Ünïcödé — “quotes” …"), _msg("assistant", "ÉTÉ")]},
        lambda: {
            "messages": [_msg("user", text(2)), _msg("assistant", text(2), weight=2)],
            "parallel_tool_calls": "x",
        },
    ]
    shapes += [
        lambda: {
            "id": rng.randint(0, 9),
            "messages": [_msg("user", text(4)), _msg("assistant", text(5))],
        },
        lambda: {
            "messages": [_msg("user", text(4)), _msg("assistant", text(5))],
            "tools": [{"type": "function", "function": {"name": "g"}}],
        },
        lambda: {
            "messages": [_msg("user", text(4)), _msg("assistant", text(5))],
            "parallel_tool_calls": 1,
        },
        lambda: {
            "messages": [_msg("user", text(4)), _msg("assistant", text(5))],
            "functions": [{"name": "h"}],
        },
    ]
    lines = []
    for _ in range(n):
        data = rng.choice(shapes)()
        lines.append(json.dumps(data, ensure_ascii=rng.random() < 0.5))
    # Exact duplicates, a blank line, and lines orjson does not take as they are.
    lines[5] = lines[3]
    lines.insert(9, "   ")
    lines.append(lines[20])
    lines.append(
        '{"messages": [{"role": "user", "content": "lone \\ud800 surrogate"}, {"role": "assistant", "content": "NaN"}], "n": NaN}'
    )
    lines.append(
        '{"messages": [{"role": "user", "content": "big"}, {"role": "assistant", "content": "int"}], "n": 123456789012345678901234567890}'
    )
    lines.append(
        '{"messages": [{"role": "user", "content": "nbsp"}, {"role": "assistant", "content": "after"}]}\u00a0'
    )
    return lines


@pytest.mark.parametrize("seed", [1, 2])
def test_findings_equal_the_readers_on_a_varied_file(tmp_path, seed):
    rng = random.Random(seed)
    path = _write(
        tmp_path / "chat.jsonl", _varied_lines(rng, 600), ending=rng.choice(["\n", "\r\n"])
    )
    scanned = view_from_file(path, model=MODEL)
    assert scanned.facts is not None  # the file went through the scan
    assert _report(scanned) == _report(_reference(path))


def test_classification_data_keeps_answers_and_finds_label_problems(tmp_path):
    rng = random.Random(3)
    lines = []
    for i in range(300):
        label = rng.choice(["spam", "ham", "ham", "ham", " ham", "Spam"])
        prompt = f"Message {i % 40}: buy now?" if i % 3 else f"message {i % 40} BUY NOW"
        data = {
            "messages": [
                _msg("system", "Classify."),
                _msg("user", prompt),
                _msg("assistant", label),
            ]
        }
        lines.append(json.dumps(data))
    path = _write(tmp_path / "labels.jsonl", lines)
    scanned = view_from_file(path, model=MODEL)
    assert scanned.facts is not None and scanned.facts.answers is not None
    spread = scan_file(path, encoder=get_encoder(MODEL), parallel=True, parts=3)
    assert spread is not None and spread.answers is not None
    assert [spread.answers[i] for i in spread.answer_ids or []] == scanned.completions
    report = _report(scanned)
    assert {"conflicting_labels", "label_variants", "near_duplicates"} <= {
        f["check"] for f in report["findings"]
    }
    assert report == _report(_reference(path))


def test_parallel_scan_equals_serial_and_token_counts_equal_the_counter(tmp_path):
    rng = random.Random(4)
    path = _write(tmp_path / "chat.jsonl", _varied_lines(rng, 900), bom=True)
    encoder = get_encoder(MODEL)
    serial = scan_file(path, encoder=encoder, skip=3, parallel=False)
    parallel = scan_file(path, encoder=encoder, skip=3, parallel=True, parts=3)
    assert serial is not None and parallel is not None
    for name in ("offsets", "lines", "tokens", "chars", "flags", "problems", "prompt_digests"):
        assert getattr(parallel, name) == getattr(serial, name), name
    assert [parallel.role_sets[i] for i in parallel.role_ids] == [
        serial.role_sets[i] for i in serial.role_ids
    ]
    reference = _reference(path)
    assert list(serial.tokens) == count_examples("chat", reference.datas, model=MODEL).per_example
    assert list(serial.lines) == reference.source_rows


def test_plain_examples_take_the_same_rules_as_any_other(tmp_path, monkeypatch):
    """The inline path for plain examples computes what the general rules compute."""
    rng = random.Random(5)
    path = _write(tmp_path / "chat.jsonl", _varied_lines(rng, 500))
    encoder = get_encoder(MODEL)
    fast = scan_file(path, encoder=encoder, parallel=False)
    monkeypatch.setattr(scan_module, "_plain_messages", lambda value: None)
    general = scan_file(path, encoder=encoder, parallel=False)
    assert fast is not None and general is not None
    for name in ("tokens", "chars", "flags", "problems", "prompt_digests", "answers"):
        assert getattr(fast, name) == getattr(general, name), name


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("{not json", "malformed JSON on line 3"),
        ("[1, 2]", "line 3 is an array"),
        ('{"prompt": "a", "completion": "b"}', "mixes schemas"),
        ('{"messages": ' + "[" * 150 + "]" * 150 + "}", "line 3"),
        # plain messages, and another key nested too deeply
        (
            '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", '
            '"content": "yo"}], "meta": ' + "[" * 150 + "]" * 150 + "}",
            "line 3",
        ),
    ],
)
def test_lines_the_reader_refuses_give_the_readers_error(tmp_path, bad, reason):
    good = json.dumps({"messages": [_msg("user", "hi"), _msg("assistant", "hello")]})
    path = _write(tmp_path / "bad.jsonl", [good, good, bad, good])
    with pytest.raises(ReadError) as scanned:
        view_from_file(path, model=MODEL)
    with pytest.raises(ReadError) as reference:
        _report(_reference(path))
    assert str(scanned.value) == str(reference.value)
    assert reason in str(scanned.value)


def test_invalid_utf8_is_left_to_the_reader(tmp_path):
    good = json.dumps({"messages": [_msg("user", "hi"), _msg("assistant", "hello")]}).encode()
    path = tmp_path / "latin.jsonl"
    path.write_bytes(good + b"\n" + good.replace(b"hello", b"h\xe9llo") + b"\n")
    with pytest.raises(ReadError) as scanned:
        view_from_file(path, model=MODEL)
    with pytest.raises(ReadError) as reference:
        _report(_reference(path))
    assert str(scanned.value) == str(reference.value)


def test_real_chat_files_check_the_same(shared_datasets):
    for name in ("toy_chat_fine_tuning.jsonl", "drone_training.jsonl"):
        path = shared_datasets / "openai_cookbook" / name
        scanned = view_from_file(path, model=MODEL)
        assert scanned.facts is not None
        assert _report(scanned) == _report(_reference(path)), name


def test_normalised_key_is_normalise_text_without_spaces():
    from lib.checks.view import normalise_text, normalised_key

    rng = random.Random(6)
    alphabet = [chr(c) for c in range(128)] + list("éÉ…—“”\u3000\u00a0\u2028ß")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert normalised_key(text) == normalise_text(text).replace(" ", "").encode(), text
    # ASCII goes through a byte table: the same as the Unicode rule, character by character.
    for code in range(128):
        text = f"a{chr(code)}B"
        assert normalise_text(text) == " ".join(
            text.casefold()
            .translate({ord(c): " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"})
            .split()
        )


def test_a_failed_child_is_scanned_again_here(tmp_path, monkeypatch):
    rng = random.Random(7)
    path = _write(tmp_path / "chat.jsonl", _varied_lines(rng, 3000))
    encoder = get_encoder(MODEL)
    serial = scan_file(path, encoder=encoder, parallel=False)
    result = forked.Child.result
    monkeypatch.setattr(forked.Child, "result", lambda child: (result(child), None)[1])
    again = scan_file(path, encoder=encoder, parallel=True, parts=2)
    assert serial is not None and again is not None
    assert (again.tokens, again.lines, again.problems) == (
        serial.tokens,
        serial.lines,
        serial.problems,
    )


def test_checks_on_a_scanned_file_read_only_the_examples_findings_need(tmp_path, monkeypatch):
    rng = random.Random(8)
    lines = []
    for i in range(3000):
        question = f"question {i} " + " ".join(rng.choice("abcdefgh") for _ in range(5))
        data = {"messages": [_msg("user", question), _msg("assistant", f"answer {i}")]}
        lines.append(json.dumps(data))
    lines[10] = lines[3]  # one exact duplicate
    lines[20] = lines[4].replace("question", "QUESTION")  # one near-duplicate
    path = _write(tmp_path / "chat.jsonl", lines)
    view = view_from_file(path, model=MODEL)
    read: list[int] = []
    many = file_datas.FileDatas.many
    monkeypatch.setattr(
        file_datas.FileDatas,
        "many",
        lambda self, indexes: (read.extend(indexes), many(self, indexes))[1],
    )
    found = {f.check: f.rows for f in run_checks(view)}
    assert found["duplicates"] == [11] and found["near_duplicates"] == [21]
    assert len(read) <= 10 and view.prompt_texts is None


def test_a_refused_line_in_any_range_gives_up_the_parallel_scan(tmp_path):
    good = json.dumps({"messages": [_msg("user", "hi"), _msg("assistant", "hello")]})
    encoder = get_encoder(MODEL)
    for bad_at in (5, 150, 295):
        lines = [good] * 300
        lines[bad_at] = "{not json"
        path = _write(tmp_path / f"bad{bad_at}.jsonl", lines)
        assert scan_file(path, encoder=encoder, parallel=True, parts=3) is None
        lines[bad_at] = good
        path = _write(tmp_path / f"good{bad_at}.jsonl", lines)
        scanned = scan_file(path, encoder=encoder, parallel=True, parts=3)
        assert scanned is not None and list(scanned.lines) == list(range(1, 301))


def test_answers_are_dropped_once_classification_cannot_hold(tmp_path):
    """90 distinct answers in 300 examples pass the n/3 rule, but 60 of them are sentences: not
    classes. The scan stops keeping answers early, and the findings stay the reader's."""
    short = [f"label {i}" for i in range(30)]
    long = [f"this answer is a whole sentence number {i}" for i in range(60)]
    lines = []
    for i in range(300):
        answer = (short + long)[i % 90]
        data = {"messages": [_msg("user", f"question {i % 70}?"), _msg("assistant", answer)]}
        lines.append(json.dumps(data))
    path = _write(tmp_path / "answers.jsonl", lines)
    scanned = view_from_file(path, model=MODEL)
    assert scanned.facts is not None and scanned.facts.answers is None
    assert _report(scanned) == _report(_reference(path))
    # Over several processes, whether answers are kept depends on which process took which
    # range; what the checks find does not.
    serial = scan_file(path, encoder=get_encoder(MODEL), parallel=False)
    for parts in (2, 3):
        spread = scan_file(path, encoder=get_encoder(MODEL), parallel=True, parts=parts)
        assert spread is not None and serial is not None
        if spread.answers is not None and spread.answer_ids is not None:
            assert [spread.answers[i] for i in spread.answer_ids] == list(scanned.completions)
        assert (spread.tokens, spread.lines) == (serial.tokens, serial.lines)


@pytest.mark.parametrize("processes", [2, 3])
def test_ranges_cover_the_file_at_line_starts_and_shrink_towards_its_end(
    tmp_path, monkeypatch, processes
):
    monkeypatch.setattr(scan_parallel, "MIN_RANGE_BYTES", 4096)
    rng = random.Random(11)
    path = _write(tmp_path / "chat.jsonl", _varied_lines(rng, 4000), bom=True)
    data = path.read_bytes()
    points = guided_points(path, processes, skip=3)
    assert points[0] == 3 and points[-1] == len(data)
    assert all(data[at - 1 : at] == b"\n" for at in points[1:-1])  # each range starts a line
    sizes = [b - a for a, b in zip(points, points[1:], strict=False)]
    assert min(sizes) > 0 and len(points) - 1 <= scan_parallel.MAX_RANGES
    # large ranges first, small ones last (each a share of what is left)
    assert sizes[0] > 4 * sizes[-1] and sizes[0] >= max(sizes[1:])
    assert len(sizes) >= 2 * processes
    serial = scan_file(path, encoder=get_encoder(MODEL), skip=3, parallel=False)
    spread = scan_file(path, encoder=get_encoder(MODEL), skip=3, parallel=True, parts=processes)
    assert serial is not None and spread is not None
    assert (spread.tokens, spread.lines, spread.offsets, spread.problems) == (
        serial.tokens,
        serial.lines,
        serial.offsets,
        serial.problems,
    )


def test_a_small_file_is_still_shared_out_in_several_ranges_per_process(tmp_path):
    path = _write(tmp_path / "chat.jsonl", _varied_lines(random.Random(12), 500))
    size = path.stat().st_size
    points = guided_points(path, 2)
    assert len(points) - 1 >= 2 * 2
    smallest = size // (scan_parallel.MIN_RANGES_PER_PROCESS * 2)
    assert max(b - a for a, b in zip(points[1:], points[2:], strict=False)) < size // 2
    assert min(b - a for a, b in zip(points, points[1:], strict=False)) <= 2 * smallest


def test_flagged_finds_exactly_the_examples_holding_a_flag():
    rng = random.Random(13)
    flags = bytearray(rng.randrange(8) for _ in range(5000))
    for flag in (scan_module.FLAG_MESSAGE_LIST, scan_module.FLAG_BLANK, scan_module.FLAG_MARKUP):
        expected = [i for i, f in enumerate(flags) if f & flag]
        assert 0 < len(expected) < len(flags)
        assert scan_module.flagged(flags, flag) == expected
        assert scan_module.flagged(bytearray(len(flags)), flag) == []
    assert scan_module.flagged(bytearray(), scan_module.FLAG_BLANK) == []


def test_the_tokenizer_is_loaded_once_before_the_fork_and_lines_counted_by_a_child(
    tmp_path, monkeypatch
):
    """A loader passed as the encoder runs once, in this process (the scanning processes
    share what it loaded); the line count comes from a child, or from here when that fails."""
    path = _write(tmp_path / "chat.jsonl", _varied_lines(random.Random(14), 3000))
    serial = scan_file(path, encoder=get_encoder(MODEL), parallel=False)
    calls: list[int] = []

    def load() -> Any:
        calls.append(os.getpid())
        return get_encoder(MODEL)

    spread = scan_file(path, encoder=load, parallel=True, parts=2)
    assert calls == [os.getpid()]
    assert serial is not None and spread is not None
    assert (spread.tokens, spread.lines, spread.problems) == (
        serial.tokens,
        serial.lines,
        serial.problems,
    )
    counted: list[bytes | None] = []
    result = forked.Child.result
    monkeypatch.setattr(forked.Child, "result", lambda child: counted.append(result(child)) or None)
    alone = scan_file(path, encoder=load, parallel=True, parts=2)
    assert alone is not None and alone.lines == serial.lines
    assert counted[0] == b"%d" % (path.read_bytes().count(b"\n") + 1)
