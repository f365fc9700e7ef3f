"""A generated file for each way a file can be bad: a clear message naming file, line, reason."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from lib.core.errors import ReadError
from lib.datasets.io import inspect_source, read_examples


def _read_all(path: Path, **options) -> None:
    reading = read_examples(path, file_name=path.name, **options)
    for _ in reading.examples():
        pass


def _fails(path: Path, **options) -> ReadError:
    """Both the preview and the import refuse the file, with the same message."""
    with pytest.raises(ReadError) as inspected:
        inspect_source(path, file_name=path.name, **options)
    with pytest.raises(ReadError) as read:
        _read_all(path, **options)
    assert str(read.value) == str(inspected.value)
    assert str(read.value).startswith(path.name)
    return read.value


def _write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_malformed_json_on_line_n(tmp_path: Path) -> None:
    lines = [json.dumps({"prompt": f"p{i}", "completion": "c"}) for i in range(5)]
    lines[3] = '{"prompt": "p3", "completion": "c"'  # missing brace
    error = _fails(_write(tmp_path, "broken.jsonl", "\n".join(lines) + "\n"))
    assert error.line == 4
    assert str(error).startswith("broken.jsonl:4: malformed JSON on line 4:")


def test_malformed_json_array_names_the_line(tmp_path: Path) -> None:
    text = '[\n  {"prompt": "a", "completion": "b"},\n  {"prompt": "c" "completion": "d"}\n]\n'
    error = _fails(_write(tmp_path, "broken.json", text))
    assert error.line == 3 and "malformed JSON on line 3" in str(error)


def test_invalid_utf8_on_line_n(tmp_path: Path) -> None:
    good = json.dumps({"prompt": "café", "completion": "ok"}).encode("utf-8")
    bad = b'{"prompt": "caf\xe9", "completion": "ok"}'
    error = _fails(_write(tmp_path, "latin.jsonl", b"\n".join([good, good, bad, good])))
    assert str(error) == "latin.jsonl:3: bytes that are not valid UTF-8 on line 3 (byte 0xe9)"


def test_invalid_utf8_in_a_json_array(tmp_path: Path) -> None:
    data = b'[\n{"prompt": "a", "completion": "b"},\n{"prompt": "\xff", "completion": "b"}\n]'
    error = _fails(_write(tmp_path, "bad.json", data))
    assert error.line == 3 and "not valid UTF-8 on line 3" in str(error)


@pytest.mark.parametrize(
    "name", ["empty.csv", "empty.jsonl", "empty.json", "empty.txt", "empty.xlsx"]
)
def test_empty_file(tmp_path: Path, name: str) -> None:
    error = _fails(_write(tmp_path, name, b""))
    assert str(error) == f"{name}: the file is empty"


def test_blank_lines_only(tmp_path: Path) -> None:
    error = _fails(_write(tmp_path, "blank.jsonl", "\n\n  \n"))
    assert "empty" in str(error)


def test_header_only(tmp_path: Path) -> None:
    error = _fails(_write(tmp_path, "header.csv", "prompt,completion\n"))
    assert str(error) == "header.csv:1: the file has a header (prompt, completion) but no rows"


def test_a_header_cell_without_a_name_is_named_not_refused(tmp_path: Path) -> None:
    # pandas' df.to_csv() writes its index under an empty header cell (the OpenAI cookbook's
    # fine_food_reviews_1k.csv starts that way): such files must import.
    path = _write(tmp_path, "noname.csv", ",prompt,completion\n0,a,b\n1,c,d\n")
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.columns == ("unnamed_1", "prompt", "completion")
    assert any("called 'unnamed_1'" in w for w in inspection.warnings)
    reading = read_examples(path, file_name=path.name)
    examples = list(reading.examples())
    assert [e.data["completion"] for e in examples] == ["b", "d"]
    assert examples[0].unknown_keys == ("unnamed_1",)
    assert any("called 'unnamed_1'" in w for w in reading.warnings)


def test_duplicated_column_name(tmp_path: Path) -> None:
    error = _fails(_write(tmp_path, "dup.csv", "prompt,completion,prompt\na,b,c\n"))
    assert "column name 'prompt' appears twice in the header (columns 1 and 3)" in str(error)


def test_same_field_in_two_spellings(tmp_path: Path) -> None:
    error = _fails(_write(tmp_path, "case.csv", "Prompt,prompt,completion\na,b,c\n"))
    assert "columns 'Prompt' and 'prompt' both mean prompt" in str(error)


def test_too_many_cells(tmp_path: Path) -> None:
    error = _fails(_write(tmp_path, "wide.csv", "prompt,completion\na,b\nc,d,e\n"))
    assert error.line == 3
    assert "row 3 has 3 cells but the header names 2 columns" in str(error)


def test_json_object_not_a_list(tmp_path: Path) -> None:
    text = json.dumps({"data": [{"prompt": "a", "completion": "b"}]}, indent=2)
    error = _fails(_write(tmp_path, "object.json", text))
    assert "JSON is an object, not a list of examples" in str(error)


def test_json_array_of_non_objects(tmp_path: Path) -> None:
    error = _fails(_write(tmp_path, "strings.json", '[\n"a",\n"b"\n]'))
    assert str(error) == (
        "strings.json:2: element 1 is a string, not an object "
        "(a JSON file must be an array of example objects)"
    )


@pytest.mark.parametrize("name", ["binary.jsonl", "binary.csv", "binary.txt", "binary.json"])
def test_binary_data(tmp_path: Path, name: str) -> None:
    payload = bytes(range(256)) * 40
    error = _fails(_write(tmp_path, name, payload))
    assert "binary data" in str(error)


def test_spreadsheet_named_csv(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["prompt", "completion"])
    buffer = io.BytesIO()
    book.save(buffer)
    error = _fails(_write(tmp_path, "sheet.csv", buffer.getvalue()))
    assert "ZIP/XLSX data" in str(error) and "name it .xlsx" in str(error)


def test_corrupt_xlsx(tmp_path: Path) -> None:
    error = _fails(_write(tmp_path, "corrupt.xlsx", b"PK\x03\x04 this is not really a zip"))
    assert "not a readable XLSX workbook" in str(error)


def test_zip_without_a_workbook(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    error = _fails(_write(tmp_path, "notabook.xlsx", buffer.getvalue()))
    assert "not a readable XLSX workbook" in str(error)


def test_text_named_xlsx(tmp_path: Path) -> None:
    error = _fails(_write(tmp_path, "text.xlsx", "prompt,completion\na,b\n"))
    assert "not a valid XLSX workbook" in str(error)


@pytest.mark.parametrize("depth", [150, 100_000])
def test_pathological_nesting_jsonl(tmp_path: Path, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    lines = ['{"prompt": "a", "completion": "b"}', '{"prompt": "a", "completion": ' + nested + "}"]
    error = _fails(_write(tmp_path, "deep.jsonl", "\n".join(lines)))
    assert error.line == 2 and "more than 100 levels deep" in str(error)


def test_pathological_nesting_json_array(tmp_path: Path) -> None:
    nested = "{" + '"a":{' * 5000 + "}" * 5000 + "}"
    error = _fails(_write(tmp_path, "deep.json", "[\n" + nested + "\n]"))
    assert error.line == 2 and "levels deep" in str(error)


def test_pathological_nesting_in_a_csv_messages_cell(tmp_path: Path) -> None:
    cell = '"' + ("[" * 200 + "]" * 200) + '"'
    error = _fails(_write(tmp_path, "deep.csv", f"messages\n{cell}\n"))
    assert "row 2 nests" in str(error)


def test_file_mixing_schemas(tmp_path: Path) -> None:
    chat = json.dumps({"messages": [{"role": "user", "content": "hi"}]})
    legacy = json.dumps({"prompt": "p", "completion": "c"})
    lines = [chat] * 40 + [legacy] + [chat] * 15 + [legacy] + [chat] * 3
    error = _fails(_write(tmp_path, "mixed.jsonl", "\n".join(lines)))
    assert str(error) == (
        "mixed.jsonl: file mixes schemas: lines 1-40, 42-56, 58-60 are chat; "
        "lines 41, 57 are prompt/completion"
    )


def test_mixed_schema_list_is_capped(tmp_path: Path) -> None:
    chat = json.dumps({"messages": []})
    legacy = json.dumps({"prompt": "p", "completion": "c"})
    lines = [chat if i % 2 else legacy for i in range(40)]
    error = _fails(_write(tmp_path, "zebra.jsonl", "\n".join(lines)))
    assert "more ranges" in str(error)


def test_non_object_jsonl_line(tmp_path: Path) -> None:
    lines = ['{"prompt": "a", "completion": "b"}', '["a", "b"]']
    error = _fails(_write(tmp_path, "array.jsonl", "\n".join(lines)))
    assert str(error) == (
        "array.jsonl:2: line 2 is an array, not a JSON object "
        "(each line of a JSONL file must be one example object)"
    )


def test_unsupported_extension(tmp_path: Path) -> None:
    error = _fails(_write(tmp_path, "data.parquet", b"PAR1"))
    assert "unsupported file type ('.parquet')" in str(error)


def test_messages_cell_that_is_not_json(tmp_path: Path) -> None:
    error = _fails(_write(tmp_path, "chat.csv", 'messages\n"[{""role"": ""user""}]"\nnot json\n'))
    assert error.line == 3 and "row 3: the messages cell is not valid JSON" in str(error)


def test_prompt_without_completion_column_asks_for_a_mapping(tmp_path: Path) -> None:
    # A `prompt` column beside an `answer` column used to import with empty completions.
    path = _write(tmp_path, "qa.csv", "prompt,answer\nWhat is 2+2?,4\nCapital of France?,Paris\n")
    note = (
        "no completion column (columns: prompt, answer): map a column to the completion "
        "(for example the one that holds the answer or the label)"
    )
    with pytest.raises(ReadError) as refused:
        _read_all(path)
    assert str(refused.value) == f"qa.csv: {note}; e.g. --map 'completion={{answer}}'"
    # The import screen opens its mapping step instead, saying why.
    inspection = inspect_source(path, file_name=path.name)
    assert inspection.schema is None and note in inspection.warnings
    mapped = read_examples(path, file_name=path.name, mapping={"completion": "{answer}"})
    assert [e.data["completion"] for e in mapped.examples()] == ["4", "Paris"]


def test_one_row_of_no_schema_in_a_chat_file_is_a_bad_row_not_a_bad_file(tmp_path: Path) -> None:
    good = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    lines = [json.dumps(good)] * 5 + [json.dumps({"msgs": []})] + [json.dumps(good)] * 3
    path = _write(tmp_path, "chat.jsonl", "\n".join(lines) + "\n")
    reading = read_examples(path, file_name=path.name)
    assert reading.schema == "chat"
    examples = list(reading.examples())
    assert len(examples) == 9
    assert examples[5].data == {"msgs": []} and examples[5].source_row == 6
