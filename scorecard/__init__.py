"""scorecard: contact-centre quality monitoring on rule files and DuckDB.

The pipeline reads left to right: importing -> store -> rules -> scoring -> reports ->
dashboard. Each sub-package exposes a small public API in its ``__init__``.
"""

__version__ = "0.1.0"
