"""Activity: who did what and when (admins)."""

from lib.shell.guard import guard

ctx = guard(title="Activity")

from lib.access.ui.activity import render_activity  # noqa: E402 - the guard runs first

render_activity(ctx.engine, ctx.actor)
