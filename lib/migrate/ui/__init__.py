"""Widgets of the screen Train → "Move a fine-tuned model"."""
