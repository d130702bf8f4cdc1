"""`python -m pipeline.cli …` runs `sto …`."""

from pipeline.cli import main

raise SystemExit(main())
