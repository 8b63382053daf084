"""Metric layer: the registry (each metric and its SQL as data), computing it, plan / pace / status, and the metric cube (a store). Imports only lib.core."""
