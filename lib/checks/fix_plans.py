"""Fix plans for prompt/completion data and for any schema (drop, merge, truncate).

Each plan is a pure function of a view returning ``Edit``s; ``lib.checks.fixes`` previews and
applies them.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from lib.checks import legacy_rules as rules
from lib.checks.base import Edit
from lib.checks.quality import blank_messages, classification_like, normalise_text
from lib.checks.view import View, duplicate_indexes


def _set(data: dict[str, Any], **values: Any) -> dict[str, Any]:
    return {**data, **values}


def _edits_on_field(view: View, key: str, change: Callable[[str], str]) -> list[Edit]:
    texts = view.prompts if key == "prompt" else view.completions
    edits = []
    for index, text in enumerate(texts):
        new = change(text)
        if new != text:
            edits.append(Edit(index, _set(view.datas[index], **{key: new})))
    return edits


# --- prompt/completion fixes ---------------------------------------------------------------------


def rename_columns(view: View) -> list[Edit]:
    edits = []
    for index, data in enumerate(view.datas):
        renamed: dict[str, Any] = {}
        changed = False
        for key, value in data.items():
            folded = str(key).casefold()
            misnamed = key not in ("prompt", "completion") and folded in ("prompt", "completion")
            if misnamed and folded not in data:
                renamed[folded] = value
                changed = True
                continue
            renamed[key] = value
        if changed:
            edits.append(Edit(index, renamed))
    return edits


def drop_extra_keys(view: View) -> list[Edit]:
    return [
        Edit(i, {k: v for k, v in d.items() if k in ("prompt", "completion")})
        for i, d in enumerate(view.datas)
        if any(k not in ("prompt", "completion") for k in d)
    ]


def drop_empty(view: View) -> list[Edit]:
    if view.schema == "completion":
        drop = [
            i
            for i, (p, c) in enumerate(zip(view.prompts, view.completions, strict=True))
            if not c.strip() or (p and not p.strip())
        ]
    else:
        drop = [
            i
            for i, d in enumerate(view.datas)
            if isinstance(d, dict) and (blank_messages(d, view.schema) or not view.completions[i])
        ]
    return [Edit(i, drop=True) for i in drop]


def drop_duplicates(view: View) -> list[Edit]:
    return [Edit(i, drop=True) for i in duplicate_indexes(view)]


def merge_conflicts(view: View) -> list[Edit]:
    """Per group of equal (normalised) prompts: keep one example with the most common label."""
    if not classification_like(view):
        return []
    groups: dict[str, list[int]] = defaultdict(list)
    for index, prompt in enumerate(view.prompts):
        key = normalise_text(prompt)
        if key:
            groups[key].append(index)
    edits: list[Edit] = []
    for indexes in groups.values():
        labels = {view.labels[i] for i in indexes}
        if len(indexes) < 2 or len(labels) < 2:
            continue
        top = Counter(view.labels[i] for i in indexes).most_common(1)[0][0]
        keep = next(i for i in indexes if view.labels[i] == top)
        edits.extend(Edit(i, drop=True) for i in indexes if i != keep)
    return sorted(edits, key=lambda e: e.index)


def drop_long(view: View) -> list[Edit]:
    limit = rules.LONG_EXAMPLE_CHARS
    return [Edit(i, drop=True) for i, n in enumerate(view.char_lengths) if n > limit]


def drop_over_limit(view: View) -> list[Edit]:
    return [Edit(i, drop=True) for i in view.tokens.over_limit]


def _truncate_text(text: str, n_tokens: int, model: str) -> str:
    from lib.core.tokens import APPROX_CHARS_PER_TOKEN, get_encoder

    encoder = get_encoder(model)
    if encoder.approximate or encoder._encoding is None:
        return text[: max(0, len(text) - n_tokens * APPROX_CHARS_PER_TOKEN)]
    tokens = encoder._encoding.encode_ordinary(text)
    return encoder._encoding.decode(tokens[: max(0, len(tokens) - n_tokens)])


def _longest_text_path(data: dict[str, Any], schema: str) -> tuple[Any, Any] | None:
    """(container, key) of the longest plain text in an example (not the answer to learn)."""
    if schema == "completion":
        return (data, "prompt")
    messages = (
        data.get("messages") if schema == "chat" else (data.get("input") or {}).get("messages")
    )
    best: tuple[Any, Any] | None = None
    best_len = -1
    for message in messages or []:
        if isinstance(message, dict) and message.get("role") != "assistant":
            content = message.get("content")
            if isinstance(content, str) and len(content) > best_len:
                best, best_len = (message, "content"), len(content)
    if best is None:  # only assistant text: cut the longest of those
        for message in messages or []:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str) and len(content) > best_len:
                best, best_len = (message, "content"), len(content)
    return best


def truncate_over_limit(view: View) -> list[Edit]:
    """Cut the longest prompt/user text of each over-long example to fit the context limit."""
    from lib.core.tokens import count_examples

    stats = view.tokens
    edits = []
    for index in stats.over_limit:
        data = copy.deepcopy(view.datas[index])
        for _ in range(4):
            n = count_examples(view.schema, [data], model=stats.model).per_example[0]
            excess = n - stats.context_limit
            if excess <= 0:
                break
            path = _longest_text_path(data, view.schema)
            if path is None:
                break
            container, key = path
            container[key] = _truncate_text(str(container[key]), excess + 8, stats.model)
        edits.append(Edit(index, data))
    return edits


def lowercase_prompt(view: View) -> list[Edit]:
    return _edits_on_field(view, "prompt", str.lower)


def lowercase_completion(view: View) -> list[Edit]:
    return _edits_on_field(view, "completion", str.lower)


def _majority_suffix(texts: list[str], candidates: tuple[str, ...], share: float) -> str | None:
    n = len(texts)
    for candidate in candidates:
        having = sum(1 for t in texts if t.endswith(candidate))
        if having and having >= n * share:
            return candidate
    return None


def add_separator(view: View, *, separator: str | None = None) -> list[Edit]:
    """Append the separator to prompts that lack it (chosen like prepare_data when not given)."""
    if separator is None:
        separator = _majority_suffix(
            view.prompts, (*rules.SEPARATOR_CANDIDATES, rules.SEPARATOR_FALLBACK), 0.5
        ) or rules.choose_separator(view.prompts)
    return _edits_on_field(view, "prompt", lambda p: p if p.endswith(separator) else p + separator)


def add_ending(view: View, *, ending: str | None = None) -> list[Edit]:
    if ending is None:
        candidates = tuple(e for e in (*rules.ENDING_CANDIDATES, rules.ENDING_FALLBACK) if e != ".")
        ending = _majority_suffix(view.completions, candidates, 0.9) or rules.choose_ending(
            view.completions
        )
    return _edits_on_field(view, "completion", lambda c: c if c.endswith(ending) else c + ending)


def add_leading_space(view: View) -> list[Edit]:
    return _edits_on_field(view, "completion", lambda c: c if c.startswith(" ") else " " + c)


def strip_prompt_prefix(view: View, *, prefix: str | None = None) -> list[Edit]:
    prefix = rules.common_prefix(view.prompts) if prefix is None else prefix
    if not prefix:
        return []
    return _edits_on_field(
        view, "prompt", lambda p: p[len(prefix) :] if p.startswith(prefix) else p
    )


def strip_completion_prefix(view: View, *, prefix: str | None = None) -> list[Edit]:
    prefix = rules.common_prefix(view.completions) if prefix is None else prefix
    if not prefix:
        return []
    keep_space = prefix.startswith(" ")

    def strip(c: str) -> str:
        if not c.startswith(prefix):
            return c
        return (" " if keep_space else "") + c[len(prefix) :]

    return _edits_on_field(view, "completion", strip)


def normalise_labels(view: View) -> list[Edit]:
    """Write each label in its most common spelling (labels equal up to case and spacing)."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for completion in view.completions:
        forms[completion.strip().casefold()][completion] += 1
    target = {
        form: counter.most_common(1)[0][0]
        for counter in forms.values()
        if len(counter) > 1
        for form in counter
    }
    if view.schema == "completion":
        return _edits_on_field(view, "completion", lambda c: target.get(c, c))
    edits = []
    for index, completion in enumerate(view.completions):
        new = target.get(completion, completion)
        if new == completion:
            continue
        data = copy.deepcopy(view.datas[index])
        messages = data.get("messages") or []
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "assistant":
                message["content"] = new
                break
        edits.append(Edit(index, data))
    return edits
