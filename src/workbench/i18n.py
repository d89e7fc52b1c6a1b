"""Labels in the stakeholder's language (``params.language``: ``en`` or ``zh``).

``text("revenue", "zh")`` -> "收入". Unknown keys fall back to English, then to the key itself,
so a missing translation never breaks a report.
"""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "data_quality": {"en": "Data quality", "zh": "数据质量"},
    "rows_read": {"en": "Transactions read", "zh": "读入交易笔数"},
    "transactions": {"en": "Transactions kept", "zh": "保留交易笔数"},
    "customers": {"en": "Customers", "zh": "客户数"},
    "revenue": {"en": "Revenue", "zh": "收入"},
    "first_date": {"en": "First purchase", "zh": "最早交易日期"},
    "last_date": {"en": "Last purchase", "zh": "最晚交易日期"},
    "month": {"en": "Month", "zh": "月份"},
    "revenue_by_month": {"en": "Revenue by month", "zh": "月度收入"},
    "transactions_by_month": {"en": "Transactions by month", "zh": "月度交易笔数"},
    "purchases_per_customer": {"en": "Purchases per customer", "zh": "客户购买次数分布"},
    "number_of_purchases": {"en": "Number of purchases", "zh": "购买次数"},
    "share_of_customers": {"en": "Share of customers", "zh": "客户占比"},
    "share_of_revenue": {"en": "Share of revenue", "zh": "收入占比"},
    "lorenz_curve": {"en": "Revenue concentration (Lorenz curve)", "zh": "收入集中度（洛伦兹曲线）"},
    "equality": {"en": "Equal shares", "zh": "完全均等"},
    "top_share_revenue": {
        "en": "The top {top:.0%} of customers bring {share:.1%} of revenue (Gini {gini:.2f}).",
        "zh": "前 {top:.0%} 的客户贡献了 {share:.1%} 的收入（基尼系数 {gini:.2f}）。",
    },
    "metric": {"en": "Metric", "zh": "指标"},
    "value": {"en": "Value", "zh": "数值"},
    "customer": {"en": "Customer", "zh": "客户"},
}


def text(key: str, language: str = "en", **values: object) -> str:
    """The label ``key`` in ``language``, formatted with ``values``."""
    entry = TEXT.get(key, {})
    template = entry.get(language) or entry.get("en") or key
    return template.format(**values) if values else template


def labelled(data, language: str = "en"):
    """A copy of a Series/DataFrame whose index labels are translated with :func:`text`."""
    return data.rename(index=lambda key: text(str(key), language))
