"""Training loops: the classifier learns by mini-batch AdaGrad, step by step, like a real job.

A *step* is one mini-batch, as in OpenAI's metrics; an *epoch* is one pass over the data. The
loops call back after each step (metrics, cancel/pause checks) and return at epoch ends, so the
job runner can checkpoint, pause and resume at any step.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from lib.core.examples import default_epochs, labels_are_classification
from lib.engine.data import DataError, TrainingData
from lib.engine.models import CHAR_NGRAMS_MAX_EXAMPLES, LinearClassifier, RetrievalModel

BASE_LEARNING_RATE = 0.3
L2 = 1e-6
VALID_SAMPLE = 256  # validation examples scored at each metrics step (all at checkpoints)
MAX_EPOCHS = 50
MAX_BATCH_SIZE = 256
DEFAULT_BETA = 0.1


@dataclass
class Hyperparameters:
    n_epochs: int
    batch_size: int
    learning_rate_multiplier: float
    beta: float | None = None  # DPO only: how far the model may move from its reference

    def as_dict(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "n_epochs": self.n_epochs,
            "batch_size": self.batch_size,
            "learning_rate_multiplier": self.learning_rate_multiplier,
        }
        if self.beta is not None:
            values["beta"] = self.beta
        return values


def resolve_hyperparameters(
    n_examples: int, requested: dict[str, Any], *, method: str = "supervised"
) -> Hyperparameters:
    """Fill "auto" values: epochs as OpenAI's cookbook describes (3, clamped to 100..25,000
    example-passes and 1..25 epochs), batch size ≈ 1 % of the data (1..256), multiplier 1,
    DPO's beta 0.1."""
    epochs = requested.get("n_epochs", "auto")
    if epochs in (None, "auto"):
        epochs = default_epochs(n_examples)
    batch = requested.get("batch_size", "auto")
    if batch in (None, "auto"):
        batch = max(1, min(MAX_BATCH_SIZE, round(n_examples * 0.01)))
    rate = requested.get("learning_rate_multiplier", "auto")
    if rate in (None, "auto"):
        rate = 1.0
    beta = None
    if method == "dpo":
        beta = requested.get("beta", "auto")
        beta = DEFAULT_BETA if beta in (None, "auto") else float(beta)
    return Hyperparameters(int(epochs), int(batch), float(rate), beta)


@dataclass
class StepMetrics:
    step: int
    train_loss: float
    train_accuracy: float
    valid_loss: float | None = None
    valid_accuracy: float | None = None


StepCallback = Callable[[StepMetrics], bool]  # return False to stop (cancel, pause, shutdown)


@dataclass
class Targets:
    """What a batch should learn: labels ``y``; for DPO also the rejected labels and the
    reference model's margin log p(y) - log p(rejected), fixed before training."""

    y: np.ndarray
    rejected: np.ndarray | None = None
    ref_margin: np.ndarray | None = None

    def take(self, index: np.ndarray | slice) -> Targets:
        pick = lambda a: None if a is None else a[index]  # noqa: E731
        return Targets(self.y[index], pick(self.rejected), pick(self.ref_margin))

    def __len__(self) -> int:
        return len(self.y)


def objective(
    log_proba: np.ndarray, targets: Targets, *, beta: float | None
) -> tuple[float, float, np.ndarray]:
    """Loss, accuracy and the gradient of the loss by the logits (batch mean).

    Supervised: cross-entropy; accuracy = the label is the most probable class. DPO:
    -log σ(β · (margin - reference margin)); accuracy = the preferred label is more probable
    than the rejected one. DPO's gradient by the logits is the same for every class except
    the two compared, because log-softmax's normaliser cancels in the margin.
    """
    rows, y = np.arange(len(targets)), targets.y
    if targets.rejected is None or targets.ref_margin is None or beta is None:
        loss = float(-log_proba[rows, y].mean())
        accuracy = float((log_proba.argmax(axis=1) == y).mean())
        grad = np.exp(log_proba)
        grad[rows, y] -= 1.0
        return loss, accuracy, grad / len(y)
    chosen, rejected = log_proba[rows, y], log_proba[rows, targets.rejected]
    z = beta * (chosen - rejected - targets.ref_margin)
    loss = float(np.logaddexp(0.0, -z).mean())
    accuracy = float((chosen > rejected).mean())
    weight = -beta * 0.5 * (1.0 - np.tanh(z / 2.0)) / len(y)  # -β σ(-z) / n
    grad = np.zeros_like(log_proba)
    np.add.at(grad, (rows, y), weight)
    np.add.at(grad, (rows, targets.rejected), -weight)
    return loss, accuracy, grad


@dataclass
class ClassifierTrainer:
    """Trains a :class:`LinearClassifier`; its state (position, AdaGrad sums) can be pickled."""

    model: LinearClassifier
    matrix: sp.csr_matrix = field(repr=False)
    targets: Targets
    hyper: Hyperparameters
    seed: int
    valid_matrix: sp.csr_matrix | None = field(default=None, repr=False)
    valid_targets: Targets | None = None
    epoch: int = 0  # completed epochs
    offset: int = 0  # examples done in the current epoch
    step: int = 0
    grad_sq: np.ndarray | None = field(default=None, repr=False)
    bias_sq: np.ndarray | None = field(default=None, repr=False)
    rows: list[list[Any]] = field(default_factory=list, repr=False)  # result-file lines

    @classmethod
    def prepare(
        cls,
        model: LinearClassifier,
        *,
        train: TrainingData,
        valid: TrainingData | None,
        hyper: Hyperparameters,
        seed: int,
    ) -> ClassifierTrainer:
        sets = [train] + ([valid] if valid and valid.inputs else [])
        labels = {label for data in sets for label in data.outputs + data.rejected}
        model = model.with_labels(sorted(labels))
        index = {label: k for k, label in enumerate(model.labels)}

        def encode(data: TrainingData, matrix: sp.csr_matrix) -> Targets:
            targets = Targets(np.array([index[o] for o in data.outputs]))
            if data.rejected:
                targets.rejected = np.array([index[o] for o in data.rejected])
                reference = model.log_proba(matrix)  # the model before training is the reference
                rows = np.arange(len(targets))
                targets.ref_margin = reference[rows, targets.y] - reference[rows, targets.rejected]
            return targets

        matrix = model.features(train.inputs)
        trainer = cls(
            model=model, matrix=matrix, targets=encode(train, matrix), hyper=hyper, seed=seed
        )
        if len(sets) > 1:
            assert valid is not None
            trainer.valid_matrix = model.features(valid.inputs)
            trainer.valid_targets = encode(valid, trainer.valid_matrix)
        return trainer

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.matrix.shape[0] / self.hyper.batch_size)

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.hyper.n_epochs

    def validate(self, *, full: bool) -> tuple[float | None, float | None]:
        if self.valid_matrix is None or self.valid_targets is None:
            return None, None
        count = (
            self.valid_matrix.shape[0] if full else min(VALID_SAMPLE, self.valid_matrix.shape[0])
        )
        log_proba = self.model.log_proba(self.valid_matrix[:count])
        loss, accuracy, _ = objective(
            log_proba, self.valid_targets.take(slice(0, count)), beta=self.hyper.beta
        )
        return loss, accuracy

    def run_epoch(self, on_step: StepCallback, *, report_every: int) -> bool:
        """Train until the end of the current epoch; False if ``on_step`` asked to stop."""
        model, size = self.model, self.hyper.batch_size
        rate = BASE_LEARNING_RATE * self.hyper.learning_rate_multiplier
        if self.grad_sq is None or self.grad_sq.shape != model.weights.shape:
            self.grad_sq = np.full(model.weights.shape, 1e-3, dtype=np.float32)
            self.bias_sq = np.full(model.bias.shape, 1e-3, dtype=np.float32)
        assert self.bias_sq is not None
        order = np.random.default_rng([self.seed, self.epoch]).permutation(self.matrix.shape[0])
        total = self.matrix.shape[0]
        # The columns a batch uses, found by marking them in a table as wide as the features:
        # a linear scan costs a fraction of sorting the batch's indices (np.unique) each step.
        seen = np.zeros(self.matrix.shape[1], dtype=bool)
        position = np.zeros(self.matrix.shape[1], dtype=np.int32)
        # Weights and AdaGrad sums side by side, one row per feature: a step gathers and
        # scatters the rows its batch uses once instead of twice (random rows miss the cache).
        # model.weights and grad_sq are brought up to date whenever this method returns.
        table = np.stack([model.weights, self.grad_sq], axis=1)  # (features, 2, labels)
        try:
            while self.offset < total:
                # Rows picked per batch: no shuffled copy of the whole matrix (time, memory).
                picked = order[self.offset : self.offset + size]
                batch, y = self.matrix[picked], self.targets.take(picked)
                seen[batch.indices] = True
                cols = np.flatnonzero(seen)
                seen[cols] = False
                position[cols] = np.arange(len(cols), dtype=np.int32)
                x = sp.csr_matrix(
                    (batch.data, position[batch.indices], batch.indptr),
                    shape=(batch.shape[0], len(cols)),
                )
                rows = table[cols]
                w, squares = rows[:, 0], rows[:, 1]
                logits = np.asarray(x @ w) + model.bias
                logits -= logits.max(axis=1, keepdims=True)
                log_proba = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
                loss, accuracy, grad = objective(log_proba, y, beta=self.hyper.beta)
                grad_w = np.asarray(x.T @ grad) + L2 * w
                grad_b = grad.sum(axis=0)
                squares += grad_w * grad_w
                w -= rate * grad_w / np.sqrt(squares)
                table[cols] = rows
                self.bias_sq += grad_b * grad_b
                model.bias -= (rate * grad_b / np.sqrt(self.bias_sq)).astype(np.float32)
                self.offset += batch.shape[0]
                self.step += 1
                metrics = StepMetrics(self.step, loss, accuracy)
                if self.step % report_every == 0 or self.offset >= total:
                    if self.valid_matrix is not None:
                        model.weights[...] = table[:, 0]
                    metrics.valid_loss, metrics.valid_accuracy = self.validate(full=False)
                if not on_step(metrics):
                    return False
        finally:
            model.weights[...] = table[:, 0]
            self.grad_sq[...] = table[:, 1]
        self.epoch += 1
        self.offset = 0
        return True


def uses_char_ngrams(n_examples: int) -> bool:
    return n_examples <= CHAR_NGRAMS_MAX_EXAMPLES


@dataclass
class RetrievalTrainer:
    """ "Trains" a :class:`RetrievalModel`: fitting TF-IDF is one pass; each epoch re-scores the
    data so the job still reports honest losses (how likely the right completion is)."""

    model: RetrievalModel
    hyper: Hyperparameters
    valid: tuple[list[str], list[str]] | None = None
    epoch: int = 0
    offset: int = 0
    step: int = 0
    rows: list[list[Any]] = field(default_factory=list, repr=False)  # result-file lines

    @property
    def steps_per_epoch(self) -> int:
        return 1

    @property
    def total_steps(self) -> int:
        return self.hyper.n_epochs

    def _score(self, inputs: list[str], outputs: list[str]) -> tuple[float, float]:
        losses, hits = [], 0
        for prompt, target in zip(inputs[:VALID_SAMPLE], outputs[:VALID_SAMPLE], strict=True):
            candidates = {"".join(t): lp for t, lp in self.model.candidates(prompt)}
            losses.append(-candidates.get(target, math.log(1e-6)))
            hits += max(candidates, key=candidates.__getitem__) == target
        return float(np.mean(losses)), hits / max(1, len(losses))

    def validate(self, *, full: bool) -> tuple[float | None, float | None]:
        if not self.valid or not self.valid[0]:
            return None, None
        return self._score(*self.valid)

    def run_epoch(self, on_step: StepCallback, *, report_every: int) -> bool:
        if self.model.matrix is None:
            self.model.fit()
        loss, accuracy = self._score(self.model.prompts, self.model.completions)
        self.step += 1
        metrics = StepMetrics(self.step, loss, accuracy, *self.validate(full=False))
        if not on_step(metrics):
            return False
        self.epoch += 1
        return True


def build_trainer(
    *,
    start: LinearClassifier | RetrievalModel | None,
    train: TrainingData,
    valid: TrainingData | None,
    hyper: Hyperparameters,
    seed: int,
    snapshot: dict[str, Any] | None,
) -> ClassifierTrainer | RetrievalTrainer:
    """The trainer for a job: a classifier for classification data, otherwise retrieval;
    warm-started from ``start`` (a fine-tuned model) or resumed from ``snapshot``."""
    valid_pair = (valid.inputs, valid.outputs) if valid else None
    base = snapshot["model"] if snapshot is not None else start
    trainer: ClassifierTrainer | RetrievalTrainer
    if train.rejected and (
        isinstance(base, RetrievalModel)
        or not labels_are_classification(train.outputs + train.rejected)
    ):
        raise DataError(
            "The built-in engine trains DPO on classification data only (few distinct "
            "outputs, starting from a base model or a fine-tuned classifier)."
        )
    if labels_are_classification(train.outputs) and not isinstance(base, RetrievalModel):
        if base is None:
            labels = sorted(set(train.outputs) | set(train.rejected))
            counts = np.array([max(train.outputs.count(lab), 0.5) for lab in labels])
            base = LinearClassifier.new(
                name="", labels=labels, prior=np.log(counts / counts.sum()),
                chars=uses_char_ngrams(len(train.inputs)),
            )  # fmt: skip
        trainer = ClassifierTrainer.prepare(base, train=train, valid=valid, hyper=hyper, seed=seed)
    elif isinstance(base, LinearClassifier):
        raise DataError(
            "The model to continue from is a classifier; continue training it with "
            "classification data (few distinct completions)."
        )
    else:
        prompts, completions = list(train.inputs), list(train.outputs)
        if isinstance(base, RetrievalModel) and snapshot is None:
            prompts, completions = base.prompts + prompts, base.completions + completions
        model = RetrievalModel(name="", prompts=prompts, completions=completions)
        trainer = RetrievalTrainer(model=model, hyper=hyper, valid=valid_pair)
    if snapshot is not None:
        for key in ("epoch", "offset", "step", "grad_sq", "bias_sq"):
            if snapshot.get(key) is not None and hasattr(trainer, key):
                setattr(trainer, key, snapshot[key])
        trainer.rows = snapshot["rows"]
        if isinstance(trainer, ClassifierTrainer):  # DPO's reference is the model before training
            trainer.targets.ref_margin = snapshot.get("ref_margin")
            if trainer.valid_targets is not None:
                trainer.valid_targets.ref_margin = snapshot.get("valid_ref_margin")
    return trainer


def save_snapshot(path: Path, trainer: ClassifierTrainer | RetrievalTrainer) -> None:
    """Everything needed to resume a job exactly where it stopped (written atomically)."""
    snapshot = {
        "model": trainer.model, "epoch": trainer.epoch, "offset": trainer.offset,
        "step": trainer.step, "rows": trainer.rows,
        "grad_sq": getattr(trainer, "grad_sq", None), "bias_sq": getattr(trainer, "bias_sq", None),
    }  # fmt: skip
    if isinstance(trainer, ClassifierTrainer):
        snapshot["ref_margin"] = trainer.targets.ref_margin
        if trainer.valid_targets is not None:
            snapshot["valid_ref_margin"] = trainer.valid_targets.ref_margin
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump(snapshot, handle, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def load_snapshot(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError):
        return None


def result_csv(rows: list[list[Any]]) -> str:
    """OpenAI's result file: ``step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy``."""
    lines = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"]
    for step, loss, acc, valid_loss, valid_acc in rows:
        cells = [str(step), f"{loss:.5f}", f"{acc:.5f}"]
        cells += ["" if v is None else f"{v:.5f}" for v in (valid_loss, valid_acc)]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"
