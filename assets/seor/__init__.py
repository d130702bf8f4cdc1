"""SEOR 2023 initiative selection and campus analysis:
the domain in one folder: README.md, inventory.py (with mapping.py, canonical.py), assets.py, checks.py, sql/, config/, tables.yaml."""
