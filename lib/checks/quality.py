"""Checks beyond the legacy tool and the cookbook: problems that make a model learn the wrong
thing although the file is valid — conflicting labels, imbalance, label spelling variants,
separators or stop sequences used on some rows only, blank messages, leakage."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from lib.checks import legacy_rules as rules
from lib.checks.base import Check, Finding, agree, n_examples, rows_text, shown
from lib.checks.view import View, example_messages, normalise_text
from lib.core.examples import is_classification

IMBALANCE_RATIO = 10  # largest class ≥ 10 × smallest → warning
MIN_SHARE_INCONSISTENT = 0.5  # a separator on at least half of the prompts is "the" separator
MIN_SHARE_ENDING = 0.9


def classification_like(view: View) -> bool:
    """The app's one rule (``core.examples.is_classification``): repeated sentences such as a
    support bot's canned answers are not classes, so they get no class-balance warning."""
    if view.facts is not None and view.facts.answer_ids is None:
        return False  # the scan saw a third as many distinct labels as lines: not classes
    labels = view.labels
    return is_classification(n_examples=len(labels), labels={label for label in labels if label})


class ConflictingLabels(Check):
    name = "conflicting_labels"
    severity = "warning"
    schemas = ("completion", "chat")
    title = "same prompt, different answers"
    fix = "merge_conflicts"

    def find(self, view: View) -> list[Finding]:
        if not classification_like(view):
            return []  # generation: several answers to one prompt can all be right
        conflicts = []
        for key, indexes in view.prompt_groups():
            if key and len({view.labels[i] for i in indexes}) > 1:
                conflicts.append(indexes)
        if not conflicts:
            return []
        flat = sorted(i for group in conflicts for i in group)
        sample = [
            {
                "prompt": view.prompt_at(g[0])[:200],
                "labels": sorted({view.labels[i] for i in g})[:10],
            }
            for g in conflicts[:20]
        ]
        return [
            self.finding(
                view,
                f"{len(conflicts)} prompts appear more than once (ignoring case, spacing and "
                f"punctuation) with different answers ({rows_text(view.rows_of(flat))}). The "
                "model cannot learn both; review them, or merge each group to its most common "
                "answer.",
                indexes=flat,
                details={"groups": [view.rows_of(g) for g in conflicts[:200]], "sample": sample},
            )
        ]


class ClassImbalance(Check):
    name = "class_imbalance"
    severity = "warning"
    schemas = ("completion", "chat")
    title = "class balance"

    def find(self, view: View) -> list[Finding]:
        if not classification_like(view):
            return []
        counts = Counter(view.labels)
        ranked = counts.most_common()
        (top, n_top), (low, n_low) = ranked[0], ranked[-1]
        details = {"counts": dict(ranked)}
        if n_top < IMBALANCE_RATIO * n_low:
            return [
                self.finding(
                    view,
                    f"{len(counts)} classes, from {n_top} (`{shown(top)}`) to {n_low} "
                    f"(`{shown(low)}`) examples each.",
                    severity="info",
                    details=details,
                )
            ]
        rare = [label for label, n in ranked if n * IMBALANCE_RATIO <= n_top]
        indexes = [i for i, label in enumerate(view.labels) if label in set(rare)]
        return [
            self.finding(
                view,
                f"Classes are imbalanced: `{shown(top)}` has {n_top} examples, `{shown(low)}` "
                f"only {n_low}. {len(rare)} classes have less than a tenth of the largest; the "
                "model will rarely predict them. Add examples or balance the snapshot.",
                indexes=indexes,
                details=details,
            )
        ]


class LabelVariants(Check):
    name = "label_variants"
    severity = "warning"
    schemas = ("completion", "chat")
    title = "labels that differ only in spacing or case"
    fix = "normalise_labels"

    def find(self, view: View) -> list[Finding]:
        if not classification_like(view):
            return []
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        for completion in view.completions:
            forms[completion.strip().casefold()][completion] += 1
        variants = {k: c for k, c in forms.items() if len(c) > 1}
        if not variants:
            return []
        affected: set[str] = set()
        for counter in variants.values():
            top = counter.most_common(1)[0][0]
            affected.update(form for form in counter if form != top)
        indexes = [i for i, c in enumerate(view.completions) if c in affected]
        described = "; ".join(
            " / ".join(repr(f) for f in counter) for counter in list(variants.values())[:4]
        )
        return [
            self.finding(
                view,
                f"{len(variants)} labels are written in more than one way ({described}): the "
                "model treats them as different classes. The fix writes each as its most common "
                "form.",
                indexes=indexes,
                details={"variants": {k: dict(c) for k, c in list(variants.items())[:50]}},
            )
        ]


class InconsistentSeparator(Check):
    name = "inconsistent_separator"
    severity = "warning"
    schemas = ("completion",)
    title = "separator or stop sequence missing on some rows"
    fix = "add_separator"

    def find(self, view: View) -> list[Finding]:
        found: list[Finding] = []
        n = len(view)
        if n == 0:
            return found
        separators = (*rules.SEPARATOR_CANDIDATES, rules.SEPARATOR_FALLBACK)
        candidate = _majority_ending(view.prompts, separators, MIN_SHARE_INCONSISTENT)
        if candidate is not None:
            missing = [i for i, p in enumerate(view.prompts) if not p.endswith(candidate)]
            found.append(
                self.finding(
                    view,
                    f"{n - len(missing)} prompts end with the separator `{shown(candidate)}` "
                    f"but {len(missing)} do not ({rows_text(view.rows_of(missing))}). The "
                    "fix adds it where it is missing.",
                    indexes=missing,
                    details={"separator": candidate},
                )
            )
        endings = tuple(e for e in (*rules.ENDING_CANDIDATES, rules.ENDING_FALLBACK) if e != ".")
        candidate = _majority_ending(view.completions, endings, MIN_SHARE_ENDING)
        if candidate is not None:
            missing = [i for i, c in enumerate(view.completions) if not c.endswith(candidate)]
            finding = self.finding(
                view,
                f"{n - len(missing)} completions end with the stop sequence "
                f"`{shown(candidate)}` but {len(missing)} do not "
                f"({rows_text(view.rows_of(missing))}): those would not stop. The fix "
                "adds it where it is missing.",
                indexes=missing,
                fix="add_ending",
                details={"ending": candidate},
            )
            finding.check = "inconsistent_ending"
            found.append(finding)
        return found


def _majority_ending(texts: list[str], candidates: tuple[str, ...], share: float) -> str | None:
    """The first candidate that ends at least ``share`` but not all of the texts.

    Counts the last k characters once per distinct candidate length (a C-level ``Counter``)
    instead of testing every candidate on every row.
    """
    n = len(texts)
    tails = {k: Counter(t[-k:] for t in texts) for k in {len(c) for c in candidates}}
    for candidate in candidates:
        having = tails[len(candidate)][candidate]
        if having < n and having >= n * share and having:
            return candidate
    return None


def blank_messages(data: Any, schema: str) -> bool:
    if schema == "completion":
        return False
    messages = example_messages(schema, data)
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        # Only a blank text content counts, and only without tool or function calls.
        if (
            isinstance(content, str)
            and not content.strip()
            and not message.get("tool_calls")
            and not message.get("function_call")
        ):
            return True
    return False


def blank_message_indexes(view: View) -> list[int]:
    """Chat or preference examples with a blank message (a scanned file has them flagged)."""
    if view.facts is not None:
        from lib.checks.scan import FLAG_BLANK, flagged

        return flagged(view.facts.flags, FLAG_BLANK)
    return [
        i
        for i, d in enumerate(view.datas)
        if isinstance(d, dict) and blank_messages(d, view.schema)
    ]


class BlankText(Check):
    name = "blank_text"
    severity = "warning"
    title = "empty or whitespace-only text"
    fix = "drop_empty"

    def find(self, view: View) -> list[Finding]:
        if view.schema == "completion":
            indexes = [
                i
                for i, (p, c) in enumerate(zip(view.prompts, view.completions, strict=True))
                if c != "" and not c.strip() or (p and not p.strip())
            ]
            what = "a prompt or completion that is only whitespace"
        else:
            indexes = blank_message_indexes(view)
            what = "a message that is empty or only whitespace"
        if not indexes:
            return []
        return [
            self.finding(
                view,
                f"{n_examples(len(indexes))} {agree(len(indexes), 'have')} {what} ({rows_text(view.rows_of(indexes))}). "
                "The fix removes those examples.",
                indexes=indexes,
            )
        ]


def leaked_prompts(train_prompts: list[str], test_prompts: list[str]) -> list[tuple[int, int]]:
    """(train index, test index) pairs whose prompts are equal after normalisation.

    The same prompt in train and test makes test scores look better than the model is.
    """
    seen: dict[str, list[int]] = defaultdict(list)
    for index, prompt in enumerate(train_prompts):
        key = normalise_text(prompt)
        if key:
            seen[key].append(index)
    pairs: list[tuple[int, int]] = []
    for test_index, prompt in enumerate(test_prompts):
        for train_index in seen.get(normalise_text(prompt), ()):
            pairs.append((train_index, test_index))
    return pairs


CHECKS: list[Check] = [
    ConflictingLabels(),
    ClassImbalance(),
    LabelVariants(),
    InconsistentSeparator(),
    BlankText(),
]
