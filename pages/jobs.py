"""Jobs & models (not available yet)."""

from lib.ui.guard import guard
from lib.ui.widgets import not_available_yet

guard(title="Jobs & models")
not_available_yet("Jobs & models", "Watching jobs and managing models arrive with the training work.")
