"""Checks & fixes: everything that would make a fine-tuning job fail or learn the wrong thing,
with one-click fixes that are previewed, recorded and undoable."""

from lib.shell.guard import guard

ctx = guard(title="Checks & fixes")

from lib.checks.ui.screen import render_screen  # noqa: E402 - the guard runs first

render_screen(ctx.engine, ctx.actor)
