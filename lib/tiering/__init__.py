"""Tiering page domain: tiers, health, churn, compliance, and one ui.py of Streamlit helpers."""
