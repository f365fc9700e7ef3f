"""A view over a scanned chat file (``lib.checks.scan``), and the view's answers that need the
texts: which examples repeat a line or share a normalised prompt.

The scan keeps hashes, not texts: equal hashes are candidates, and the candidates' lines are
read again (``lib.checks.file_datas``) and compared, so a hash collision costs a read, never a
wrong finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, cast

from lib.checks.file_datas import FileDatas, LazyColumn
from lib.checks.scan_parallel import scan_file
from lib.checks.view import View, answer_of, normalise_text
from lib.core.examples import extract
from lib.core.tokens import DEFAULT_MODEL, get_encoder

# The encodings the scan reads (as the reader names them), with their byte-order mark's length.
_UTF8_LABELS = {"UTF-8": 0, "UTF-8 (with BOM)": 3}


def view_from_scan(
    path: Path, encoding: str | None, model: str, context_limits: Mapping[str, int] | None
) -> View | None:
    """A chat JSONL file as compact columns; None: read it with the reader."""
    if encoding not in _UTF8_LABELS:
        return None
    # scan_file loads the tokenizer before it forks the scanning processes, which share it
    # instead of each importing tiktoken and loading its own (same wall time on idle cores,
    # about 0.1 s less CPU per extra process; measured faster on a busy machine).
    facts = scan_file(
        path, encoder=partial(get_encoder, model or DEFAULT_MODEL), skip=_UTF8_LABELS[encoding]
    )
    if facts is None:
        return None
    datas = FileDatas(path, facts.offsets)
    completions: Any
    if facts.answer_ids is not None and facts.answers is not None:
        answers = facts.answers
        completions = [answers[i] for i in facts.answer_ids]
    else:  # too many distinct answers for classification: read the few a check needs
        completions = LazyColumn(datas, answer_of)
    return View(
        schema="chat",
        datas=cast(list[dict[str, Any]], datas),
        source_rows=cast(list[int], facts.lines),
        completions=completions,
        model=model,
        context_limits=context_limits,
        file_name=str(path),
        facts=facts,
    )


def repeated(hashes: Sequence[int]) -> list[list[int]]:
    """Indexes sharing a hash, for hashes that occur more than once (candidates, not proof)."""
    if len(set(hashes)) == len(hashes):  # the usual case, decided in C
        return []
    first: dict[int, int] = {}
    groups: dict[int, list[int]] = {}
    for index, key in enumerate(hashes):
        seen = first.setdefault(key, index)
        if seen != index:
            groups.setdefault(seen, [seen]).append(index)
    return list(groups.values())


def duplicate_indexes(view: View) -> list[int]:
    """Lines repeating an earlier line exactly (``view.duplicate_indexes`` for a scanned file)."""
    assert view.facts is not None
    datas = cast(FileDatas, view.datas)
    found = []
    for group in repeated(view.facts.raw_digests):
        seen: set[bytes] = set()
        for index, raw in zip(group, datas.raw(group), strict=True):
            if raw in seen:
                found.append(index)
            else:
                seen.add(raw)
    return sorted(found)


def prompt_groups(view: View) -> list[tuple[str, list[int]]]:
    """``View.prompt_groups`` for a scanned file: groups by hash, confirmed on the texts."""
    assert view.facts is not None
    candidates = repeated(view.facts.prompt_digests)
    if not candidates:
        return []
    datas = cast(FileDatas, view.datas)
    flat = sorted(i for group in candidates for i in group)
    exact: dict[str, list[int]] = {}
    for index, data in zip(flat, datas.many(flat), strict=True):
        exact.setdefault(normalise_text(extract(view.schema, data).prompt), []).append(index)
    return [(key, found) for key, found in exact.items() if len(found) > 1]
