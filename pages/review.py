"""Review: inspect, edit, approve and label examples, with history and no lost edits."""

from lib.shell.guard import guard

ctx = guard(title="Review")

from lib.review.ui.page import render_review  # noqa: E402 - the guard runs first

render_review(ctx)
