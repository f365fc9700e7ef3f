"""AppTest of the import panel's column picker: pick columns, see raw and mapped rows, drop."""

from __future__ import annotations

import json

from lib.core.db import get_engine
from lib.core.paths import REPO_ROOT

from .test_datasets_page import _app, _run, _with_upload

PAGE = str(REPO_ROOT / "pages" / "datasets.py")

# The shape of the OpenAI cookbook's fine_food_reviews_1k.csv: pandas' index column first,
# with an empty header cell.
FOOD = (
    b",ProductId,Score,Summary,Text\n"
    b"0,B001,5,Good Quality Dog Food,My dog loves it.\n"
    b"1,B002,1,Not as Advertised,Arrived crushed.\n"
    b"2,B003,4,Delight says it all,Tasty and fresh.\n"
)


def _stored(dataset_name: str) -> list[dict]:
    from sqlalchemy import text

    with get_engine().connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.data FROM examples e JOIN datasets d ON d.id = e.dataset_id "
                "WHERE d.name = :n ORDER BY e.id"
            ),
            {"n": dataset_name},
        ).scalars()
        return [json.loads(r) if isinstance(r, str) else r for r in rows]


def test_pick_columns_see_raw_and_mapped_rows_and_drop_the_index(app_store, monkeypatch):
    _with_upload(monkeypatch, "fine_food_reviews_1k.csv", FOOD)
    at = _run(_app())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Schema"] == "needs mapping" and metrics["Rows"] == "3"
    # Score is recognised as the answer; the unnamed index column is offered for leaving out.
    assert at.multiselect(key="import_pick_prompt/completion_completion").value == ["Score"]
    assert at.multiselect(key="import_drop").value == ["unnamed_1"]
    at.multiselect(key="import_pick_prompt/completion_prompt").set_value(["Summary", "Text"])
    _run(at)
    raw, mapped = at.dataframe[0].value, at.dataframe[1].value
    assert list(raw.columns) == ["unnamed_1", "ProductId", "Score", "Summary", "Text"]
    assert list(raw["Summary"])[0] == "Good Quality Dog Food"
    assert list(mapped["prompt"])[0] == "Good Quality Dog Food\n\nMy dog loves it."
    assert list(mapped["completion"]) == ["5", "1", "4"]
    assert "unnamed_1" not in mapped.columns and "ProductId" in mapped.columns
    at.button(key="import_button").click()
    _run(at)
    assert any("Imported 3 examples" in s.value for s in at.success)
    stored = _stored("fine_food_reviews_1k")
    assert stored[1]["prompt"] == "Not as Advertised\n\nArrived crushed."
    assert all("unnamed_1" not in row for row in stored)
    assert stored[0]["ProductId"] == "B001"


def test_missing_completion_column_opens_the_mapping_step(app_store, monkeypatch):
    _with_upload(
        monkeypatch,
        "qa.csv",
        b"prompt,answer\nWhat is 2+2?,4\nCapital of France?,Paris\n",
    )
    at = _run(_app())
    assert any("no completion column" in w.value for w in at.warning), [w.value for w in at.warning]
    picks = {
        f: at.multiselect(key=f"import_pick_prompt/completion_{f}").value
        for f in ("prompt", "completion")
    }
    assert picks == {"prompt": ["prompt"], "completion": ["answer"]}
    assert list(at.dataframe[1].value["completion"]) == ["4", "Paris"]
    at.button(key="import_button").click()
    _run(at)
    assert _stored("qa")[1] == {"prompt": "Capital of France?", "completion": "Paris"}


def test_templates_are_optional_and_prefilled_from_the_picks(app_store, monkeypatch):
    _with_upload(monkeypatch, "food.csv", FOOD)
    at = _run(_app())
    at.multiselect(key="import_pick_prompt/completion_prompt").set_value(["Summary", "Text"])
    _run(at)
    at.toggle(key="import_map_templates").set_value(True)
    _run(at)
    prompt = at.text_area(key="import_map_prompt/completion_prompt")
    assert prompt.value == "{Summary}\n\n{Text}"
    prompt.set_value("Review: {Summary}. {Text}\n\n###\n\n")
    _run(at)
    assert (
        list(at.dataframe[1].value["prompt"])[2]
        == "Review: Delight says it all. Tasty and fresh.\n\n###\n\n"
    )


def test_a_detected_file_can_still_pick_and_drop_columns(app_store, monkeypatch):
    _with_upload(
        monkeypatch,
        "pairs.csv",
        b"prompt,completion,note\nhi,there,x\nbye,now,y\n",
    )
    at = _run(_app())
    assert not at.multiselect  # no mapping needed: the picker waits behind its toggle
    at.toggle(key="import_pick_toggle").set_value(True)
    _run(at)
    at.multiselect(key="import_drop").set_value(["note"])
    _run(at)
    assert "note" not in at.dataframe[1].value.columns
    at.button(key="import_button").click()
    _run(at)
    assert _stored("pairs") == [
        {"prompt": "hi", "completion": "there"},
        {"prompt": "bye", "completion": "now"},
    ]
