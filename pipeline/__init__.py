"""STO pipeline: DUO open data and initiative inventories to audited DuckDB monitoring marts."""

__version__ = "0.1.0"
