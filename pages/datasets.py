"""Datasets: import files (with preview, detection and column mapping) and manage datasets."""

from lib.shell.guard import guard

ctx = guard(title="Datasets")

from lib.datasets.ui.list import render_screen  # noqa: E402 - the guard runs first

render_screen(ctx.engine, ctx.actor)
