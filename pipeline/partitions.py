"""Peiljaar partitions shared by every yearly DUO asset."""

from __future__ import annotations

import dagster as dg

from pipeline.config import default_config

PEILJAAR = dg.StaticPartitionsDefinition([str(y) for y in default_config().peiljaren])
