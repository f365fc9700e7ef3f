"""The shapes every check shares: a finding, a check, a planned edit.

Shaped after cleanlab's issue managers: each check is a small object with a name, a severity
and one ``find`` method; the registry (``lib.checks.registry``) lists them in one place. Checks
never change data: a check names a fix, and the fix (``lib.checks.fixes``) plans edits that are
previewed and then applied as one undoable batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from lib.checks.view import View

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_HELP: dict[str, str] = {
    "error": "a fine-tuning job would fail",
    "warning": "the model would likely learn the wrong thing",
    "info": "worth knowing",
}
# How many row numbers a message lists before it says "and N more".
ROWS_IN_MESSAGE = 8


@dataclass(slots=True)
class Finding:
    """One problem a check found, in words a user understands, with the rows it concerns.

    ``rows`` are 1-based source rows (file line / sheet row); ``indexes`` the 0-based positions
    in the checked view (used by fixes and to derive ``example_ids`` for a stored dataset).
    """

    check: str
    severity: Severity
    message: str
    rows: list[int] = field(default_factory=list)
    example_ids: list[int] = field(default_factory=list)
    fix: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    indexes: list[int] = field(default_factory=list)

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "rows": list(self.rows),
            "fixable": self.fixable,
            "fix": self.fix,
            "details": self.details,
        }


@dataclass(frozen=True, slots=True)
class Edit:
    """New data for the example at ``index`` of the view, or its removal."""

    index: int
    data: dict[str, Any] | None = None
    drop: bool = False


class Check:
    """A check: subclasses set the class attributes and implement ``find``."""

    name: ClassVar[str]
    severity: ClassVar[Severity]
    schemas: ClassVar[tuple[str, ...]] = ("completion", "chat", "preference")
    title: ClassVar[str] = ""
    fix: ClassVar[str | None] = None

    def find(self, view: View) -> list[Finding]:
        raise NotImplementedError

    def finding(
        self,
        view: View,
        message: str,
        *,
        indexes: list[int] | None = None,
        severity: Severity | None = None,
        fix: str | None | object = ...,
        details: dict[str, Any] | None = None,
    ) -> Finding:
        """A finding of this check with rows and example ids derived from ``indexes``."""
        idx = sorted(set(indexes or []))
        return Finding(
            check=self.name,
            severity=severity or self.severity,
            message=message,
            rows=view.rows_of(idx),
            example_ids=view.ids_of(idx),
            fix=self.fix if fix is ... else fix,  # type: ignore[arg-type]
            details=details or {},
            indexes=idx,
        )


def rows_text(rows: list[int], *, cap: int = ROWS_IN_MESSAGE) -> str:
    """``rows 3, 7, 9 and 12 more`` for messages."""
    if not rows:
        return ""
    shown = ", ".join(str(r) for r in rows[:cap])
    more = len(rows) - cap
    word = "row" if len(rows) == 1 else "rows"
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")


def shown(text: str, *, limit: int = 40) -> str:
    """A short, visible rendering of a string (newlines as \\n) for messages."""
    rendered = text.replace("\n", "\\n").replace("\t", "\\t")
    return rendered if len(rendered) <= limit else rendered[: limit - 1] + "…"


def n_examples(n: int, noun: str = "example") -> str:
    """``1 example`` / ``3 examples``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def agree(n: int, plural: str) -> str:
    """The verb for ``n`` subjects: ``have`` → ``has``, ``repeat`` → ``repeats`` when n is 1."""
    if n != 1:
        return plural
    irregular = {"have": "has", "are": "is", "do": "does"}
    return irregular.get(plural, plural + "s")
