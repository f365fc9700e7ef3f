"""The two encodings Tunelab counts with (cl100k_base, o200k_base), built from tiktoken's own
cached BPE file with its ranks decoded in bulk.

Why: every process of a parallel check loads the tokenizer, and ``tiktoken.get_encoding`` spends
about half of that load in ``tiktoken.load.load_tiktoken_bpe``, a Python loop that splits,
base64-decodes and converts each of the 100k-200k lines one by one. Decoding all lines with
``map`` over ``binascii.a2b_base64`` and ``int`` gives the same dictionary in a fraction of the
CPU. The encoding is then made with ``tiktoken.Encoding(name, pat_str=..., mergeable_ranks=...,
special_tokens=...)``, the way tiktoken's README ("Extending tiktoken": "load the arguments
directly … See openai_public.py for examples of arguments for specific encodings") documents;
the file is read with ``tiktoken.load.read_file_cached``, which checks its SHA-256 and fetches a
missing file exactly as ``get_encoding`` would. The arguments below are those of
``tiktoken_ext/openai_public.py`` (tiktoken 0.14); ``tests/unit/core/test_bpe_load.py`` holds the
result equal to ``tiktoken.get_encoding``'s (name, pattern, special tokens, every rank).
An unknown name or an unexpected file returns None and the caller uses ``tiktoken.get_encoding``;
errors reading the file (offline, no cache) are the caller's, as with ``get_encoding``.
"""

from __future__ import annotations

import binascii
from typing import Any

_ENDOFTEXT = "<|endoftext|>"
_ENDOFPROMPT = "<|endofprompt|>"
_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"

# name → (SHA-256 of the BPE file, split pattern, special tokens), from openai_public.py.
SPECS: dict[str, tuple[str, str, dict[str, int]]] = {
    "cl100k_base": (
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        {
            _ENDOFTEXT: 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            _ENDOFPROMPT: 100276,
        },
    ),
    "o200k_base": (
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "|".join(
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
        {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    ),
}


def parse_ranks(contents: bytes) -> dict[bytes, int] | None:
    """``load_tiktoken_bpe``'s dictionary (base64 token → rank per line), decoded in bulk; None
    when the file is not pairs of fields (the file's hash was checked: it is the known one)."""
    fields = contents.split()
    if len(fields) % 2:
        return None
    return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2]), strict=True))


def load_encoding(name: str) -> Any:
    """The ``tiktoken.Encoding`` ``name`` (one of ``SPECS``), or None (the caller falls back)."""
    spec = SPECS.get(name)
    if spec is None:
        return None
    expected_hash, pat_str, special_tokens = spec
    import tiktoken
    from tiktoken.load import read_file_cached

    try:
        ranks = parse_ranks(read_file_cached(_URL.format(name=name), expected_hash))
    except (ValueError, binascii.Error):  # a bad line: tiktoken's own loader names it
        return None
    if ranks is None:
        return None
    return tiktoken.Encoding(
        name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=dict(special_tokens)
    )
