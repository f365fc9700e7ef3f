"""Synthetic data: generate training examples from a template and lists of values."""

from lib.shell.guard import guard

ctx = guard(title="Synthetic data")

from lib.synth.ui.run import render_screen  # noqa: E402 - the guard runs first

render_screen(ctx.engine, ctx.actor)
