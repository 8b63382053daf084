"""Channels page domain: campaigns, A/B tests, bundles, and one ui.py of Streamlit helpers."""
