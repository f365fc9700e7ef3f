"""Results as charts: per-class intervals, one bootstrap for screen and report, colours per
candidate, the probability browser's filters and the different-examples warning."""

from __future__ import annotations

import json
import random
import re
from types import SimpleNamespace

from lib.evaluate import browse, metric_charts
from lib.evaluate import results as res
from lib.evaluate.intervals import per_class_intervals
from lib.evaluate.metrics import classification_report
from lib.evaluate.report import html_report

LABELS = ["1", "2", "3", "4", "5"]


def _prediction(key: str, model: str, gold: str, label: str, confidence: float) -> res.Prediction:
    return res.Prediction(
        example=key, model=model, gold_text=" " + gold, gold=gold, output=" " + label,
        label=label, restricted=label, status="done", error=None, confidence=confidence,
        label_probs={label: confidence}, top=[(" " + label, confidence)], example_id=None,
        dataset_id=None, source_row=None, latency_ms=None, cost=0.0,
    )  # fmt: skip


def _data(n: int = 120, *, run_id: int = 1, keys: list[str] | None = None) -> res.EvalData:
    rng = random.Random(run_id)
    keys = keys or [f"e{i}" for i in range(n)]
    golds = [rng.choice(LABELS) for _ in keys]
    models = {"base-model": 0.3, "ft:base-model:tuned": 0.8}
    data = res.EvalData(
        run=SimpleNamespace(id=run_id, name=f"run {run_id}", settings={}, status="done"),  # type: ignore[arg-type]
        task="classification",
        labels=LABELS,
        models=list(models),
        examples=keys,
        pending=0,
    )
    for model, skill in models.items():
        data.by_model[model] = [
            _prediction(
                k, model, g, g if rng.random() < skill else rng.choice(LABELS), rng.random()
            )
            for k, g in zip(keys, golds, strict=True)
        ]
    data.prompts = {k: f"Review {k}" for k in keys}
    return data


def test_per_class_intervals_hold_the_reports_numbers() -> None:
    data = _data()
    golds, preds = data.golds(), data.labels_of("base-model")
    report = classification_report(golds, preds, labels=LABELS)
    scores = per_class_intervals(golds, preds, LABELS)
    for label in LABELS:
        s, r = scores[label], report.per_class[label]
        assert (s.precision.estimate, s.recall.estimate, s.f1.estimate, s.support) == (
            r.precision,
            r.recall,
            r.f1,
            r.support,
        )
        assert s.f1.low <= s.f1.estimate <= s.f1.high and s.f1.high - s.f1.low > 0.05
    assert per_class_intervals(golds, preds, LABELS) == scores  # seeded


def test_the_report_shows_the_screens_interval_in_distinct_colours() -> None:
    data = _data()
    macro = next(r for r in res.metric_table(data) if r.metric == "macro F1")
    html = html_report(data)
    for model in data.models:
        iv = macro.intervals[model]
        assert f"{iv.estimate:.4f} [{iv.low:.3f}, {iv.high:.3f}]" in html
    colours = set(re.findall(r'"marker":\{"color":"(#[0-9A-Fa-f]{6})"', html))
    expected = set(metric_charts.candidate_colours(data.models).values())
    assert expected <= colours and len(expected) == 2


def test_per_class_chart_has_a_bar_per_candidate_with_intervals() -> None:
    data = _data()
    fig = metric_charts.per_class_figure(
        res.class_intervals(data), models=data.models, labels=LABELS
    )
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 3 * len(data.models)  # precision, recall, F1 rows
    assert {b.marker.color for b in bars} == set(metric_charts.PALETTE[:2])
    assert all(b.error_y.array is not None for b in bars)
    names = json.loads(fig.to_json())["data"][0]["name"]
    assert names == "base-model"


def test_browser_filters_wrong_disagreeing_and_unsure_examples() -> None:
    data = _data()
    every = browse.matching(data, browse.Filters())
    assert every == list(range(len(data.examples)))
    wrong = browse.matching(data, browse.Filters(wrong=True))
    assert wrong and all(any(not data.by_model[m][i].correct for m in data.models) for i in wrong)
    assert len(wrong) < len(every)
    disagree = browse.matching(data, browse.Filters(disagree=True))
    assert all(len({data.by_model[m][i].label for m in data.models}) == 2 for i in disagree)
    unsure = browse.matching(data, browse.Filters(low_confidence=True, threshold=0.2))
    assert all(any(data.by_model[m][i].confidence < 0.2 for m in data.models) for i in unsure)
    both = browse.matching(data, browse.Filters(wrong=True, disagree=True))
    assert set(both) <= set(wrong) & set(disagree)


def test_runs_scored_on_different_examples_are_told_apart() -> None:
    a = _data(run_id=1)
    assert res.example_overlap(a, _data(run_id=2)).same
    b = _data(run_id=3, keys=[f"e{i}" for i in range(20, 150)])
    overlap = res.example_overlap(a, b)
    assert (overlap.shared, overlap.only_first, overlap.only_second) == (100, 20, 30)
    assert not overlap.same
