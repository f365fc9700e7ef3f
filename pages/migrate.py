"""Move a fine-tuned model: inventory, pull its data, record it, retrain elsewhere, compare."""

from lib.shell.guard import guard

ctx = guard(title="Move a fine-tuned model")

from lib.migrate.ui.screen import render_screen  # noqa: E402 - the guard runs first

render_screen(ctx.engine, ctx.actor)
