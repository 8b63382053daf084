"""Diagnosis page domain: logic modules and one ui.py of Streamlit helpers."""
