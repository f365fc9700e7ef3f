"""The engine's tokenizer: word pieces found by a regular expression.

Real tokenizers (tiktoken) need files the engine must not depend on; the engine's own models
predict word pieces, so counting them is exact *for the engine* and approximate compared with
OpenAI's tokens. ``usage`` numbers are documented as approximate for that reason.
"""

from __future__ import annotations

import re

# A leading space belongs to the word that follows it, as in GPT-style tokenizers.
_PIECE = re.compile(r"'(?:s|t|re|ve|m|ll|d)\b| ?\w+| ?[^\s\w]+|\s+(?!\S)|\s+")


def tokenize(text: str) -> list[str]:
    """Split text into word pieces whose concatenation is exactly ``text``."""
    return _PIECE.findall(text)


def count_tokens(text: str) -> int:
    """An approximate token count (word pieces)."""
    return len(tokenize(text))
