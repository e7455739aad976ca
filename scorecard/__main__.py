"""``python -m scorecard`` is the same as the ``scorecard`` console script."""

from scorecard.cli import main

raise SystemExit(main())
