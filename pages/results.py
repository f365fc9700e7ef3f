"""Results (not available yet)."""

from lib.ui.guard import guard
from lib.ui.widgets import not_available_yet

guard(title="Results")
not_available_yet("Results", "Confusion matrices, metrics and probability charts arrive with the evaluation work.")
