"""Jobs & models: every fine-tuning job across providers, one job live, and fine-tuned models."""

from lib.shell.guard import guard

ctx = guard(title="Jobs & models")

from lib.train.ui.jobs import render_screen  # noqa: E402 - the guard runs first

render_screen(ctx.engine, ctx.actor)
