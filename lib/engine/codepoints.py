"""Classifying a text's code points as ``re`` does, in numpy, for the engine's vectorised passes.

Features (:mod:`lib.engine.features`) and token counts (:mod:`lib.engine.tokens`) are defined
by regular expressions (``\\w``, ``\\s``) but computed over whole chunks of documents at once.
Both read the classes from here, so they agree with ``re`` and with each other: a code point is
a word character when ``str.isalnum()`` or ``_`` (CPython's ``SRE_UNI_IS_WORD``), a space when
``str.isspace()`` (``SRE_UNI_IS_SPACE``). NUL is reserved as the separator between documents.
"""

from __future__ import annotations

import numpy as np

SEPARATOR, WORD, SPACE, OTHER = 0, 1, 2, 3


def _class_of(char: str) -> int:
    if char == "\x00":
        return SEPARATOR
    if char.isalnum() or char == "_":
        return WORD
    return SPACE if char.isspace() else OTHER


# Code points below 128 by table; index 128 stands for "look it up" (see classify).
_ASCII = np.array([_class_of(chr(c)) for c in range(128)] + [OTHER], dtype=np.int8)


def code_points(text: str) -> np.ndarray:
    """The text's code points (UTF-32), so that array positions are string positions."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def classify(codes: np.ndarray) -> np.ndarray:
    """SEPARATOR, WORD, SPACE or OTHER for every code point; non-ASCII ones are looked up
    once per distinct code point."""
    classes = _ASCII[np.minimum(codes, 128)]
    high = np.flatnonzero(codes >= 128)
    if len(high):
        distinct, which = np.unique(codes[high], return_inverse=True)
        looked_up = np.array([_class_of(chr(c)) for c in distinct.tolist()], dtype=np.int8)
        classes[high] = looked_up[which]
    return classes


def join_documents(texts: list[str] | tuple[str, ...]) -> str:
    """The texts joined by NUL; a NUL inside a text becomes a space first (so that it cannot
    split a document in two)."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):
        joined = "\x00".join(text.replace("\x00", " ") for text in texts)
    return joined
