"""The prepare pipeline for chat and preference files (the legacy tool never handled them).

Same shape as the prompt/completion pipeline: findings first, then one question per fix in a
fixed order (invalid rows, duplicates, blank messages, over-long, system message, label
spellings), each fix planned on the data as the previous fixes left it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lib.checks.fixes import apply_edits_in_memory, plan_fix
from lib.checks.registry import run_checks
from lib.checks.view import View, view_from_datas

# (check whose finding triggers it, fix to offer) in the order they are asked.
CHAT_FIX_ORDER: tuple[tuple[str, str], ...] = (
    ("*format", "drop_invalid"),
    ("duplicates", "drop_duplicates"),
    ("blank_text", "drop_empty"),
    ("over_context_limit", "drop_over_limit"),
    ("no_system_message", "add_system_message"),
    ("label_variants", "normalise_labels"),
)


@dataclass(slots=True)
class ChatStep:
    name: str
    found: str
    action: str | None = None
    fix: str | None = None

    def apply(
        self, datas: list[dict[str, Any]], *, schema: str, model: str
    ) -> list[dict[str, Any]]:
        """The datas after this step's fix, planned on ``datas`` as they are now."""
        if self.fix is None:
            return datas
        view = view_from_datas(schema, datas, model=model)
        return apply_edits_in_memory(view, plan_fix(view, self.fix))


def analyse_chat(view: View) -> list[ChatStep]:
    findings = run_checks(view)
    steps = [ChatStep(f.check, f.message) for f in findings if f.severity != "info" or not f.fix]
    has_system = any(
        isinstance(m, dict) and m.get("role") == "system"
        for d in view.datas
        for m in (d.get("messages") or [] if isinstance(d, dict) else [])
    )
    names = {f.check for f in findings}
    format_found = any(f.fix == "drop_invalid" for f in findings)
    for trigger, fix in CHAT_FIX_ORDER:
        found = format_found if trigger == "*format" else trigger in names
        if not found:
            continue
        if fix == "add_system_message" and not has_system:
            continue  # nothing to copy: writing a system message is the user's call
        edits = plan_fix(view, fix)
        if not edits:
            continue
        n_drop = sum(1 for e in edits if e.drop)
        what = f"{n_drop} examples removed" if n_drop else f"{len(edits)} examples changed"
        steps.append(ChatStep(fix, "", _ACTIONS[fix] + f" ({what})", fix))
    return steps


_ACTIONS: dict[str, str] = {
    "drop_invalid": "Remove examples a fine-tuning job would refuse",
    "drop_duplicates": "Remove duplicate examples",
    "drop_empty": "Remove examples with empty messages",
    "drop_over_limit": "Remove examples longer than the model's context",
    "add_system_message": "Add the most common system message to examples without one",
    "normalise_labels": "Write each label in its most common spelling",
}
