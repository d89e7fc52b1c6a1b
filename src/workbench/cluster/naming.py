"""Clusters named in plain words from their profile: "frequent, recent, high spend" / 高频、近期、高消费.

A numeric column describes a cluster when the cluster's mean percentile rank in it is far from the
middle (|mean rank - 0.5| >= 0.15: ranks, so a few very large spenders do not decide); an
attribute does when one value holds at least half of the cluster and 20 points more than of all
customers ("mostly enterprise" / 以enterprise为主; its strength is half that lift, on the scale of
a rank gap). The three strongest descriptions make the
name, in a fixed order (frequency, recency, spend, ..., attributes); a cluster with none is
"typical" / 中等, and repeated names get a number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.segment.base import Label

#: column -> ((en, zh) when high, (en, zh) when low), in the order names list them.
WORDS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "frequency": (("frequent", "高频"), ("infrequent", "低频")),
    "n_transactions": (("frequent", "高频"), ("infrequent", "低频")),
    "since_last": (("lapsed", "久未购买"), ("recent", "近期")),
    "spend_per_purchase": (("high spend", "高消费"), ("low spend", "低消费")),
    "monetary_value": (("high spend", "高消费"), ("low spend", "低消费")),
    "revenue": (("high revenue", "高收入"), ("low revenue", "低收入")),
    "T": (("long-standing", "老客户"), ("new", "新客户")),
    "clv": (("high CLV", "高终身价值"), ("low CLV", "低终身价值")),
    "p_alive": (("likely active", "大概率活跃"), ("likely lapsed", "大概率流失")),
    "churn_risk": (("churn-prone", "高流失风险"), ("churn-safe", "低流失风险")),
}
RANK_GAP = 0.15
SHARE_MIN, SHARE_LIFT = 0.5, 0.2
MAX_WORDS = 3


def describe(profile: pd.DataFrame, labels: np.ndarray, numeric: list[str], categorical: list[str],
             n_clusters: int) -> list[Label]:
    """One label per cluster 0..n_clusters-1 of ``labels`` (rows of ``profile``, -1 = none)."""
    ranks = {c: profile[c].rank(pct=True).to_numpy() for c in numeric}
    order = list(dict.fromkeys([c for c in WORDS if c in numeric] + numeric))
    names: list[Label] = []
    for c in range(n_clusters):
        member = labels == c
        found: list[tuple[float, int, tuple[str, str]]] = []
        for pos, col in enumerate(order):
            gap = float(ranks[col][member].mean() - 0.5) if member.any() else 0.0
            if abs(gap) >= RANK_GAP:
                high, low = WORDS.get(col, ((f"high {col}", f"{col}高"), (f"low {col}", f"{col}低")))
                found.append((abs(gap), pos, high if gap > 0 else low))
        for pos, col in enumerate(categorical, start=len(order)):
            values = profile[col].astype(object).where(profile[col].notna(), "unknown")
            inside = values[member].value_counts(normalize=True)
            if len(inside):
                top, share = inside.index[0], float(inside.iloc[0])
                lift = share - float((values == top).mean())
                if share >= SHARE_MIN and lift >= SHARE_LIFT:  # half the lift: on the scale of a rank gap
                    found.append((lift / 2, pos, (f"mostly {top}", f"以{top}为主")))
        chosen = sorted(sorted(found, reverse=True)[:MAX_WORDS], key=lambda f: f[1])
        if chosen:
            names.append(Label(en=", ".join(w[2][0] for w in chosen), zh="、".join(w[2][1] for w in chosen)))
        else:
            names.append(Label(en="typical", zh="中等"))
    return _distinct(names)


def _distinct(names: list[Label]) -> list[Label]:
    """Names made distinct in both languages: a repeated one gets a number, "(2)", "（2）"."""
    used_en, used_zh = set(), set()
    out = []
    for name in names:
        candidate, count = name, 1
        while candidate.en in used_en or candidate.zh in used_zh:
            count += 1
            candidate = Label(en=f"{name.en} ({count})", zh=f"{name.zh}（{count}）")
        used_en.add(candidate.en)
        used_zh.add(candidate.zh)
        out.append(candidate)
    return out
