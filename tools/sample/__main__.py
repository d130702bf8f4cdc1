"""python -m tools.sample [--out DIR]: generate the synthetic sample (tools/sample/README.md)."""

from tools.sample.generate import main

raise SystemExit(main())
