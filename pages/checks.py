"""Checks & fixes (not available yet)."""

from lib.ui.guard import guard
from lib.ui.widgets import not_available_yet

guard(title="Checks & fixes")
not_available_yet("Checks & fixes", "Format checks and one-click fixes arrive with the checks work.")
