"""Providers & settings (not available yet)."""

from lib.ui.guard import guard
from lib.ui.widgets import not_available_yet

guard(title="Providers & settings")
not_available_yet("Providers & settings", "Configuring OpenAI, Azure OpenAI and other providers arrives with the training work.")
