"""STO / Techniekpact monitoring and the programme targets, statements and forecasts:
the domain in one folder: README.md, inputs.py, targets.py, assets.py, checks.py, sql/, config/, tables.yaml."""
