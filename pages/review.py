"""Review (not available yet)."""

from lib.ui.guard import guard
from lib.ui.widgets import not_available_yet

guard(title="Review")
not_available_yet("Review", "Reviewing, editing and approving examples arrives with the review workspace.")
