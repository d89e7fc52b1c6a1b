"""Time units of summaries and models, in one table.

``"D"`` is days and ``"W"`` is days / 7, the convention of the BTYD papers' CDNOW tables (not
calendar weeks). Every layer reads :data:`DAYS_PER_UNIT` and checks a unit with :func:`days_per_unit`.
"""

from __future__ import annotations

from typing import Literal

from workbench.errors import ParamsError

TimeUnit = Literal["D", "W"]
#: Days per time unit.
DAYS_PER_UNIT: dict[str, int] = {"D": 1, "W": 7}


def days_per_unit(unit: object, who: str = "time_unit") -> int:
    """Days in one ``unit``; a ParamsError naming ``who`` for anything but ``"D"`` or ``"W"``."""
    if unit not in DAYS_PER_UNIT:
        raise ParamsError(f"{who}: time_unit must be one of {sorted(DAYS_PER_UNIT)} ('D' days, 'W' days / 7), got {unit!r}")
    return DAYS_PER_UNIT[unit]  # type: ignore[index]
