"""Fine-tune: pick a snapshot, a provider and a model; review checks and cost; launch once."""

from lib.shell.guard import guard

ctx = guard(title="Fine-tune")

from lib.train.ui.launch import render_launch  # noqa: E402 - the guard runs first

render_launch(ctx.engine, ctx.actor)
