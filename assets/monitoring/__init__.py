"""STO / Techniekpact monitoring: assets (assets.py) and their checks (checks.py)."""
