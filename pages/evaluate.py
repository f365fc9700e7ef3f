"""Run evaluation: a test set × base and fine-tuned models, with progress, cancel and resume."""

from lib.shell.guard import guard

ctx = guard(title="Run evaluation")

from lib.evaluate.ui.run import render_run_screen  # noqa: E402 - the guard runs first

render_run_screen(ctx.engine, ctx.actor)
