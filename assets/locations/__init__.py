"""School locations, geocoding, campuses and map boundaries:
the domain in one folder: README.md, geo.py, assets.py, checks.py, sql/, config/, tables.yaml."""
