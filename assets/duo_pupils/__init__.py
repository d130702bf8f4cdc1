"""DUO pupils per vestiging ("01. leerlingen vo per vestiging naar onderwijstype"), one peiljaar partition each:
the domain in one folder: README.md, parser.py, assets.py, checks.py, sql/, config/, tables.yaml."""
