"""My queue: the examples assigned to the signed-in reviewer, with progress."""

from lib.shell.guard import guard

ctx = guard(title="My queue")

from lib.access.ui.queue import render_my_queue  # noqa: E402 - the guard runs first

render_my_queue(ctx.engine, ctx.actor)
