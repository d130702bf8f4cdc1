"""Domain constants shared by parsers and checks: written once here, imported everywhere else.

Why one place: the vestiging code pattern, the Dutch bounding box and the profile codes are rules of the
domain, not of one check; a check and the parser that feeds it must agree on them.
"""

# A DUO vestiging code: 2-digit + 2-character instelling code (BRIN), then a 2-digit vestiging number.
VESTIGING_CODE_PATTERN = r"^[0-9]{2}[A-Z0-9]{2}[0-9]{2}$"

# The Netherlands as (min, max) WGS84 degrees: every coordinate the pipeline publishes lies inside.
NL_LAT = (50.7, 53.6)
NL_LON = (3.3, 7.3)

# The ten vmbo profiles of the 2016 reform (core.vmbo_profile must hold each once).
PROFILE_CODES = ("BWI", "PIE", "M&T", "MaT", "MVI", "D&P", "Z&W", "E&O", "HBR", "GR")

# vmbo leerwegen (basis, kader, gemengde, theoretische leerweg).
LEERWEGEN = ("BB", "KB", "GL", "TL")

# Provinces as written in the DUO address file (Friesland in both spellings).
PROVINCES = (
    "Drenthe",
    "Flevoland",
    "Friesland",
    "Fryslân",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
)

# The twelve count columns of raw.duo_vo_students: leerjaar 1-6 × man/vrouw, kept as text ('<5' preserved).
COUNT_COLUMNS = tuple(f"lj{lj}_{s}" for lj in range(1, 7) for s in ("m", "v"))
