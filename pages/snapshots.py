"""Snapshots & export (not available yet)."""

from lib.ui.guard import guard
from lib.ui.widgets import not_available_yet

guard(title="Snapshots & export")
not_available_yet("Snapshots & export", "Freezing train/valid/test splits and exporting them arrive with the checks work.")
