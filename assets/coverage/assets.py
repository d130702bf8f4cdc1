"""Coverage domain: its Dagster assets (found by pipeline/catalog.py through this module).

The nearby-small-offer assets live in assets/coverage/nearby.py and are re-exported here."""

from assets.coverage.nearby import (  # noqa: F401  the assets, loaded with this module
    mart_nearby_small_offer,
    mart_nearby_small_offer_pairs,
)
