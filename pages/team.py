"""Team: roles, reviewers' datasets and review queues (admins)."""

from lib.shell.guard import configured_admins, guard

ctx = guard(title="Team")

from lib.access.ui.team import render_team  # noqa: E402 - the guard runs first

render_team(ctx.engine, ctx.actor, admins=configured_admins())
