"""Snapshots & export: freeze train/valid/test splits, download them, estimate what training costs."""

from lib.shell.guard import guard

ctx = guard(title="Snapshots & export")

from lib.snapshots.ui.screen import render_screen  # noqa: E402 - the guard runs first

render_screen(ctx.engine, ctx.actor)
