"""Synthetic data (not available yet)."""

from lib.ui.guard import guard
from lib.ui.widgets import not_available_yet

guard(title="Synthetic data")
not_available_yet("Synthetic data", "Generating examples from templates arrives with the synthetic-data work.")
