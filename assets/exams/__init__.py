"""DUO exam candidates and passes (both published layouts):
the domain in one folder: README.md, parser.py, assets.py, checks.py, sql/, tables.yaml."""
