"""The review workspace's logic: filtered pages, edits, bulk actions, samples, agreement,
diffs and merges. Pure (no streamlit); pages/review.py and lib/ui/review_*.py render it."""
