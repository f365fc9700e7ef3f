"""An evaluation run's predictions, aligned per example and model, and the metrics on them.

Confidence of a prediction = the probability of the produced answer (exp of the sum of its
tokens' logprobs). Label probabilities come from the first output position's top-k
alternatives: a token that normalises to a label (or to the start of exactly one label) adds
its probability to that label; labels outside the top-k get 0. That is exact for one-token
labels (the usual case: ``" 4"``, ``"positive"``) and a lower bound otherwise.

Label-restricted prediction: the known label with the highest of those probabilities (ties go
to the exact answer's label, then to the label list's order), so a model that answers "Four
stars" while giving " 4" most probability is measured fairly. Shown beside the exact answer,
named as such; INVALID when no known label got any probability.

Which examples count: the examples every model has answered. A request that failed for good
(after retries) is not an answer: it is never scored as one (not even as "invalid"); its
example is left out of the metrics of every model (so models stay compared on the same
examples), and the failures are counted per model and per kind, so a screen or a pipeline can
say over how many examples the numbers were computed and why the others are missing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy.engine import Engine

from lib.evaluate import metrics
from lib.evaluate.intervals import N_RESAMPLES, SEED, ClassIntervals, class_intervals_of
from lib.evaluate.metrics import INVALID, normalise_label
from lib.runner import service as runner

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Prediction:
    example: str
    model: str
    gold_text: str
    gold: str  # normalised
    output: str  # raw text ("" when the request failed)
    label: str  # normalised; INVALID when not a known label (classification)
    restricted: str  # the most probable known label (label-restricted); INVALID if none
    status: str
    error: str | None
    confidence: float | None
    label_probs: dict[str, float]
    top: list[tuple[str, float]]  # first position: (token, probability), most likely first
    example_id: int | None
    dataset_id: int | None
    source_row: int | None
    latency_ms: float | None
    cost: float
    prompt_tokens: int = 0  # as the server reported them (usage)
    completion_tokens: int = 0

    @property
    def correct(self) -> bool:
        return self.label == self.gold

    @property
    def restricted_correct(self) -> bool:
        return self.restricted == self.gold

    @property
    def p_gold(self) -> float:
        return self.label_probs.get(self.gold, 0.0)

    @property
    def p_label(self) -> float:
        return self.label_probs.get(self.label, self.confidence or 0.0)


@dataclass(slots=True)
class EvalData:
    run: runner.RunInfo
    task: str
    labels: list[str]
    models: list[str]
    examples: list[str]  # example keys every model answered, in order: what metrics cover
    pending: int  # examples still waiting for an answer
    by_model: dict[str, list[Prediction]] = field(default_factory=dict)
    prompts: dict[str, str] = field(default_factory=dict)  # example key → prompt as sent
    failed: dict[str, list[Prediction]] = field(default_factory=dict)  # model → failed requests
    left_out: int = 0  # examples not scored because a request for them failed
    reused: int = 0  # answers taken from earlier runs (same server, same request)
    # Computed once per loaded run (the bootstrap, see :func:`bootstrap`): an ``EvalData`` is
    # one version of a run, never changed after ``load``, so nothing kept here can go stale.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n(self) -> int:
        """How many examples the metrics were computed over."""
        return len(self.examples)

    def failed_count(self, model: str) -> int:
        return len(self.failed.get(model, []))

    def failures_by_kind(self) -> dict[str, list[Prediction]]:
        """Failed requests of every model grouped by kind (``runner.FAILURE_REASONS``)."""
        kinds: dict[str, list[Prediction]] = defaultdict(list)
        for predictions in self.failed.values():
            for p in predictions:
                kinds[runner.failure_kind(p.error)].append(p)
        return dict(kinds)

    def golds(self) -> list[str]:
        return [p.gold for p in self.by_model[self.models[0]]] if self.models else []

    def labels_of(self, model: str) -> list[str]:
        return [p.label for p in self.by_model[model]]

    def correct(self, model: str) -> list[bool]:
        return [p.correct for p in self.by_model[model]]

    def restricted_accuracy(self, model: str) -> float:
        """Accuracy of the label-restricted predictions (0 when nothing was scored)."""
        predictions = self.by_model[model]
        return (
            sum(p.restricted_correct for p in predictions) / len(predictions)
            if predictions
            else 0.0
        )


def restricted_label(probs: dict[str, float], labels: list[str], *, answer: str) -> str:
    """The known label with the highest probability (see the module docstring).

    Only the labels ``probs`` holds are looked at: a label it lacks has probability 0, which
    is never the highest (0 gives INVALID) nor tied with a positive one."""
    scored = [(label, probs[label]) for label in labels if label in probs]
    best = max((p for _, p in scored), default=0.0)
    if best <= 0.0:
        return INVALID
    tied = [label for label, p in scored if math.isclose(p, best, rel_tol=1e-9)]
    return answer if answer in tied else tied[0]


def prompt_text(body: dict[str, Any]) -> str:
    """The prompt a request sent, as plain text (messages as ``role: content`` lines)."""
    if "prompt" in body:
        return str(body["prompt"])
    from lib.core.examples import content_text

    return "\n".join(
        f"{m.get('role')}: {content_text(m.get('content'))}" for m in body.get("messages") or []
    )


class _Labels:
    """A run's label parsing, done once per distinct text: a 10,000-example run has a handful
    of distinct answers, golds and top tokens, and normalising each of the 20,000 answers and
    100,000 top tokens again was most of loading a run (the module docstring gives the rules)."""

    def __init__(self, labels: list[str], stops: list[str]) -> None:
        self.labels, self.stops, self.known = labels, stops, set(labels)
        self._norm: dict[str | None, str] = {}
        self._target: dict[str, str | None] = {}

    def norm(self, text: str | None) -> str:
        found = self._norm.get(text)
        if found is None:
            found = self._norm[text] = normalise_label(text, stops=self.stops)
        return found

    def target(self, token: str) -> str | None:
        """The label a top token's probability adds to (``_label_probs``'s rule), or None."""
        if token in self._target:
            return self._target[token]
        norm = normalise_label(token, stops=self.stops)
        found: str | None = None
        if norm:
            if norm in self.known:
                found = norm
            else:
                starts = [label for label in self.labels if label.startswith(norm)]
                found = starts[0] if len(starts) == 1 else None
        self._target[token] = found
        return found


def load(engine: Engine, run_id: int) -> EvalData:
    """Predictions of a run, aligned by example (only examples every model has answered).

    Reads the run in one query (``result_rows``) and decodes only what a prediction keeps: a
    request body only for the prompt of an example that is scored, the answer's logprobs
    once (orjson: its floats are correctly rounded, the same numbers as ``json.loads``), each
    distinct label text parsed once (:class:`_Labels`)."""
    with engine.connect() as conn:
        run = runner.get_run(conn, run_id)
    settings = run.settings
    models = [m.get("name") or m["model"] for m in settings.get("models") or []]
    task = settings.get("task", "classification")
    classification = task == "classification"
    stops = [settings["ending"]] if settings.get("ending") else []
    labels = list(settings.get("labels") or [])
    parse = _Labels(labels, stops)
    known, exp, loads = parse.known, math.exp, orjson.loads
    rows: dict[str, dict[str, Prediction]] = defaultdict(dict)
    bodies: dict[str, str] = {}  # example key → its first request body, still JSON text
    order: list[str] = []
    failed: dict[str, list[Prediction]] = {m: [] for m in models}
    has_failure: set[str] = set()
    reused = 0
    for row in runner.result_rows(engine, run_id):
        meta = loads(row.meta)
        index = int(meta.get("model_index", 0))
        model = models[index] if index < len(models) else row.model
        status = row.status
        gold_raw = meta.get("gold")
        output = row.output or ""
        logprobs = loads(row.logprobs) if row.logprobs else None
        confidence = exp(sum(float(e["logprob"]) for e in logprobs)) if logprobs else None
        probs: dict[str, float] = {}
        top: list[tuple[str, float]] = []
        if classification:
            gold = parse.norm(gold_raw)
            if status != "done":
                label = INVALID  # never scored: left out below
            else:
                norm = parse.norm(output)
                label = norm if norm in known else INVALID
            if logprobs:
                top = [(str(t), exp(float(lp))) for t, lp in logprobs[0].get("top") or []]
                for token, p in top:
                    target = parse.target(token)
                    if target is not None:
                        probs[target] = probs.get(target, 0.0) + p
            restricted = restricted_label(probs, labels, answer=label)
        else:
            gold = str(gold_raw or "")
            label = output if status == "done" else INVALID
            restricted = label
        example = str(meta.get("example"))
        prediction = Prediction(
            example=example, model=model, gold_text=str(gold_raw or ""), gold=gold,
            output=output, label=label, restricted=restricted, status=status, error=row.error,
            confidence=confidence, label_probs=probs, top=top,
            example_id=meta.get("example_id"), dataset_id=meta.get("dataset_id"),
            source_row=meta.get("source_row"), latency_ms=row.latency_ms, cost=row.cost or 0.0,
            prompt_tokens=row.prompt_tokens or 0, completion_tokens=row.completion_tokens or 0,
        )  # fmt: skip
        entry = rows[example]
        if not entry:
            order.append(example)
            bodies[example] = row.body
        entry[model] = prediction
        reused += bool(row.from_cache) and status == "done"
        if status == "pending":
            entry["__pending__"] = prediction
        elif status == "failed":
            failed.setdefault(model, []).append(prediction)
            has_failure.add(example)
    waiting = [key for key in order if "__pending__" in rows[key]]
    complete = [
        key
        for key in order
        if "__pending__" not in rows[key]
        and key not in has_failure
        and len(rows[key]) == len(models)
    ]
    data = EvalData(
        run=run,
        task=task,
        labels=labels,
        models=models,
        examples=complete,
        pending=len(waiting),
        failed=failed,
        left_out=len([key for key in has_failure if "__pending__" not in rows[key]]),
        reused=int(reused),
    )
    for model in models:
        data.by_model[model] = [rows[key][model] for key in complete]
    data.prompts = {key: prompt_text(loads(bodies[key])) for key in complete}
    return data


# ----------------------------------------------------------------------------- classification


@dataclass(frozen=True, slots=True)
class MetricRow:
    metric: str
    values: dict[str, float]
    intervals: dict[str, metrics.Interval]
    differences: dict[str, metrics.Interval]  # model → difference against the first model


def reports(data: EvalData) -> dict[str, metrics.Report]:
    golds = data.golds()
    return {
        m: metrics.classification_report(golds, data.labels_of(m), labels=data.labels)
        for m in data.models
    }


def once(data: EvalData, name: str, compute: Callable[[EvalData], T]) -> T:
    """``compute(data)``, computed once per loaded run and kept with it (``EvalData.memo``).

    The screens cache an ``EvalData`` per run and version (``results_version``), so what is
    kept here is as fresh as the predictions it was computed from, and a live run's next
    version is a new ``EvalData`` that computes again."""
    if name not in data.memo:
        data.memo[name] = compute(data)
    return cast(T, data.memo[name])


def bootstrap(
    data: EvalData, model: str, *, seed: int = SEED, n_resamples: int = N_RESAMPLES
) -> metrics.BootstrapScores:
    """One model's scores on the seeded resamples, drawn once per loaded run: the accuracy and
    macro-F1 intervals (:func:`metric_table`) and the per-class ones (:func:`class_intervals`)
    read the same draws, as ``per_class_intervals`` and ``bootstrap_accuracy_macro_f1`` would
    each draw them with the same seed."""
    key = ("bootstrap", model, seed, n_resamples)
    found = data.memo.get(key)
    if found is None:
        found = metrics.bootstrap_scores(
            data.golds(), data.labels_of(model), data.labels, n_resamples=n_resamples, seed=seed
        )
        data.memo[key] = found
    return found


def class_intervals(data: EvalData) -> dict[str, dict[str, ClassIntervals]]:
    """Per model, each gold label's precision/recall/F1 with the shared bootstrap's intervals."""
    return {m: class_intervals_of(bootstrap(data, m), data.labels) for m in data.models}


def metric_table(
    data: EvalData, *, seed: int = SEED, n_resamples: int = N_RESAMPLES
) -> list[MetricRow]:
    """Accuracy and macro-F1 per model with bootstrap intervals; differences vs the first model
    (paired bootstrap for accuracy). Weighted F1 and invalid share without intervals.

    The screen and the report both call it with the defaults: one seeded bootstrap, one
    interval for the same run."""
    golds = data.golds()
    by_model = reports(data)
    base = data.models[0]
    rows: list[MetricRow] = []
    # One pass of draws per model gives both intervals (the same draws as bootstrap_ci's).
    boot = {
        m: metrics.accuracy_macro_f1_intervals(
            bootstrap(data, m, seed=seed, n_resamples=n_resamples)
        )
        for m in data.models
    }
    acc_i = {m: b.accuracy for m, b in boot.items()}
    acc_d = {
        m: metrics.paired_difference_ci(data.correct(base), data.correct(m), seed=seed)
        for m in data.models[1:]
    }
    rows.append(MetricRow("accuracy", {m: r.accuracy for m, r in by_model.items()}, acc_i, acc_d))
    f1_i = {m: b.macro_f1 for m, b in boot.items()}
    rows.append(MetricRow("macro F1", {m: r.macro.f1 for m, r in by_model.items()}, f1_i, {}))
    restricted = {m: data.restricted_accuracy(m) for m in data.models}
    rows.append(MetricRow("label-restricted accuracy", restricted, {}, {}))
    rows.append(MetricRow("weighted F1", {m: r.weighted.f1 for m, r in by_model.items()}, {}, {}))
    rows.append(
        MetricRow("macro precision", {m: r.macro.precision for m, r in by_model.items()}, {}, {})
    )
    rows.append(MetricRow("macro recall", {m: r.macro.recall for m, r in by_model.items()}, {}, {}))
    n = max(len(golds), 1)
    rows.append(MetricRow("invalid share", {m: r.invalid / n for m, r in by_model.items()}, {}, {}))
    return rows


def mcnemar_against_first(data: EvalData) -> dict[str, metrics.McNemar]:
    base = data.models[0]
    return {m: metrics.mcnemar(data.correct(base), data.correct(m)) for m in data.models[1:]}


def cell_examples(data: EvalData, model: str, gold: str, predicted: str) -> list[Prediction]:
    """Predictions of ``model`` in one confusion-matrix cell."""
    return [p for p in data.by_model[model] if p.gold == gold and p.label == predicted]


def confidences(data: EvalData, model: str) -> tuple[list[float], list[bool]]:
    """Confidence and correctness of each answered prediction that has logprobs."""
    pairs = [(p.confidence, p.correct) for p in data.by_model[model] if p.confidence is not None]
    return [c for c, _ in pairs], [ok for _, ok in pairs]


def suspicious(
    data: EvalData, model: str, *, min_confidence: float = 0.8
) -> list[tuple[metrics.Suspicious, Prediction]]:
    """Confident disagreements of ``model`` with the gold label, most suspicious first."""
    preds = data.by_model[model]
    found = metrics.suspicious(
        [p.gold for p in preds], [p.label for p in preds], [p.p_label for p in preds],
        [p.p_gold for p in preds], min_confidence=min_confidence,
    )  # fmt: skip
    return [(s, preds[s.index]) for s in found]


# ----------------------------------------------------------------------------- generation


def generation_scores(data: EvalData) -> dict[str, metrics.GenerationScores]:
    """Exact match, token F1 and chrF of each model's outputs against the references."""
    references = [p.gold_text for p in data.by_model[data.models[0]]] if data.models else []
    return {
        m: metrics.generation_scores(references, [p.output for p in data.by_model[m]])
        for m in data.models
    }


@dataclass(frozen=True, slots=True)
class ExampleOverlap:
    """How two runs' scored examples compare (by example key)."""

    shared: int
    only_first: int
    only_second: int

    @property
    def same(self) -> bool:
        return self.only_first == 0 and self.only_second == 0


def example_overlap(first: EvalData, second: EvalData) -> ExampleOverlap:
    """Whether two runs were scored on the same examples: numbers from different test sets are
    not comparable, and the Compare runs table says so."""
    a, b = set(first.examples), set(second.examples)
    return ExampleOverlap(len(a & b), len(a - b), len(b - a))
