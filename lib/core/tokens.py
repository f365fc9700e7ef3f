"""Token counts with a model's real encoding, context limits, and the epochs/billing rules.

Why a module of its own: checks, costs, exports and evaluation all count tokens, and all must
agree. The rules here follow OpenAI's fine-tuning cookbook ("Data preparation and analysis for
chat model fine-tuning") with its known bugs fixed:

- the encoding is chosen from the *base* model: ``ft:gpt-4.1-mini:org::id`` counts with
  o200k_base (tiktoken itself maps such names to the wrong encoding);
- non-string message values (``tool_calls``, content parts) are counted as their JSON text
  instead of crashing; ``weight`` is not text the model sees and is not counted;
- text is encoded as ordinary text, so ``<|endoftext|>`` inside a user's data is counted, not
  refused.

Offline: tiktoken's BPE files are read from ``lib.core.paths.tiktoken_cache_dir()``. When they are
unavailable the counts are approximate (about four characters per token) and every result says
so with ``approximate=True``; nothing crashes.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lib.core.examples import default_epochs
from lib.core.paths import tiktoken_cache_dir

if TYPE_CHECKING:
    from lib.core.forked import Worker

O200K = "o200k_base"
CL100K = "cl100k_base"
APPROX_CHARS_PER_TOKEN = 4

# Cookbook's num_tokens_from_messages constants.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_REPLY_PRIMING = 3

# Fewer examples than this: a job is refused (error) / likely too few to learn from (warning).
MIN_EXAMPLES_ERROR = 10
MIN_EXAMPLES_WARNING = 50

# Training context limits (tokens per example) as OpenAI's fine-tuning guide listed them
# ("Token limits", read 2025-06; gpt-4.1 family from the model pages, 2025-06). Users edit
# them in the app (settings key ``CONTEXT_LIMITS_SETTING``); the longest matching prefix wins.
CONTEXT_LIMITS_SOURCE = "OpenAI fine-tuning guide, 'Token limits' (read 2025-06); editable"
DEFAULT_CONTEXT_LIMITS: dict[str, int] = {
    "gpt-4.1-nano": 65_536,
    "gpt-4.1-mini": 65_536,
    "gpt-4.1": 65_536,
    "gpt-4o-mini": 65_536,
    "gpt-4o": 65_536,
    "gpt-4-0613": 8_192,
    "gpt-4": 8_192,
    "gpt-3.5-turbo-0613": 4_096,
    "gpt-3.5-turbo-1106": 16_385,
    "gpt-3.5-turbo-0125": 16_385,
    "gpt-3.5-turbo": 16_385,
    "babbage-002": 16_384,
    "davinci-002": 16_384,
}
DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
FALLBACK_CONTEXT_LIMIT = 16_385  # the cookbook's limit, for models the table does not know
CONTEXT_LIMITS_SETTING = "tokens.context_limits"

# Models trained and queried with prompt/completion (the legacy completions API), not chat.
LEGACY_COMPLETION_MODELS = ("babbage-002", "davinci-002")
_CL100K_PREFIXES = ("gpt-4-", "gpt-3.5", "gpt-35", "babbage-002", "davinci-002", "text-embedding")
_BPE_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


def base_model(model: str) -> str:
    """The base model of a fine-tuned name: ``ft:gpt-4o-mini-2024-07-18:org::abc`` → gpt-4o-mini…

    The one parser of fine-tuned model names (tokenizer, prices, request kind, wind-down notes
    all call it). Also accepts the legacy ``<base>:ft-<org>-<date>`` form; any other name is
    returned as it is (stripped), and so is an ``ft:`` name without a base.
    """
    name = (model or "").strip()
    if name.startswith("ft:"):
        return name[3:].split(":", 1)[0] or name
    if ":ft-" in name:
        return name.split(":ft-", 1)[0]
    return name


def is_legacy_completion_model(model: str) -> bool:
    """Whether ``model`` (or the base of a fine-tuned one) takes prompt/completion requests."""
    return base_model(model) in LEGACY_COMPLETION_MODELS


def is_fine_tuned(model: str) -> bool:
    """Whether ``model`` names a fine-tuned model (``ft:<base>:…`` or the legacy form)."""
    name = (model or "").strip()
    return name.startswith("ft:") or ":ft-" in name


def encoding_name(model: str) -> str:
    """o200k_base for gpt-4o, gpt-4.1, o-series and newer; cl100k_base for gpt-3.5/gpt-4/-002."""
    base = base_model(model).lower()
    if base == "gpt-4" or base.startswith(_CL100K_PREFIXES):
        return CL100K
    return O200K


@dataclass(frozen=True, slots=True)
class Encoder:
    """Counts tokens of texts; ``approximate`` when the real tokenizer was unavailable."""

    name: str
    approximate: bool
    _encoding: Any = field(default=None, repr=False)

    def count(self, text: str) -> int:
        if self._encoding is None:
            return _approx(text)
        return len(self._encoding.encode_ordinary(text))

    def counter(self) -> Callable[[str], int]:
        """``count`` as a plain function of the text (no method lookup per text)."""
        if self._encoding is None:
            return _approx
        encode = self._encoding.encode_ordinary
        return lambda text: len(encode(text))

    def count_many(self, texts: Sequence[str], *, processes: int = 1) -> list[int]:
        """Counts of many texts; each distinct text is encoded once.

        Datasets repeat a lot (role names, a shared system message, class labels), so counting
        distinct texts saves much of the work. Measured on 200k distinct chat texts: a plain
        loop beats tiktoken's ``encode_ordinary_batch`` (one future per text: 3-4× the CPU)
        and, on a machine whose second core is busy, two threads each looping over half the
        texts (same wall time, ~30% more CPU), so it stays a loop. ``processes > 1`` splits
        the loop over forked processes (``lib.core.forked``: command-line programs, where no
        other thread runs); the counts are the same.
        """
        return self.start_count_many(texts, processes=processes)()

    def start_count_many(
        self, texts: Sequence[str], *, processes: int = 1, parent_share: float = 1.0
    ) -> Callable[[], list[int]]:
        """``count_many`` started now and finished by the returned call: with ``processes > 1``
        forked children count while the caller does other work (``parent_share`` as in
        ``lib.core.forked.start_map_ints``)."""
        if self._encoding is None:
            approximate = [_approx(text) for text in texts]
            return lambda: approximate
        encode = self._encoding.encode_ordinary
        if processes > 1:
            from lib.core.forked import start_map_ints

            # Each process counts the distinct texts of its own slice (the finding of
            # repeats is shared out too; a text in two slices is counted twice, same number).
            return start_map_ints(
                lambda text: len(encode(text)),
                texts,
                processes=processes,
                parent_share=parent_share,
            ).result
        distinct = list(dict.fromkeys(texts))

        def finish() -> list[int]:
            numbers = [len(encode(text)) for text in distinct]
            if len(distinct) == len(texts):
                return numbers
            return list(map(dict(zip(distinct, numbers, strict=True)).__getitem__, texts))

        return finish


def _approx(text: str) -> int:
    return math.ceil(len(text) / APPROX_CHARS_PER_TOKEN) if text else 0


LOAD_TIMEOUT = 20.0  # seconds for tiktoken to fetch a tokenizer file it does not have
_encoders: dict[str, Encoder] = {}
_lock = threading.Lock()


def reset_encoders() -> None:
    """Forget loaded encoders (tests switch between offline files and none)."""
    with _lock:
        _encoders.clear()


def _bpe_file_known(name: str) -> bool:
    """Whether tiktoken can load ``name`` without the network (or the user's cache has it)."""
    folder = os.environ.get("TIKTOKEN_CACHE_DIR")
    if not folder:
        return False
    import hashlib  # OpenSSL: loaded when a tokenizer is, not by every importer of this module

    key = hashlib.sha1(_BPE_URL.format(name=name).encode()).hexdigest()
    return os.path.exists(os.path.join(folder, key))


def _name(model_or_encoding: str) -> str:
    if model_or_encoding in (O200K, CL100K):
        return model_or_encoding
    return encoding_name(model_or_encoding)


def get_encoder(model_or_encoding: str) -> Encoder:
    """The encoder for a model (or an encoding name); approximate if tiktoken cannot load it.

    Sets ``TIKTOKEN_CACHE_DIR`` from ``lib.core.paths.tiktoken_cache_dir()`` before the first load
    when the user has not set it, so the shared offline files are found.
    """
    name = _name(model_or_encoding)
    with _lock:
        cached = _encoders.get(name)
        if cached is not None:
            return cached
        if not os.environ.get("TIKTOKEN_CACHE_DIR"):
            folder = tiktoken_cache_dir()
            if folder is not None:
                os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
        encoder = Encoder(name=name, approximate=True)
        if _bpe_file_known(name) or not os.environ.get("TUNELAB_OFFLINE"):
            local = _bpe_file_known(name)
            encoding = _load_with_timeout(name, timeout=0 if local else LOAD_TIMEOUT)
            if encoding is not None:
                encoder = Encoder(name=name, approximate=False, _encoding=encoding)
        _encoders[name] = encoder
        return encoder


def _load_with_timeout(name: str, *, timeout: float) -> Any:
    """tiktoken's encoding, or None when it cannot be loaded (offline, bad cache).

    A missing file makes tiktoken download it without a timeout; on a machine whose network
    silently drops packets that would hang the app, so the download gets ``timeout`` seconds
    in a background thread (0: the file is local, load directly).
    """
    if timeout <= 0:
        return _quiet_load(name)
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(_quiet_load(name)), daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0] if result else None


def _quiet_load(name: str) -> Any:
    try:
        import tiktoken

        from lib.core.bpe_load import load_encoding  # the same encoding, loaded for less CPU

        encoding = load_encoding(name)
        return tiktoken.get_encoding(name) if encoding is None else encoding
    except Exception:  # noqa: BLE001 - offline, missing or bad cache file: approximate
        return None


def count_text(text: str, *, model: str = DEFAULT_MODEL) -> int:
    return get_encoder(model).count(text)


# --- per-example texts ------------------------------------------------------------------------


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def message_texts(messages: Any) -> tuple[list[str], int]:
    """The texts of a message list and the fixed overhead tokens (cookbook rule).

    Overhead: 3 per message, 1 per ``name``, 3 for priming the reply.
    """
    texts: list[str] = []
    overhead = TOKENS_REPLY_PRIMING
    if not isinstance(messages, list):
        return texts, overhead
    append = texts.append
    for message in messages:
        overhead += TOKENS_PER_MESSAGE
        if type(message) is not dict and not isinstance(message, Mapping):
            continue
        for key, value in message.items():
            if key == "weight":
                continue
            append(value if type(value) is str else _value_text(value))
            if key == "name":
                overhead += TOKENS_PER_NAME
    return texts, overhead


def example_texts(schema: str, data: Mapping[str, Any]) -> tuple[list[str], int]:
    """Texts whose tokens make up one example, and its fixed overhead in tokens."""
    if schema == "completion":
        return [_value_text(data.get("prompt")), _value_text(data.get("completion"))], 0
    if schema == "chat":
        texts, overhead = message_texts(data.get("messages"))
        if data.get("tools"):
            texts.append(_value_text(data.get("tools")))
        if data.get("functions"):
            texts.append(_value_text(data.get("functions")))
        return texts, overhead
    if schema == "preference":
        source = data.get("input")
        inner = source.get("messages") if isinstance(source, Mapping) else None
        texts, overhead = message_texts(inner)
        # The longer answer decides whether the example fits; both are counted as outputs.
        for key in ("preferred_output", "non_preferred_output"):
            out_texts, out_overhead = message_texts(data.get(key))
            texts.extend(out_texts)
            overhead += out_overhead - TOKENS_REPLY_PRIMING
        if isinstance(source, Mapping) and source.get("tools"):
            texts.append(_value_text(source.get("tools")))
        return texts, overhead
    raise ValueError(f"unknown schema {schema!r}")


def num_tokens_from_messages(messages: Any, *, model: str = DEFAULT_MODEL) -> int:
    """The cookbook's count for a chat example's messages, without its crashes."""
    texts, overhead = message_texts(messages)
    encoder = get_encoder(model)
    return overhead + sum(encoder.count_many(texts))


@dataclass(frozen=True, slots=True)
class TokenStats:
    """Tokens per example and summary figures for one dataset and one model."""

    model: str
    encoding: str
    approximate: bool
    per_example: list[int]
    context_limit: int

    @property
    def total(self) -> int:
        return sum(self.per_example)

    @property
    def over_limit(self) -> list[int]:
        """0-based indexes of examples longer than the context limit."""
        if not self.per_example or max(self.per_example) <= self.context_limit:
            return []  # the usual case, decided in C (100k+ examples)
        return [i for i, n in enumerate(self.per_example) if n > self.context_limit]

    def summary(self) -> dict[str, Any]:
        values = sorted(self.per_example)
        n = len(values)

        def pct(p: float) -> int:
            return values[min(n - 1, int(p * (n - 1) + 0.5))] if n else 0

        return {
            "model": self.model,
            "encoding": self.encoding,
            "approximate": self.approximate,
            "examples": n,
            "total": self.total,
            "min": values[0] if n else 0,
            "max": values[-1] if n else 0,
            "mean": round(self.total / n, 1) if n else 0.0,
            "median": pct(0.5),
            "p5": pct(0.05),
            "p95": pct(0.95),
            "context_limit": self.context_limit,
            "over_limit": n - bisect.bisect_right(values, self.context_limit),
            "billed_tokens_per_epoch": billing_tokens_per_epoch(
                self.per_example, limit=self.context_limit
            ),
            "epochs": default_epochs(n) if n else 0,
        }


def count_examples(
    schema: str,
    datas: Iterable[Mapping[str, Any]],
    *,
    model: str = DEFAULT_MODEL,
    context_limits: Mapping[str, int] | None = None,
) -> TokenStats:
    """Tokens of every example, counted in one batched pass over all texts (fast for 100k+)."""
    encoder = get_encoder(model)
    flat: list[str] = []
    owners: list[int] = []
    per_example: list[int] = []
    for index, data in enumerate(datas):
        texts, overhead = example_texts(schema, data)
        per_example.append(overhead)
        flat.extend(texts)
        owners.extend([index] * len(texts))
    for owner, n in zip(owners, encoder.count_many(flat), strict=True):
        per_example[owner] += n
    return TokenStats(
        model=model,
        encoding=encoder.name,
        approximate=encoder.approximate,
        per_example=per_example,
        context_limit=context_limit(model, table=context_limits),
    )


def count_completion_columns(
    prompts: Sequence[str],
    completions: Sequence[str],
    *,
    model: str = DEFAULT_MODEL,
    processes: int = 1,
) -> TokenStats:
    """``count_examples("completion", ...)`` for examples held as two columns of text.

    Same rule (an example's tokens are its prompt's plus its completion's, no overhead) without
    building 200k dicts; ``processes`` as in :meth:`Encoder.count_many`.
    """
    return start_completion_count(prompts, completions, model=model, processes=processes)()


def start_completion_count(
    prompts: Sequence[str],
    completions: Sequence[str],
    *,
    model: str = DEFAULT_MODEL,
    processes: int = 1,
    parent_share: float = 1.0,
) -> Callable[[], TokenStats]:
    """``count_completion_columns`` started now (see :meth:`Encoder.start_count_many`)."""
    encoder = get_encoder(model)
    finish = encoder.start_count_many(
        [*prompts, *completions], processes=processes, parent_share=parent_share
    )
    n = len(prompts)

    def stats() -> TokenStats:
        counts = finish()
        return TokenStats(
            model=model,
            encoding=encoder.name,
            approximate=encoder.approximate,
            per_example=list(map(int.__add__, counts[:n], counts[n:])),
            context_limit=context_limit(model),
        )

    return stats


def counting_workers(model: str = DEFAULT_MODEL, *, processes: int = 2) -> list[Worker]:
    """Forked workers (``lib.core.forked.start_worker``), one per CPU up to ``processes``, that
    each load ``model``'s tokenizer at once and later count the texts they are sent; none
    where forking is not possible.

    For command-line programs (no other thread): started first thing, while the process is
    small, they load the tokenizer while the caller reads and analyses its data (a core that
    would otherwise wait), and the caller need not load it at all.
    """
    from lib.core.forked import start_worker, usable_cpus

    workers: list[Worker] = []
    for _ in range(min(processes, usable_cpus())):
        worker = start_worker(lambda: _exact_counter(model))
        if worker is None:
            break
        workers.append(worker)
    return workers


def _exact_counter(model: str) -> Callable[[str], int]:
    """A worker's counter; without the real tokenizer the worker stops (the caller then counts
    here, approximately, and says so), so that a worker's numbers are always exact."""
    encoder = get_encoder(model)
    if encoder.approximate:
        raise RuntimeError("no tokenizer")
    return encoder.counter()


def start_columns_count(
    prompts: Sequence[str],
    completions: Sequence[str],
    *,
    prompt_end: str = "",
    completion_start: str = "",
    model: str = DEFAULT_MODEL,
    workers: Sequence[Worker] = (),
    parent_share: float = 0.0,
) -> Callable[[], TokenStats]:
    """``count_completion_columns`` of the texts ``prompt + prompt_end`` and
    ``completion_start + completion``, handed to ``workers`` now (about equal shares of the
    characters; this process keeps ``parent_share`` of a worker's); the returned call counts
    what is left here and collects.

    The pending end/start are joined on in each hand-over's single join, not in 200k new
    strings. Completions are counted once per distinct text (labels repeat), by the last
    worker; prompts each (they rarely repeat, duplicates being a legacy fix: finding repeats
    among 100k prompts cost a worker 0.03 s, more than it saved). A worker that fails or
    cannot be reached has its texts counted here: the counts never depend on the workers.
    """
    from lib.core.forked import _slices

    labels = list(dict.fromkeys(completions))
    label_texts = _prefixed(completion_start, labels)
    # Texts of each part: prompts[start:end] (+ the labels for the last worker).
    shares = [parent_share] + [1.0] * len(workers) if workers else [1.0]
    slices = _slices(prompts, shares)
    parts: list[tuple[int, int, bool]] = [(*slices[0], not workers)]
    sent: list[tuple[Worker, int, int, bool]] = []
    for k, worker in enumerate(workers):
        start, end = slices[k + 1]
        with_labels = k == len(workers) - 1
        handed = prompts[start:end]
        n = len(handed) + (len(labels) if with_labels else 0)

        def joined(
            sep: str, handed: Sequence[str] = handed, with_labels: bool = with_labels
        ) -> str:
            text = (prompt_end + sep).join(handed) + prompt_end if handed else ""
            if with_labels:
                text = sep.join([text, *label_texts]) if handed else sep.join(label_texts)
            return text

        if n and worker.send(joined, n):
            sent.append((worker, start, end, with_labels))
        else:
            worker.close()
            parts.append((start, end, with_labels))

    def stats() -> TokenStats:
        encoder: Encoder | None = None
        prompt_counts: list[int] = [0] * len(prompts)
        label_counts: list[int] | None = None

        def here(start: int, end: int, with_labels: bool) -> None:
            nonlocal encoder, label_counts
            if encoder is None:
                encoder = get_encoder(model)
            count = encoder.counter()
            prompt_counts[start:end] = map(count, _suffixed(prompts[start:end], prompt_end))
            if with_labels:
                label_counts = list(map(count, label_texts))

        for start, end, with_labels in parts:
            if end > start or with_labels:
                here(start, end, with_labels)
        for worker, start, end, with_labels in sent:
            got = worker.result()
            if got is None:  # the worker failed: its texts are counted here
                here(start, end, with_labels)
                continue
            prompt_counts[start:end] = got[: end - start]
            if with_labels:
                label_counts = list(got[end - start :])
        # Counted here with ``encoder``, or all by workers, whose counts are exact.
        name, approximate = (
            (encoder.name, encoder.approximate) if encoder else (_name(model), False)
        )
        by_label = dict(zip(labels, label_counts or [], strict=True))
        return TokenStats(
            model=model,
            encoding=name,
            approximate=approximate,
            per_example=list(
                map(int.__add__, prompt_counts, map(by_label.__getitem__, completions))
            ),
            context_limit=context_limit(model),
        )

    return stats


def _suffixed(texts: Sequence[str], suffix: str) -> Sequence[str]:
    return [text + suffix for text in texts] if suffix else texts


def _prefixed(prefix: str, texts: list[str]) -> list[str]:
    return [prefix + text for text in texts] if prefix else texts


# --- context limits -----------------------------------------------------------------------------


def context_limit(model: str, *, table: Mapping[str, int] | None = None) -> int:
    """The training context limit for ``model``: longest matching prefix of the table wins."""
    limits = dict(DEFAULT_CONTEXT_LIMITS)
    if table:
        limits.update(table)
    base = base_model(model)
    if base in limits:
        return int(limits[base])
    matches = [prefix for prefix in limits if base.startswith(prefix)]
    if not matches:
        return FALLBACK_CONTEXT_LIMIT
    return int(limits[max(matches, key=len)])


def load_context_limits(conn: Any) -> dict[str, int]:
    """The user's table (defaults merged with their edits) from the store's settings."""
    from lib.core.settings import get_setting

    stored = get_setting(conn, CONTEXT_LIMITS_SETTING, {}) or {}
    merged = dict(DEFAULT_CONTEXT_LIMITS)
    merged.update({str(k): int(v) for k, v in stored.items()})
    return merged


def save_context_limits(engine: Any, table: Mapping[str, int]) -> None:
    """Store the user's edits (only entries that differ from the defaults)."""
    from lib.core.errors import UserError
    from lib.core.settings import set_setting

    edits: dict[str, int] = {}
    for model, value in table.items():
        name = str(model).strip()
        try:
            limit = int(value)
        except (TypeError, ValueError) as exc:
            raise UserError(f"context limit for {name!r} must be a whole number") from exc
        if not name or limit <= 0:
            raise UserError(f"context limit for {name!r} must be a positive whole number")
        if DEFAULT_CONTEXT_LIMITS.get(name) != limit:
            edits[name] = limit
    set_setting(engine, CONTEXT_LIMITS_SETTING, edits)


# --- epochs and billing (pure; the cost estimate calls these) ------------------------------------


def billing_tokens_per_epoch(token_counts: Iterable[int], *, limit: int) -> int:
    """Σ min(limit, tokens): tokens beyond the limit are truncated, so not billed."""
    counts = token_counts if isinstance(token_counts, list) else list(token_counts)
    if not counts or max(counts) <= limit:  # the usual case, summed in C (100k+ examples)
        return sum(counts)
    return sum(min(limit, n) for n in counts)


def billed_tokens(token_counts: Iterable[int], *, epochs: int, limit: int) -> int:
    """Tokens a job is billed for: epochs × Σ min(limit, tokens)."""
    return epochs * billing_tokens_per_epoch(token_counts, limit=limit)
