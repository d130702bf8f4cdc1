"""SEOR 2023 initiative selection: assets (assets.py) and their checks (checks.py)."""
