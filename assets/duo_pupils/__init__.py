"""DUO pupils per vestiging ("01. leerlingen vo per vestiging naar onderwijstype"), one peiljaar partition each: assets (assets.py) and their checks (checks.py)."""
