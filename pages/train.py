"""Fine-tune (not available yet)."""

from lib.ui.guard import guard
from lib.ui.widgets import not_available_yet

guard(title="Fine-tune")
not_available_yet("Fine-tune", "Launching fine-tuning jobs arrives with the training work.")
