"""The migration report: a self-contained HTML page saying whether each replacement answers
like the recorded model (agreement, kappa, accuracy, McNemar) and listing where they differ.

Every user-written value (model names, outputs, gold answers) is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

from lib.evaluate.reference import MATCH_ALPHA, MATCH_KAPPA

if TYPE_CHECKING:
    from lib.migrate.comparison import Comparison

MAX_SHOWN = 200  # disagreements listed per candidate


def _num(value: float | None, digits: int = 4) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def verdict(comparison: Comparison) -> str:
    """One sentence per candidate: a match or not, and why."""
    lines = []
    for model, a in comparison.agreements.items():
        why = f"kappa {_num(a.kappa, 3)}, agreement {_num(a.agreement, 3)}"
        if a.mcnemar is not None:
            why += f", McNemar p {a.mcnemar.p_value:.3g}"
        word = "is a match for" if a.is_match else "is NOT a match for"
        lines.append(f"{model} {word} {comparison.reference} ({why}).")
    return " ".join(lines)


def migration_report(comparison: Comparison) -> str:
    ref = comparison.reference
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Migration report: {html.escape(ref)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>",
        f"<h1>Migration report: {html.escape(ref)}</h1>",
        f"<p>{len(comparison.data.examples)} examples · reference: {html.escape(ref)} "
        f"(its recorded answers) · evaluation run {comparison.run_id}</p>",
        f"<p id='verdict'>{html.escape(verdict(comparison))}</p>",
        f"<p>A candidate is a match when its Cohen's kappa with the reference is at least "
        f"{MATCH_KAPPA} and, where there is gold, it is not significantly less accurate than "
        f"the reference (McNemar, {MATCH_ALPHA:.0%} level).</p>",
    ]
    rows: list[list[object]] = []
    for model, a in comparison.agreements.items():
        rows.append([
            model, a.n, _num(a.agreement), _num(a.kappa), _num(a.accuracy), _num(a.reference_accuracy),
            "—" if a.mcnemar is None else f"b={a.mcnemar.b} c={a.mcnemar.c} p={a.mcnemar.p_value:.4g}",
            len(a.disagreements), "yes" if a.is_match else "no",
        ])  # fmt: skip
    parts.append("<h2>Candidates against the reference</h2>")
    parts.append(_table(
        ["candidate", "n", "agreement", "kappa", "accuracy", "reference accuracy", "McNemar", "disagreements", "match"],
        rows,
    ))  # fmt: skip
    for model, a in comparison.agreements.items():
        if a.per_class:
            parts.append(f"<h2>Agreement per reference label: {html.escape(model)}</h2>")
            parts.append(
                _table(
                    ["reference label", "agreement"], [[k, _num(v)] for k, v in a.per_class.items()]
                )
            )
        parts.append(f"<h2>Where {html.escape(model)} and the reference differ</h2>")
        shown = a.disagreements[:MAX_SHOWN]
        parts.append(_table(
            ["example", "gold", "reference", "candidate"],
            [[d.example, d.gold, d.reference, d.candidate] for d in shown],
        ))  # fmt: skip
        if len(a.disagreements) > MAX_SHOWN:
            parts.append(f"<p>… and {len(a.disagreements) - MAX_SHOWN} more.</p>")
    parts.append("</body></html>")
    return "".join(parts)
