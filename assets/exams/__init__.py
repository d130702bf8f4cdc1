"""DUO exam candidates and passes (both published layouts): assets (assets.py) and their checks (checks.py)."""
