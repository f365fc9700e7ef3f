"""Prompt/completion checks: everything the legacy prepare_data looked at, same thresholds.

Messages say what is wrong and what the fix does; the rule behind each lives in
``lib.checks.legacy_rules`` so that the prepare command applies exactly the same decisions.
"""

from __future__ import annotations

from lib.checks import legacy_rules as rules
from lib.checks.base import Check, Finding, agree, n_examples, rows_text, shown
from lib.checks.view import View, duplicate_indexes

COMPLETION = ("completion",)
FIELDS = ("prompt", "completion")


class ColumnNames(Check):
    name = "column_names"
    severity = "error"
    schemas = COMPLETION
    title = "prompt and completion columns"
    fix = "rename_columns"

    def find(self, view: View) -> list[Finding]:
        misnamed: list[int] = []
        missing: dict[str, list[int]] = {"prompt": [], "completion": []}
        for index, data in enumerate(view.datas):
            for field in FIELDS:
                if field in data:
                    continue
                if any(str(key).casefold() == field for key in data):
                    misnamed.append(index)
                else:
                    missing[field].append(index)
        found = []
        if misnamed:
            found.append(
                self.finding(
                    view,
                    "Column/key names must be lowercase `prompt` and `completion`; "
                    f"{rows_text(view.rows_of(sorted(set(misnamed))))} use another spelling. "
                    "The fix renames them.",
                    indexes=misnamed,
                )
            )
        for field, indexes in missing.items():
            if indexes:
                found.append(
                    self.finding(
                        view,
                        f"The `{field}` column/key is missing on {rows_text(view.rows_of(indexes))}. "
                        "Name your columns `prompt` and `completion` (or map them on import).",
                        indexes=indexes,
                        fix=None,
                    )
                )
        return found


class ExtraColumns(Check):
    name = "extra_columns"
    severity = "warning"
    schemas = COMPLETION
    title = "additional columns"
    fix = "drop_extra_keys"

    def find(self, view: View) -> list[Finding]:
        extra: dict[str, int] = {}
        indexes = []
        for index, data in enumerate(view.datas):
            keys = [k for k in data if k not in FIELDS and str(k).casefold() not in FIELDS]
            if keys:
                indexes.append(index)
                for key in keys:
                    extra[key] = extra.get(key, 0) + 1
        if not extra:
            return []
        names = ", ".join(f"`{k}`" for k in extra)
        return [
            self.finding(
                view,
                f"Each example should hold exactly `prompt` and `completion`; these other "
                f"columns/keys are present: {names}. The fix removes them.",
                indexes=indexes,
                details={"columns": extra},
            )
        ]


class EmptyCompletions(Check):
    name = "empty_completion"
    severity = "error"
    schemas = COMPLETION
    title = "empty completions"
    fix = "drop_empty"

    def find(self, view: View) -> list[Finding]:
        indexes = [i for i, c in enumerate(view.completions) if c == ""]
        if not indexes:
            return []
        return [
            self.finding(
                view,
                f"{n_examples(len(indexes))} {agree(len(indexes), 'have')} an empty completion ({rows_text(view.rows_of(indexes))}): "
                "there is nothing to learn from them. The fix removes them.",
                indexes=indexes,
            )
        ]


class TaskType(Check):
    name = "task_type"
    severity = "info"
    schemas = COMPLETION
    title = "kind of task"

    def find(self, view: View) -> list[Finding]:
        kind = view.task_type
        labels = len(set(view.completions))
        if kind == "classification":
            message = (
                f"This looks like classification: {labels} distinct completions for "
                f"{len(view)} examples. Keep a held-out set to measure the model "
                "(a snapshot's test split)."
            )
        elif kind == "open-ended generation":
            message = "All prompts are empty: this is open-ended generation."
        else:
            message = "This looks like conditional generation (completions are mostly unique)."
        return [self.finding(view, message, details={"task_type": kind, "distinct": labels})]


class Duplicates(Check):
    name = "duplicates"
    severity = "warning"
    title = "duplicated examples"
    fix = "drop_duplicates"

    def find(self, view: View) -> list[Finding]:
        indexes = duplicate_indexes(view)
        if not indexes:
            return []
        return [
            self.finding(
                view,
                f"{n_examples(len(indexes))} {agree(len(indexes), 'repeat')} an earlier example "
                f"({rows_text(view.rows_of(indexes))}). Duplicates weigh those examples "
                "more; the fix keeps the first of each.",
                indexes=indexes,
            )
        ]


class LongExamples(Check):
    """Legacy rule for prompt/completion (warning); for chat only worth knowing (info): long
    chat examples are fine while they fit the context, which ``over_context_limit`` checks."""

    name = "long_examples"
    severity = "warning"
    title = "very long examples"
    fix = "drop_long"

    def find(self, view: View) -> list[Finding]:
        if view.task_type == "open-ended generation":
            return []
        if view.schema != "completion":
            lengths = view.char_lengths
            if not lengths or max(lengths) <= rules.LONG_EXAMPLE_CHARS:
                return []  # the usual case, decided in C
            indexes = [i for i, n in enumerate(lengths) if n > rules.LONG_EXAMPLE_CHARS]
            if not indexes:
                return []
            return [
                self.finding(
                    view,
                    f"{n_examples(len(indexes))} are longer than {rules.LONG_EXAMPLE_CHARS:,} "
                    f"characters ({rows_text(view.rows_of(indexes))}). Check they are meant to "
                    "be that long: the model learns to write answers of that length.",
                    indexes=indexes,
                    severity="info",
                )
            ]
        indexes = rules.long_indexes(view.prompts, view.completions)
        if not indexes:
            return []
        return [
            self.finding(
                view,
                f"{n_examples(len(indexes))} are longer than {rules.LONG_EXAMPLE_CHARS:,} characters "
                f"({rows_text(view.rows_of(indexes))}). For classification and conditional "
                "generation examples should be short; the fix removes them.",
                indexes=indexes,
            )
        ]


class Uppercase(Check):
    severity = "warning"
    schemas = COMPLETION

    def __init__(self, field: str) -> None:
        self.field = field

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"uppercase_{self.field}"

    @property
    def fix(self) -> str:  # type: ignore[override]
        return f"lowercase_{self.field}"

    def find(self, view: View) -> list[Finding]:
        texts = view.prompts if self.field == "prompt" else view.completions
        upper, lower = rules.letter_case_counts(texts)
        if not upper * 2 > lower:
            return []
        return [
            self.finding(
                view,
                f"More than a third of the letters in the {self.field}s are uppercase "
                f"({upper:,} of {upper + lower:,}). Uppercase text tends to train worse than "
                "normal mixed case; the fix lowercases every "
                f"{self.field} (if that makes sense in your domain).",
                details={"upper": upper, "lower": lower},
            )
        ]


class _CommonEnding(Check):
    """A marker every prompt (separator) or completion (ending) should end with.

    prepare_data's rule: all identical → error; a common suffix → fine (warn when it also
    appears inside the text); none → the fix appends the first candidate no text contains.
    """

    severity = "warning"
    schemas = COMPLETION
    field: str
    key: str
    tasks: tuple[str, ...]
    why: str

    def texts(self, view: View) -> list[str]:
        return view.prompts if self.field == "prompt" else view.completions

    def choose(self, texts: list[str]) -> str:
        raise NotImplementedError

    def find(self, view: View) -> list[Finding]:
        if view.task_type not in self.tasks:
            return []
        texts = self.texts(view)
        suffix = rules.common_suffix(texts)
        plural = f"{self.field}s"
        if texts and all(t == suffix for t in texts):
            return [
                self.finding(
                    view,
                    f"All {plural} are identical (`{shown(suffix)}`): make them differ.",
                    severity="error",
                    fix=None,
                )
            ]
        if suffix:
            repeated = [i for i, t in enumerate(texts) if suffix in t[: -len(suffix)]]
            if repeated:
                return [
                    self.finding(
                        view,
                        f"All {plural} end with `{shown(suffix)}`, but {len(repeated)} contain it "
                        f"more than once ({rows_text(view.rows_of(repeated))}): the model cannot "
                        f"tell where the {self.field} ends. Use a {self.key} that appears only "
                        "at the end.",
                        indexes=repeated,
                        fix=None,
                    )
                ]
            return [
                self.finding(
                    view,
                    f"All {plural} end with the {self.key} `{shown(suffix)}`: use it with the "
                    "fine-tuned model too.",
                    severity="info",
                    fix=None,
                    details={self.key: suffix},
                )
            ]
        chosen = self.choose(texts)
        return [
            self.finding(
                view,
                f"{plural.capitalize()} do not end with a common {self.key}, so {self.why}. The "
                f"fix appends `{shown(chosen)}` to every {self.field}.",
                indexes=list(range(len(texts))),
                details={self.key: chosen},
            )
        ]


class PromptSeparator(_CommonEnding):
    name = "prompt_separator"
    title = "separator at the end of prompts"
    fix = "add_separator"
    field, key = "prompt", "separator"
    tasks = ("classification", "conditional generation")
    why = "the model cannot tell where the completion should begin"

    def choose(self, texts: list[str]) -> str:
        return rules.choose_separator(texts)


class CompletionEnding(_CommonEnding):
    name = "completion_ending"
    title = "ending (stop sequence) of completions"
    fix = "add_ending"
    field, key = "completion", "ending"
    tasks = ("conditional generation",)
    why = "the model will not know where to stop (use the ending as the stop sequence)"

    def choose(self, texts: list[str]) -> str:
        return rules.choose_ending(texts)


class PromptPrefix(Check):
    name = "prompt_prefix"
    severity = "warning"
    schemas = COMPLETION
    title = "common prefix of prompts"
    fix = "strip_prompt_prefix"

    def find(self, view: View) -> list[Finding]:
        prefix = rules.common_prefix(view.prompts)
        if not prefix or all(p == prefix for p in view.prompts):
            return []
        if len(prefix) <= rules.MAX_PROMPT_PREFIX:
            return [
                self.finding(
                    view,
                    f"All prompts start with `{shown(prefix)}`.",
                    severity="info",
                    fix=None,
                    details={"prefix": prefix},
                )
            ]
        return [
            self.finding(
                view,
                f"All prompts start with the same {len(prefix)} characters (`{shown(prefix)}`). "
                "Fine-tuning does not need an instruction repeated in every prompt; the fix "
                "removes it.",
                indexes=list(range(len(view))),
                details={"prefix": prefix},
            )
        ]


class CompletionPrefix(Check):
    name = "completion_prefix"
    severity = "warning"
    schemas = COMPLETION
    title = "common prefix of completions"
    fix = "strip_completion_prefix"

    def find(self, view: View) -> list[Finding]:
        prefix = rules.common_prefix(view.completions)
        if len(prefix) < rules.MIN_COMPLETION_PREFIX:
            return []
        if all(c == prefix for c in view.completions):
            return []
        return [
            self.finding(
                view,
                f"All completions start with `{shown(prefix)}`. Completions should hold only "
                "the output; the fix removes the prefix (keeping one leading space).",
                indexes=list(range(len(view))),
                details={"prefix": prefix},
            )
        ]


class LeadingSpace(Check):
    name = "completion_leading_space"
    severity = "warning"
    schemas = COMPLETION
    title = "leading space of completions"
    fix = "add_leading_space"

    def find(self, view: View) -> list[Finding]:
        indexes = [i for i, c in enumerate(view.completions) if not c.startswith(" ")]
        if not indexes:
            return []
        return [
            self.finding(
                view,
                f"{n_examples(len(indexes), 'completion')} do not start with a space "
                f"({rows_text(view.rows_of(indexes))}). With the tokenizers of prompt/completion "
                "models a leading space trains better; the fix adds it.",
                indexes=indexes,
            )
        ]


CHECKS: list[Check] = [
    ColumnNames(),
    ExtraColumns(),
    EmptyCompletions(),
    TaskType(),
    Duplicates(),
    LongExamples(),
    Uppercase("prompt"),
    Uppercase("completion"),
    PromptSeparator(),
    PromptPrefix(),
    CompletionPrefix(),
    CompletionEnding(),
    LeadingSpace(),
]
