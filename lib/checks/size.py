"""Size checks: how many examples, and examples longer than the model's context limit."""

from __future__ import annotations

from lib.checks import legacy_rules as rules
from lib.checks.base import Check, Finding, n_examples, rows_text
from lib.checks.view import View
from lib.core.tokens import MIN_EXAMPLES_ERROR, MIN_EXAMPLES_WARNING


class ExampleCount(Check):
    name = "example_count"
    severity = "warning"
    title = "number of examples"

    def find(self, view: View) -> list[Finding]:
        n = len(view)
        if n < MIN_EXAMPLES_ERROR:
            return [
                self.finding(
                    view,
                    f"Only {n} examples: a fine-tuning job needs at least {MIN_EXAMPLES_ERROR}.",
                    severity="error",
                    details={"examples": n},
                )
            ]
        if n < MIN_EXAMPLES_WARNING:
            return [
                self.finding(
                    view,
                    f"Only {n} examples: fewer than {MIN_EXAMPLES_WARNING} rarely teach a model "
                    "anything; aim for a few hundred.",
                    details={"examples": n},
                )
            ]
        if n < rules.MIN_EXAMPLES_HINT:
            message = (
                f"{n} examples. In general a few hundred are recommended: quality tends to "
                "grow with every doubling of the number of examples."
            )
        else:
            message = f"{n:,} examples."
        return [self.finding(view, message, severity="info", details={"examples": n})]


class OverContextLimit(Check):
    name = "over_context_limit"
    severity = "warning"
    title = "examples longer than the model's context"
    fix = "drop_over_limit"

    def find(self, view: View) -> list[Finding]:
        stats = view.tokens
        indexes = stats.over_limit
        if not indexes:
            return []
        about = "about " if stats.approximate else ""
        longest = max(stats.per_example[i] for i in indexes)
        return [
            self.finding(
                view,
                f"{n_examples(len(indexes))} are longer than the {stats.context_limit:,}-token "
                f"training context of {stats.model} ({rows_text(view.rows_of(indexes))}; the "
                f"longest has {about}{longest:,} tokens). They would be truncated; the fix "
                "removes them (or truncate them instead).",
                indexes=indexes,
                details={
                    "context_limit": stats.context_limit,
                    "approximate": stats.approximate,
                    "tokens": {view.source_rows[i]: stats.per_example[i] for i in indexes[:200]},
                },
            )
        ]


CHECKS: list[Check] = [ExampleCount(), OverContextLimit()]
