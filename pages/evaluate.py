"""Run evaluation (not available yet)."""

from lib.ui.guard import guard
from lib.ui.widgets import not_available_yet

guard(title="Run evaluation")
not_available_yet("Run evaluation", "Evaluating base against fine-tuned models arrives with the evaluation work.")
