"""Plain-text tables for the command line: columns as wide as their widest cell.

A fixed width per column (as the first ``jobs list`` had) runs a long status such as
``validating files`` into the next column; measuring the cells first never does.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Collection[int] = ()
) -> str:
    """``headers`` and ``rows`` as aligned lines, two spaces apart; columns in ``right``
    (numbers) aligned right. Cells are shown whole, never cut."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])
