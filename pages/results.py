"""Results: metrics side by side, confusion matrices, probabilities, calibration, suspicious
examples, generation side by side and blind votes, run comparison and report export."""

from lib.shell.guard import guard

ctx = guard(title="Results")

from lib.evaluate.ui.results_screen import render_results_screen  # noqa: E402 - guard first

render_results_screen(ctx.engine, ctx.actor)
