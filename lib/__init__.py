"""Tunelab: prepare, review and evaluate data for fine-tuning language models."""

__version__ = "0.1.0"
