"""Reading a run for the Results screen: the one-query loader and the blocked per-class
bootstrap give exactly what the item-by-item reader and the all-draws-at-once bootstrap gave.

The earlier forms are kept here as the reference (``_reference_load``, ``_reference_intervals``)
and run on the same stored run: answers that are labels, unknown labels, labels cut at the stop
sequence, top tokens that are the start of one label or of several, failed and pending
requests, answers reused from the store, unknown gold labels, and an empty run.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from lib.core.tables import utcnow
from lib.evaluate import metrics
from lib.evaluate import results as res
from lib.evaluate.intervals import ClassIntervals, per_class_intervals
from lib.evaluate.metrics import INVALID, Interval, normalise_label
from lib.runner import service as runner
from lib.runner.tables import runner_items, runner_results

LABELS = ["1", "2", "3", "10", "positive", "negative", "neutral"]
# Top tokens: labels, the start of one label (" pos", "neg"), of several ("ne"), of none.
MODELS = ["base", "ft:base:tunelab::x"]
# Answers as a server would give them: known, with the stop sequence, unknown, empty.
OUTPUTS = [" 1", "2 END", " 3\n", "10", " 7", "", " Two", "3 END more", " Positive", "neg"]
TOKENS = [
    " 1",
    "2",
    " 3",
    "1",
    "10",
    "3",
    " x",
    "",
    " END",
    "  ",
    " pos",
    "neg",
    "ne",
    " Neu",
    "Positive",
]


# ----------------------------------------------------------------------------- the old forms


def _reference_label_probs(
    logprobs: list[dict[str, Any]] | None, labels: list[str], stops: list[str]
) -> tuple[dict[str, float], list[tuple[str, float]]]:
    if not logprobs:
        return {}, []
    top = [(str(t), math.exp(float(lp))) for t, lp in logprobs[0].get("top") or []]
    probs: dict[str, float] = defaultdict(float)
    for token, p in top:
        norm = normalise_label(token, stops=stops)
        if not norm:
            continue
        if norm in labels:
            probs[norm] += p
            continue
        starts = [label for label in labels if label.startswith(norm)]
        if len(starts) == 1:
            probs[starts[0]] += p
    return dict(probs), top


def _reference_prediction(
    item: runner.ItemResult,
    *,
    model: str,
    labels: list[str],
    stops: list[str],
    classification: bool,
) -> res.Prediction:
    meta = item.meta
    gold = (
        normalise_label(meta.get("gold"), stops=stops)
        if classification
        else str(meta.get("gold") or "")
    )
    output = item.output or ""
    if item.status != "done":
        label = INVALID
    elif classification:
        norm = normalise_label(output, stops=stops)
        label = norm if norm in labels else INVALID
    else:
        label = output
    confidence = None
    if item.logprobs:
        confidence = math.exp(sum(float(e["logprob"]) for e in item.logprobs))
    probs, top = (
        _reference_label_probs(item.logprobs, labels, stops) if classification else ({}, [])
    )
    restricted = res.restricted_label(probs, labels, answer=label) if classification else label
    return res.Prediction(
        example=str(meta.get("example")), model=model, gold_text=str(meta.get("gold") or ""),
        gold=gold, output=output, label=label, restricted=restricted, status=item.status,
        error=item.error, confidence=confidence, label_probs=probs, top=top,
        example_id=meta.get("example_id"), dataset_id=meta.get("dataset_id"),
        source_row=meta.get("source_row"), latency_ms=item.latency_ms, cost=item.cost,
        prompt_tokens=item.prompt_tokens, completion_tokens=item.completion_tokens,
    )  # fmt: skip


def _reference_load(engine: sa.Engine, run_id: int) -> res.EvalData:
    with engine.connect() as conn:
        run = runner.get_run(conn, run_id)
    settings = run.settings
    models = [m.get("name") or m["model"] for m in settings.get("models") or []]
    task = settings.get("task", "classification")
    classification = task == "classification"
    stops = [settings["ending"]] if settings.get("ending") else []
    labels = list(settings.get("labels") or [])
    rows: dict[str, dict[str, res.Prediction]] = defaultdict(dict)
    bodies: dict[str, str] = {}
    order: list[str] = []
    failed: dict[str, list[res.Prediction]] = {m: [] for m in models}
    has_failure: set[str] = set()
    reused = 0
    for item in runner.iter_results(engine, run_id):
        index = int(item.meta.get("model_index", 0))
        model = models[index] if index < len(models) else item.model
        prediction = _reference_prediction(
            item, model=model, labels=labels, stops=stops, classification=classification
        )
        if prediction.example not in rows:
            order.append(prediction.example)
            bodies[prediction.example] = res.prompt_text(item.body)
        rows[prediction.example][model] = prediction
        reused += item.from_cache and item.status == "done"
        if item.status == "pending":
            rows[prediction.example]["__pending__"] = prediction
        elif item.status == "failed":
            failed.setdefault(model, []).append(prediction)
            has_failure.add(prediction.example)
    waiting = [key for key in order if "__pending__" in rows[key]]
    complete = [
        key
        for key in order
        if "__pending__" not in rows[key]
        and key not in has_failure
        and len(rows[key]) == len(models)
    ]
    data = res.EvalData(
        run=run, task=task, labels=labels, models=models, examples=complete,
        pending=len(waiting), failed=failed,
        left_out=len([key for key in has_failure if "__pending__" not in rows[key]]),
        reused=int(reused),
    )  # fmt: skip
    for model in models:
        data.by_model[model] = [rows[key][model] for key in complete]
    data.prompts = {key: bodies[key] for key in complete}
    return data


def _reference_intervals(
    gold: list[str], pred: list[str], labels: list[str], *, n_resamples: int = 1000, seed: int = 0
) -> dict[str, ClassIntervals]:
    """All draws at once, one comparison per class (the form before blocks)."""

    def scores(g: np.ndarray, p: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
        hit = g == p
        tp = np.stack([((g == c) & hit).sum(axis=-1) for c in range(k)], axis=-1).astype(float)
        sup = np.stack([(g == c).sum(axis=-1) for c in range(k)], axis=-1).astype(float)
        pr = np.stack([(p == c).sum(axis=-1) for c in range(k)], axis=-1).astype(float)
        precision = np.divide(tp, pr, out=np.zeros_like(tp), where=pr > 0)
        recall = np.divide(tp, sup, out=np.zeros_like(tp), where=sup > 0)
        total = precision + recall
        f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
        return precision, recall, f1

    k = len(labels)
    index = {label: i for i, label in enumerate(labels)}
    g = np.fromiter((index.get(x, k) for x in gold), dtype=int, count=len(gold))
    p = np.fromiter((index.get(x, k + 1) for x in pred), dtype=int, count=len(pred))
    point = scores(g, p, k)
    boot: tuple[np.ndarray, ...] | None = None
    if len(g):
        draws = np.random.default_rng(seed).integers(0, len(g), (n_resamples, len(g)))
        boot = scores(g[draws], p[draws], k)

    def interval(value: float, column: np.ndarray | None) -> Interval:
        if column is None:
            return Interval(value, value, value)
        alpha = (1 - 0.95) / 2  # 0.025000000000000022, as the screen's
        low, high = np.quantile(column, [alpha, 1 - alpha])
        return Interval(float(value), float(low), float(high))

    return {
        label: ClassIntervals(
            label,
            int((g == c).sum()),
            *(interval(point[i][c], boot[i][:, c] if boot else None) for i in range(3)),
        )  # fmt: skip
        for c, label in enumerate(labels)
    }


def _reference_accuracy_f1(
    gold: list[str], pred: list[str], labels: list[str], *, n_resamples: int = 1000, seed: int = 0
) -> tuple[Interval, Interval]:
    """Accuracy and macro-F1 intervals as ``bootstrap_accuracy_macro_f1`` drew them before the
    per-class intervals shared its draws."""

    def rows(g: np.ndarray, p: np.ndarray, k: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        r, n = g.shape
        if n == 0:
            return np.zeros(r), np.zeros(r)
        hit = g == p
        offset = (np.arange(r) * width)[:, None]
        size = r * width
        tp = np.bincount((g + offset)[hit], minlength=size).reshape(r, width)[:, :k]
        support = np.bincount((g + offset).ravel(), minlength=size).reshape(r, width)[:, :k]
        predicted = np.bincount((p + offset).ravel(), minlength=size).reshape(r, width)[:, :k]
        tp = tp.astype(float)
        precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
        recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
        total = precision + recall
        f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
        return hit.mean(axis=1), f1.mean(axis=1) if k else np.zeros(r)

    k = len(labels)
    codes = {label: i for i, label in enumerate(labels)}
    for value in (*gold, *pred):
        codes.setdefault(value, len(codes))
    g = np.array([codes[x] for x in gold], dtype=np.int64)
    p = np.array([codes[x] for x in pred], dtype=np.int64)
    accuracy, f1 = rows(g[None, :], p[None, :], k, len(codes))
    if not len(g):
        return (
            Interval(float(accuracy[0]), float(accuracy[0]), float(accuracy[0])),
            Interval(float(f1[0]), float(f1[0]), float(f1[0])),
        )
    draws = np.random.default_rng(seed).integers(0, len(g), (n_resamples, len(g)))
    accs, f1s = rows(g[draws], p[draws], k, len(codes))
    alpha = (1 - 0.95) / 2
    return (
        Interval(float(accuracy[0]), *map(float, np.quantile(accs, [alpha, 1 - alpha]))),
        Interval(float(f1[0]), *map(float, np.quantile(f1s, [alpha, 1 - alpha]))),
    )


# ----------------------------------------------------------------------------- a stored run


def _logprobs(rng: random.Random) -> str | None:
    if rng.random() < 0.1:
        return None
    positions = []
    for _ in range(rng.randint(1, 3)):
        top = [[rng.choice(TOKENS), -rng.random() * 4] for _ in range(rng.randint(0, 5))]
        token = top[0][0] if top else " 1"
        positions.append({"token": token, "logprob": -rng.random() * 3, "top": top})
    return json.dumps(positions)


def _store_run(
    db: sa.Engine, n: int, *, seed: int = 7, task: str = "classification", answered: bool = True
) -> int:
    """A run of ``n`` examples × 2 models, answered as the runner stores answers."""
    rng = random.Random(seed)
    golds = [" 1", "2", "3 END", "10", " 4", "Two"]  # " 4" and "two": gold labels outside LABELS
    requests = [
        runner.Request(
            item=f"e{i}:{m}",
            model=model,
            endpoint="chat",
            body={"messages": [{"role": "user", "content": f"review {i}"}], "max_tokens": 3},
            meta={
                "example": f"e{i}",
                "gold": rng.choice(golds),
                "model_index": m,
                "example_id": i,
                "dataset_id": 1,
                "source_row": i + 1,
            },
        )  # fmt: skip
        for i in range(n)
        for m, model in enumerate(MODELS)
    ]
    settings = {
        "models": [{"model": m} for m in MODELS],
        "task": task,
        "labels": LABELS,
        "ending": " END",
    }
    run_id = runner.create_run(
        db, kind="evaluation", name="fixture", settings=settings, requests=requests,
        created_by="t",
    )  # fmt: skip
    if not answered:
        return run_id
    now = utcnow()
    with db.begin() as conn:
        items = conn.execute(
            sa.select(runner_items.c.id, runner_items.c.request_key, runner_items.c.model)
            .where(runner_items.c.run_id == run_id)
            .order_by(runner_items.c.position)
        ).fetchall()
        for item in items:
            fate = rng.random()
            if fate < 0.06:
                values: dict[str, Any] = {"status": "failed", "error": "Timeout: no answer"}
            elif fate < 0.1:
                values = {"status": "pending"}
            else:
                values = {"status": "done", "from_cache": rng.random() < 0.2}
                conn.execute(
                    runner_results.insert().values(
                        request_key=item.request_key,
                        model=item.model,
                        endpoint="chat",
                        output=rng.choice(OUTPUTS),
                        logprobs=_logprobs(rng),
                        latency_ms=rng.random() * 100,
                        prompt_tokens=rng.randint(1, 20),
                        completion_tokens=rng.randint(1, 3),
                        cost=rng.random() / 1000,
                        created_at=now,
                    )  # fmt: skip
                )
            conn.execute(runner_items.update().where(runner_items.c.id == item.id).values(values))
    return run_id


def _same(new: res.EvalData, old: res.EvalData) -> None:
    assert new.run == old.run
    assert (new.task, new.labels, new.models) == (old.task, old.labels, old.models)
    assert new.examples == old.examples
    assert (new.pending, new.left_out, new.reused) == (old.pending, old.left_out, old.reused)
    assert new.by_model == old.by_model  # every field of every prediction, floats exactly
    assert new.failed == old.failed
    assert new.prompts == old.prompts


# ----------------------------------------------------------------------------- tests


@pytest.mark.parametrize("seed", [7, 8])
def test_the_one_query_loader_gives_what_the_item_reader_gave(db: sa.Engine, seed: int) -> None:
    run_id = _store_run(db, 300, seed=seed)
    new, old = res.load(db, run_id), _reference_load(db, run_id)
    _same(new, old)
    # The fixture holds what it is meant to: unknown answers and golds, failures, pending.
    labels = {p.label for ps in new.by_model.values() for p in ps}
    assert INVALID in labels and {"1", "2", "3", "10", "positive"} <= labels
    assert {"4", "two"} <= set(new.golds())
    assert new.pending and new.left_out and new.reused and all(new.failed.values())
    assert any(p.label_probs for p in new.by_model[MODELS[0]])
    # Everything the screen shows from it is the same …
    table = res.metric_table(new)
    assert table == res.metric_table(old)
    assert res.class_intervals(new) == res.class_intervals(old)
    # … and the intervals, drawn once for both tables, are those each table drew for itself.
    golds = new.golds()
    for model in MODELS:
        predicted = new.labels_of(model)
        accuracy, macro_f1 = _reference_accuracy_f1(golds, predicted, LABELS)
        assert (table[0].metric, table[0].intervals[model]) == ("accuracy", accuracy)
        assert (table[1].metric, table[1].intervals[model]) == ("macro F1", macro_f1)
        assert res.class_intervals(new)[model] == _reference_intervals(golds, predicted, LABELS)
    for model, report in res.reports(new).items():
        before = res.reports(old)[model]
        assert report.confusion_labels == before.confusion_labels
        assert np.array_equal(report.confusion, before.confusion)
    assert res.mcnemar_against_first(new) == res.mcnemar_against_first(old)
    assert res.suspicious(new, MODELS[1], min_confidence=0.0) == res.suspicious(
        old, MODELS[1], min_confidence=0.0
    )


def test_generation_runs_load_the_same(db: sa.Engine) -> None:
    run_id = _store_run(db, 120, task="generation")
    new, old = res.load(db, run_id), _reference_load(db, run_id)
    _same(new, old)
    assert res.generation_scores(new) == res.generation_scores(old)


def test_a_run_with_no_answers_loads_empty(db: sa.Engine) -> None:
    run_id = _store_run(db, 5, answered=False)
    new, old = res.load(db, run_id), _reference_load(db, run_id)
    _same(new, old)
    assert new.examples == [] and new.pending == 5
    assert res.class_intervals(new) == res.class_intervals(old)
    assert res.class_intervals(new)[MODELS[0]] == _reference_intervals([], [], LABELS)
    for label, scores in res.class_intervals(new)[MODELS[0]].items():
        assert scores.support == 0 and scores.f1 == Interval(0.0, 0.0, 0.0), label


@pytest.mark.parametrize("n", [0, 1, 37, 2500])
def test_blocked_intervals_equal_all_draws_at_once(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(n)
    values = [*LABELS, "4", INVALID]  # gold and predictions outside the labels too
    gold = [rng.choice(values[:-1]) for _ in range(n)]
    pred = [rng.choice(values) for _ in range(n)]
    expected = _reference_intervals(gold, pred, LABELS)
    assert per_class_intervals(gold, pred, LABELS) == expected
    both = metrics.bootstrap_accuracy_macro_f1(gold, pred, LABELS, n_resamples=1000)
    assert (both.accuracy, both.macro_f1) == _reference_accuracy_f1(gold, pred, LABELS)
    monkeypatch.setattr(metrics, "BOOTSTRAP_CHUNK", 7 * max(n, 1))  # blocks of 7 resamples
    assert per_class_intervals(gold, pred, LABELS) == expected


def test_a_live_runs_next_version_is_computed_again(db: sa.Engine) -> None:
    """Metrics kept with a loaded run never outlive its version: once the pending requests
    are answered, the screen's loader gives a new run whose numbers include them."""
    from lib.core.identity import local_actor
    from lib.evaluate.ui import results as view

    actor = local_actor("Ana")
    run_id = _store_run(db, 60, seed=3)
    first = view.load(db, run_id, actor)
    assert view.load(db, run_id, actor) is first  # the same version: the loaded run is shared
    rows = view._metric_rows(first)
    assert view._metric_rows(first) is rows  # computed once for that version
    with db.begin() as conn:
        pending = conn.execute(
            sa.select(runner_items.c.id, runner_items.c.request_key, runner_items.c.model).where(
                runner_items.c.run_id == run_id, runner_items.c.status == "pending"
            )
        ).fetchall()
        assert pending
        for item in pending:
            conn.execute(
                runner_results.insert().values(
                    request_key=item.request_key,
                    model=item.model,
                    endpoint="chat",
                    output="2",
                    logprobs=None,
                    latency_ms=1.0,
                    created_at=utcnow(),
                )  # fmt: skip
            )
            conn.execute(
                runner_items.update().where(runner_items.c.id == item.id).values(status="done")
            )
    second = view.load(db, run_id, actor)
    assert second is not first and second.pending == 0 < first.pending
    assert len(second.examples) > len(first.examples)
    assert view._metric_rows(second) == res.metric_table(res.load(db, run_id)) != rows


def _reference_restricted(probs: dict[str, float], labels: list[str], *, answer: str) -> str:
    best = max((probs.get(label, 0.0) for label in labels), default=0.0)
    if best <= 0.0:
        return INVALID
    tied = [label for label in labels if math.isclose(probs.get(label, 0.0), best, rel_tol=1e-9)]
    return answer if answer in tied else tied[0]


def test_restricted_label_as_before_with_ties_zeros_and_other_keys() -> None:
    rng = random.Random(11)
    values = [0.0, 0.25, 0.25 * (1 + 1e-12), 0.5, 0.125]  # ties within rel_tol, and zeros
    for _ in range(3000):
        keys = rng.sample([*LABELS, "4", INVALID], rng.randint(0, 5))
        probs = {key: rng.choice(values) for key in keys}
        answer = rng.choice([*LABELS, INVALID])
        want = _reference_restricted(probs, LABELS, answer=answer)
        assert res.restricted_label(probs, LABELS, answer=answer) == want, (probs, answer)
