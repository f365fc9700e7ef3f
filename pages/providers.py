"""Providers & settings: where models are trained and served, and other editable tables."""

from lib.shell.guard import guard

ctx = guard(title="Providers & settings")

from lib.providers.ui.settings import render_settings  # noqa: E402 - the guard runs first

render_settings(ctx.engine, ctx.actor)
