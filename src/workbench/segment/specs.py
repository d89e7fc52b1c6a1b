"""Pieces the tier-scheme specs share: one tier of a ladder (:class:`TierSpec`) and its checks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from workbench.segment.base import KeyedParamsError, LabelLike, check_ladder, check_shares


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TierSpec(Strict):
    """One tier of a scheme: its label and, depending on the kind, ``min``, ``max`` or ``share``."""

    label: LabelLike
    min: float | None = None
    max: float | None = None
    share: float | None = None


def allow_keys(tiers: list[TierSpec], allowed: set[str], kind: str) -> None:
    for i, tier in enumerate(tiers):
        for key in ("min", "max", "share"):
            if getattr(tier, key) is not None and key not in allowed:
                raise KeyedParamsError(f"tiers[{i}].{key}", f"not used by kind {kind} (use {' or '.join(sorted(allowed))})")


def ladder(tiers: list[TierSpec], bound: str, kind: str) -> list[float]:
    """Bounds of all tiers but the last (which takes the rest), checked and in order."""
    if len(tiers) < 2:
        raise KeyedParamsError("tiers", f"give at least two tiers, got {len(tiers)}")
    for i, tier in enumerate(tiers[:-1]):
        if getattr(tier, bound) is None:
            raise KeyedParamsError(f"tiers[{i}].{bound}", f"missing: every tier but the last needs {bound}")
    if getattr(tiers[-1], bound) is not None:
        raise KeyedParamsError(
            f"tiers[{len(tiers) - 1}].{bound}",
            f"the last tier takes everyone left, so it has no {bound}; remove it or add a tier below",
        )
    values = [getattr(t, bound) for t in tiers[:-1]]
    try:
        check_ladder(values, decreasing=bound == "min", key="tiers")
    except KeyedParamsError as exc:
        raise KeyedParamsError(f"{exc.key}.{bound}", exc.detail) from None
    return values


def tier_shares(tiers: list[TierSpec]) -> list[float]:
    for i, tier in enumerate(tiers):
        if tier.share is None:
            raise KeyedParamsError(f"tiers[{i}].share", "missing: every tier needs a share")
    shares = [t.share for t in tiers]
    try:
        check_shares(shares, key="tiers")
    except KeyedParamsError as exc:
        raise KeyedParamsError(f"{exc.key}.share" if "[" in exc.key else exc.key, exc.detail) from None
    return shares
