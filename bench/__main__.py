"""`python -m bench`: see bench/run.py and docs/BENCHMARKS.md."""
import sys

from bench.run import main

sys.exit(main())
