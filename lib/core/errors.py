"""Errors meant for people: each carries what a user needs to find and fix the problem."""

from __future__ import annotations


class UserError(Exception):
    """An error whose message is shown to the user as is (CLI: ``error: …``, app: ``st.error``)."""

    exit_code = 2


class ReadError(UserError):
    """A file that cannot be read, with the file name, optional line/row and the reason."""

    def __init__(self, file: str, reason: str, *, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.reason = reason
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {reason}")


class StaleVersionError(UserError):
    """Someone else saved the example after it was read; carries both versions to merge."""

    def __init__(self, example_id: int, *, expected: int, current: int, theirs: dict) -> None:
        self.example_id = example_id
        self.expected = expected
        self.current = current
        self.theirs = theirs
        super().__init__(
            f"example {example_id} was changed by someone else (you read version {expected}, "
            f"it is now version {current}); nothing was saved"
        )


class NotFoundError(UserError):
    """A dataset, example, snapshot or other record that does not exist (any more)."""
