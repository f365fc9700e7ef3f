"""Tunelab: the navigation. Each page runs the shared guard (config, store, login, sidebar)
itself as its first line, because Streamlit may run a page file without this one (design.md §3)."""

import streamlit as st

PAGES = {
    "Data": [
        st.Page("pages/datasets.py", title="Datasets", icon=":material/table_view:", default=True),
        st.Page("pages/review.py", title="Review", icon=":material/rate_review:"),
        st.Page("pages/checks.py", title="Checks & fixes", icon=":material/fact_check:"),
        st.Page("pages/snapshots.py", title="Snapshots & export", icon=":material/call_split:"),
        st.Page("pages/synthetic.py", title="Synthetic data", icon=":material/auto_awesome:"),
    ],
    "Train": [
        st.Page("pages/train.py", title="Fine-tune", icon=":material/model_training:"),
        st.Page("pages/jobs.py", title="Jobs & models", icon=":material/work_history:"),
        st.Page("pages/migrate.py", title="Move a fine-tuned model", icon=":material/move_up:"),
        st.Page("pages/providers.py", title="Providers & settings", icon=":material/settings:"),
    ],
    "Evaluate": [
        st.Page("pages/evaluate.py", title="Run evaluation", icon=":material/play_circle:"),
        st.Page("pages/results.py", title="Results", icon=":material/monitoring:"),
    ],
    "Team": [
        st.Page("pages/queue.py", title="My queue", icon=":material/checklist:"),
        st.Page("pages/team.py", title="Team", icon=":material/group:"),
        st.Page("pages/activity.py", title="Activity", icon=":material/history:"),
    ],
}

# Set before the navigation so that the favicon is this one, not a page's Material icon
# (Streamlit fetches those from the internet; Tunelab runs offline).
st.set_page_config(page_title="Tunelab", page_icon="🎛️", layout="wide")
st.navigation(PAGES).run()
