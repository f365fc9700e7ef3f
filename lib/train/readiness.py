"""Before a launch: do the format checks pass, and what will it cost and roughly how long?

The launch screen refuses to launch while a check reports an error, and asks for an explicit
override while warnings remain. Both the checks (``lib.checks``) and the estimate
(``lib.snapshots.costs``) are other areas' work; when one of them is missing this says so in a plain
sentence instead of inventing a result.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.providers.service import ProviderConfig
from lib.snapshots.service import SnapshotInfo, get_snapshot, iter_split

# Which rows of the price table apply to a provider kind (None: look the model up anywhere).
PRICE_PROVIDER = {"openai": "openai", "engine": "engine", "azure": "azure", "compatible": None}


@dataclass(frozen=True, slots=True)
class FindingLine:
    split: str
    check: str
    severity: str
    message: str
    rows: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Readiness:
    """What the confirm step shows, and whether the launch button may be pressed."""

    snapshot: SnapshotInfo
    checks_available: bool
    findings: list[FindingLine]
    estimate: Any | None  # lib.snapshots.costs.CostEstimate
    estimate_problem: str | None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def needs_override(self) -> bool:
        """Warnings remain, or the checks could not run: launching needs the user's say-so."""
        return self.warnings > 0 or not self.checks_available

    def blocked_reason(self, *, override: bool) -> str | None:
        """Why the launch may not go ahead yet, or None."""
        if self.errors:
            return (
                f"The format checks found {self.errors} error(s) that would make the job fail: "
                "fix them on the Checks & fixes screen and make a new snapshot."
            )
        if self.needs_override and not override:
            if not self.checks_available:
                return "The format checks could not run: tick the box to launch without them."
            return (
                f"The format checks found {self.warnings} warning(s): fix them, or tick the box "
                "to launch anyway."
            )
        return None

    def summary(self) -> str:
        if not self.checks_available:
            return "The format checks are not available in this version of Tunelab."
        if not self.findings:
            return "The format checks found nothing to fix."
        infos = len(self.findings) - self.errors - self.warnings
        return (
            f"The format checks found {self.errors} error(s), {self.warnings} warning(s) and "
            f"{infos} note(s)."
        )


def _findings(
    engine: Engine, snapshot: SnapshotInfo, split: str, *, model: str
) -> list[FindingLine]:
    from lib.checks.service import run_checks, view_from_datas
    from lib.core.tokens import load_context_limits

    with engine.connect() as conn:
        limits = load_context_limits(conn)
    examples = list(iter_split(engine, snapshot.id, split))
    view = view_from_datas(
        snapshot.schema,
        [e.data for e in examples],
        # Rows as the user knows them: the source file's rows where known.
        source_rows=[e.source_row if e.source_row is not None else e.position for e in examples],
        model=model,
        context_limits=limits,
    )
    return [
        FindingLine(
            split=split, check=f.check, severity=f.severity, message=f.message, rows=list(f.rows)
        )
        for f in run_checks(view)
    ]


ENGINE_START_SECONDS = 3.0


def _estimate(
    engine: Engine, snapshot: SnapshotInfo, config: ProviderConfig, *, model: str, epochs: Any
) -> Any:
    from lib.snapshots.service import estimate_snapshot

    provider = PRICE_PROVIDER.get(config.kind)
    key = f"{provider}/{model}" if provider else model
    estimate = estimate_snapshot(engine, snapshot.id, model=key, epochs=epochs)
    if config.kind == "engine":
        # The engine trains on this machine: no bill, no queue, and seconds rather than
        # minutes (it measured ~1,000 example-passes a second on a loaded 2-core machine).
        passes = estimate.n_examples * estimate.epochs
        estimate = replace(estimate, cost=0.0, seconds=ENGINE_START_SECONDS + passes / 1_000)
    return estimate


def readiness(
    engine: Engine,
    snapshot_id: int,
    config: ProviderConfig,
    *,
    model: str,
    epochs: int | str = "auto",
    use_valid: bool = True,
) -> Readiness:
    """Run the format checks on the splits to upload and estimate cost and time."""
    with engine.connect() as conn:
        snapshot = get_snapshot(conn, snapshot_id)
    splits = ["train"]
    if use_valid and snapshot.sizes.get("valid", 0) > 0:
        splits.append("valid")
    findings: list[FindingLine] = []
    try:
        for split in splits:
            findings.extend(_findings(engine, snapshot, split, model=model))
        available = True
    except ImportError:
        available = False
    estimate, problem = None, None
    try:
        estimate = _estimate(engine, snapshot, config, model=model, epochs=epochs)
    except ImportError:
        problem = "The cost estimate is not available in this version of Tunelab."
    except UserError as exc:
        problem = str(exc)
    return Readiness(
        snapshot=snapshot,
        checks_available=available,
        findings=findings,
        estimate=estimate,
        estimate_problem=problem,
    )
