"""Calibration and evaluator reliability (scoring.md §6; docs/calibration.md).

Public API (each returns a pandas DataFrame; ``ruleset_id`` from
:func:`scorecard.scoring.resolve_ruleset_id`)::

    calibration_table(con, rid, period=None, date_from=None, date_to=None)
        # one row per (calibration interaction, rule): cli.md's ``calibration`` export
    evaluators_table(con, rid, period=None)
        # one row per evaluator: volume, leniency with its interval, calibration deviations
    sample_size_guidance(con, rid, margin=5.0, confidence=0.95, period=None)
        # one row per (agent, month, competency): evaluations needed vs actual ("evidence")
    auto_vs_human_table(con, rid, period=None)
        # one row per rule: automatic vs human agreement where an interaction has both
    required_sample_size(margin, p=0.5, confidence=0.95) -> int
        # pure: observations for a ±margin Wilson interval of a pass rate
"""

from scorecard.calibration._auto import AUTO_COLUMNS, auto_vs_human_table
from scorecard.calibration._evaluators import EVALUATOR_COLUMNS, evaluators_table
from scorecard.calibration._evidence import EVIDENCE_COLUMNS, sample_size_guidance
from scorecard.calibration._sessions import CALIBRATION_COLUMNS, calibration_table
from scorecard.calibration._stats import required_sample_size, t_value, wilson_half_width, z_value

__all__ = [
    "AUTO_COLUMNS",
    "CALIBRATION_COLUMNS",
    "EVALUATOR_COLUMNS",
    "EVIDENCE_COLUMNS",
    "auto_vs_human_table",
    "calibration_table",
    "evaluators_table",
    "required_sample_size",
    "sample_size_guidance",
    "t_value",
    "wilson_half_width",
    "z_value",
]
