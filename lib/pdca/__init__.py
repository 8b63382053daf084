"""PDCA page domain: the quarter plan, ledger, retrospective, review pack, and one ui.py."""
