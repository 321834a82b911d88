"""``python -m stockout_forecast.datasets OUT_DIR``: write the demo data as CSV files."""

import sys

from . import main

sys.exit(main())
