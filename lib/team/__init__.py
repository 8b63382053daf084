"""Team page domain: scorecards, capability, mentoring, and one ui.py of Streamlit helpers."""
