"""``compare:`` in a scenario: which schemes take part in the method comparison, how stability
is measured, the migration snapshots and which method the export uses. The compare layer owns
this section; :mod:`workbench.config` assembles it."""

from __future__ import annotations

from pydantic import Field

from workbench.data.params import Strict


class CompareParams(Strict):
    """Settings of the method comparison."""

    schemes: list[str] = Field(default_factory=list, description="schemes of tiers.schemes compared; empty = every "
                                                                  "scheme, plus the default clustering when none clusters")
    bootstrap: int = Field(10, ge=0, le=200, description="bootstrap refits per scheme for its stability (0 = none)")
    shift_months: int = Field(3, ge=0, le=60, description="time-shift stability: tiers refitted this many months "
                                                         "before the calibration end (0 = none)")
    snapshot_months: int = Field(3, ge=1, le=24, description="migration: months between tier snapshots")
    snapshots: int = Field(4, ge=2, le=24, description="migration: number of snapshots, the last at the observation end")
    migration_schemes: list[str] = Field(default_factory=list, description="schemes whose migration is shown; "
                                                                           "empty = the recommended one")
    choose: str | None = Field(None, description="scheme exported for the CRM; empty = the best overall on the scorecard")
    seed: int = Field(20261201, description="seed of the bootstrap draws")
