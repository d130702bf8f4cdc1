"""Project paths, resolved once so every module agrees on where things live."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "pipeline" / "config"  # the platform's own configuration (pipeline.yaml)
DOMAINS_DIR = PROJECT_ROOT / "assets"  # one folder per domain: config/*.yaml, sql/*.sql, tables.yaml (ARCHITECTURE.md)
SQL_DIR = PROJECT_ROOT / "sql"  # SQL shared by several domains (place_key.sql) and the data dictionary index
DATA_RAW = PROJECT_ROOT / "data_raw"
SAMPLE_DIR = DATA_RAW / "sample"
DOWNLOAD_DIR = DATA_RAW / "downloads"
DATA_OUT = PROJECT_ROOT / "data_out"
