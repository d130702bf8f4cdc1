"""`python -m pipeline.cli …` runs `sto …`."""

from pipeline.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
