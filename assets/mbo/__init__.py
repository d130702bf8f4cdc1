"""The mbo domain: DUO mbo entrant and diploma files, their core tables (mbo-ingest) and the mbo marts (marts.py)."""
