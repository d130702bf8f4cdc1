"""School locations and geocoding: assets (assets.py) and their checks (checks.py)."""
