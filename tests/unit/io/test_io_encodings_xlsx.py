"""Encodings (BOM UTF-8, UTF-16, cp1252 fallback), XLSX sheets, big rows, TXT and TSV."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest

from lib.core.errors import ReadError
from lib.datasets.io import inspect_source, read_examples

ROWS = [("Ça coûte 5 €?", " oui"), ("naïve façade", " non"), ("plain", " ok")]


def _csv_text(rows=ROWS) -> str:
    return "prompt,completion\r\n" + "".join(f'"{p}",{c}\r\n' for p, c in rows)


def _data(path: Path, **options) -> list[dict]:
    reading = read_examples(path, file_name=path.name, **options)
    return [e.data for e in reading.examples()]


@pytest.mark.parametrize(
    ("codec", "bom", "label"),
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", codecs.BOM_UTF8, "UTF-8 (with BOM)"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16 LE (with BOM)"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16 BE (with BOM)"),
        ("utf-16-le", b"", "UTF-16 LE"),
    ],
)
def test_unicode_encodings(tmp_path: Path, codec: str, bom: bytes, label: str) -> None:
    path = tmp_path / "words.csv"
    path.write_bytes(bom + _csv_text().encode(codec))
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.encoding == label and inspection.warnings == ()
    assert inspection.columns == ("prompt", "completion")  # no BOM glued to the first name
    assert _data(path) == [{"prompt": p, "completion": c} for p, c in ROWS]


def test_utf16_jsonl_and_bytes_input(tmp_path: Path) -> None:
    text = "\n".join(
        json.dumps({"prompt": p, "completion": c}, ensure_ascii=False) for p, c in ROWS
    )
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    inspection = inspect_source(data, file_name="words.jsonl")
    assert inspection.encoding == "UTF-16 LE (with BOM)" and inspection.n_rows == 3
    reading = read_examples(data, file_name="words.jsonl")
    assert [e.data["prompt"] for e in reading.examples()] == [p for p, _ in ROWS]


def test_cp1252_csv_falls_back_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(_csv_text().encode("cp1252"))
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.encoding == "Windows-1252 (cp1252)"
    assert inspection.warnings[0].startswith(
        "the file is not valid UTF-8 (first bad byte on line 2)"
    )
    assert _data(path)[0] == {"prompt": "Ça coûte 5 €?", "completion": " oui"}


def test_latin1_when_cp1252_cannot_decode(tmp_path: Path) -> None:
    path = tmp_path / "latin.tsv"
    path.write_bytes("prompt\tcompletion\ncaf\xe9\t x\x81\n".encode("latin-1"))
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.encoding == "Latin-1 (ISO-8859-1)"
    assert _data(path) == [{"prompt": "café", "completion": " x\x81"}]


def test_jsonl_gets_no_fallback(tmp_path: Path) -> None:
    path = tmp_path / "excel.jsonl"
    path.write_bytes('{"prompt": "Ça", "completion": "x"}\n'.encode("cp1252"))
    with pytest.raises(ReadError, match="excel.jsonl:1: bytes that are not valid UTF-8 on line 1"):
        inspect_source(path, file_name=path.name)


def test_multi_megabyte_rows(tmp_path: Path) -> None:
    big = "word " * 1_200_000  # 6 MB in one cell / one line
    csv_path = tmp_path / "big.csv"
    csv_path.write_text(f'prompt,completion\n"{big}",x\nsmall,y\n', encoding="utf-8")
    assert [len(d["prompt"]) for d in _data(csv_path)] == [len(big), 5]
    jsonl = tmp_path / "big.jsonl"
    jsonl.write_text(json.dumps({"prompt": big, "completion": "x"}) + "\n", encoding="utf-8")
    assert _data(jsonl)[0]["prompt"] == big
    array = tmp_path / "big.json"
    array.write_text(
        json.dumps([{"prompt": "a", "completion": big}, {"prompt": "b", "completion": "c"}])
    )
    assert [d["prompt"] for d in _data(array)] == ["a", "b"]


def test_json_array_across_many_chunks(tmp_path: Path) -> None:
    rows = [{"prompt": f"p{i} " + "x" * (i % 700), "completion": str(i)} for i in range(6000)]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    assert _data(path) == rows


def test_txt_one_completion_per_line(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("first line\r\n\r\nsecond, with comma\n", encoding="utf-8")
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.schema == "completion" and inspection.n_rows == 2
    assert "1 empty line skipped" in inspection.warnings
    assert _data(path) == [
        {"prompt": "", "completion": "first line"},
        {"prompt": "", "completion": "second, with comma"},
    ]


def test_tsv_and_tab_separated_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("Prompt\tCompletion\nhello, world\t yes\n", encoding="utf-8")
    assert _data(path) == [{"prompt": "hello, world", "completion": " yes"}]
    misnamed = tmp_path / "t.csv"
    misnamed.write_text("prompt\tcompletion\na\tb\n", encoding="utf-8")
    inspection = inspect_source(misnamed, file_name=misnamed.name)
    assert inspection.format == "tsv" and "read as TSV" in inspection.warnings[0]


def test_json_lines_in_a_json_file_are_read_as_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "lines.json"
    path.write_text('{"prompt": "a", "completion": "b"}\n{"prompt": "c", "completion": "d"}\n')
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.format == "jsonl" and inspection.n_rows == 2
    assert "one JSON object per line" in inspection.warnings[0]


def _workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["about", "this workbook"])
    notes.append(["made", "by a test"])
    reviews = book.create_sheet("Reviews")
    reviews.append(["review_title", "review_body", "stars", None])
    reviews.append(["Great", "Works well", 5, None])
    reviews.append([None, None, None, None])
    reviews.append(["Bad", "Broke", 1.0, None])
    legacy = book.create_sheet("Legacy")
    legacy.append(["Prompt", "Completion", "added"])
    legacy.append(["q", " a", dt.datetime(2024, 5, 1)])
    book.create_sheet("Empty")
    book.save(path)


def test_xlsx_sheets(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _workbook(path)
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.sheets == ("Notes", "Reviews", "Legacy", "Empty")
    assert inspection.sheet == "Legacy"  # the first sheet with the needed columns
    assert inspection.encoding is None and inspection.schema == "completion"
    assert inspection.preview_examples == (
        {"prompt": "q", "completion": " a", "added": "2024-05-01"},
    )
    assert inspection.unknown_keys == {"added": 1}

    mapping = {"prompt": "{review_title}\n\n{review_body}", "completion": " {stars}"}
    mapped = inspect_source(path, file_name=path.name, mapping=mapping)
    assert mapped.sheet == "Reviews" and mapped.n_rows == 2
    assert "1 empty row skipped" in mapped.warnings
    reading = read_examples(path, file_name=path.name, mapping=mapping)
    examples = list(reading.examples())
    assert [e.data for e in examples] == [
        {"prompt": "Great\n\nWorks well", "completion": " 5"},
        {"prompt": "Bad\n\nBroke", "completion": " 1"},
    ]
    assert [e.source_row for e in examples] == [2, 4]

    picked = inspect_source(path, file_name=path.name, sheet="Notes")
    assert (
        picked.sheet == "Notes"
        and picked.needs_mapping
        and picked.columns == ("about", "this workbook")
    )
    with pytest.raises(ReadError) as error:
        inspect_source(path, file_name=path.name, sheet="Sheet9")
    assert str(error.value) == (
        "book.xlsx: the workbook has no sheet 'Sheet9'; sheets: 'Notes', 'Reviews', 'Legacy', 'Empty'"
    )
    with pytest.raises(ReadError, match="book.xlsx: sheet 'Empty' is empty"):
        inspect_source(path, file_name=path.name, sheet="Empty")


def test_xlsx_from_bytes_with_chat_json_cells() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["messages", "tools", "parallel_tool_calls", "note"])
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    sheet.append([json.dumps(messages), "", "false", "first"])
    buffer = io.BytesIO()
    book.save(buffer)
    reading = read_examples(buffer.getvalue(), file_name="chat.xlsx")
    assert reading.schema == "chat"
    (example,) = list(reading.examples())
    assert example.data == {"messages": messages, "parallel_tool_calls": False, "note": "first"}
    assert example.unknown_keys == ("note",)


def test_xlsx_value_outside_the_header(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["prompt", "completion"])
    sheet.append(["a", "b", "stray"])
    path = tmp_path / "stray.xlsx"
    book.save(path)
    with pytest.raises(ReadError) as error:
        inspect_source(path, file_name=path.name)
    assert (
        "stray.xlsx:2: sheet 'Sheet', row 2 has a value in column 3, which has no name in the header"
        in str(error.value)
    )


def test_utf8_prescan_skips_ascii_blocks_and_still_names_the_bad_line(monkeypatch) -> None:
    """ASCII blocks are passed over without decoding; a character cut by a block boundary and
    a bad byte after many ASCII blocks are still judged as one decoder would."""
    import io

    from lib.datasets.io import text

    monkeypatch.setattr(text, "PRESCAN_BYTES", 8)
    good = ("prompt,completion\n" + "ascii line\n" * 5 + "café ΩΩ,x\n" + "more\n" * 3).encode()
    assert text.first_bad_utf8_line(io.BytesIO(good), skip=0) is None
    for cut in range(len(good)):  # a bad byte at every position of the first lines
        data = good[:cut] + b"\xff" + good[cut:]
        found = text.first_bad_utf8_line(io.BytesIO(data), skip=0)
        assert found is not None and found[0] == data[:cut].count(b"\n") + 1
