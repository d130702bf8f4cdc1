"""Coverage ("dekkend"): how far every vmbo B/K/G location, and so its pupils, is from the nearest location
offering a group of profiles (STO-hard, SEOR-hard, Techniekpact techniek, any technical profile, each single
profile, TL in sector Techniek), per peiljaar, per region and radius, under the SEOR offer rule and a
stricter intake rule; the locations without an STO-hard profile. See README.md.

Nearby small offer ("duurzaam", DU2): assets/coverage/nearby.py (marts.nearby_small_offer and its pair table,
config nearby.yaml)."""
