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
    "clv_models": {"en": "Customer lifetime value models", "zh": "客户终身价值模型"},
    "mean_revenue_holdout": {"en": "Mean holdout revenue", "zh": "验证期平均收入"},
    "mean_frequency_holdout": {"en": "Mean holdout purchases", "zh": "验证期平均购买次数"},
    "actual": {"en": "actual", "zh": "实际"},
    "model": {"en": "model", "zh": "模型"},
    "end_of_calibration": {"en": "end of calibration", "zh": "校准期结束"},
    "week": {"en": "week", "zh": "周"},
    "day": {"en": "day", "zh": "天"},
    "period": {"en": "period", "zh": "期"},
    "repeat_transactions": {"en": "repeat transactions", "zh": "复购笔数"},
    "cumulative_repeat_transactions": {"en": "cumulative repeat transactions", "zh": "累计复购笔数"},
    "tracking_cumulative": {"en": "Cumulative repeat transactions: actual vs model", "zh": "累计复购：实际与模型"},
    "tracking_per_period": {"en": "Repeat transactions per period: actual vs model", "zh": "每期复购：实际与模型"},
    "calibration_repeats": {"en": "repeat transactions in calibration", "zh": "校准期复购次数"},
    "mean_holdout_repeats": {"en": "mean repeat transactions in holdout", "zh": "验证期平均复购次数"},
    "conditional_expectations": {"en": "Conditional expectations", "zh": "条件期望"},
    "frequency_axis": {"en": "frequency (repeat transactions)", "zh": "频次（复购次数）"},
    "recency_axis": {"en": "recency (age at last purchase)", "zh": "最近购买时点（末次购买时的客户年龄）"},
    "p_alive_at_age": {"en": "P(alive) at age {age:.0f}", "zh": "存活概率（客户年龄 {age:.0f}）"},
    "expected_purchases_next": {"en": "Expected purchases in the next {span}", "zh": "未来 {span}的预期购买次数"},
    "weeks": {"en": "weeks", "zh": "周"},
    "days": {"en": "days", "zh": "天"},
    "time_units": {"en": "time units", "zh": "个时间单位"},
    "expected_purchases": {"en": "expected purchases", "zh": "预期购买次数"},
    "mean": {"en": "mean", "zh": "均值"},
    "median": {"en": "median", "zh": "中位数"},
    "clv_axis": {
        "en": "predicted CLV (values above the {q:.0%} quantile shown at {cap:,.0f})",
        "zh": "预测终身价值（高于 {q:.0%} 分位数的值显示为 {cap:,.0f}）",
    },
    "clv_distribution": {"en": "Distribution of predicted CLV", "zh": "预测终身价值分布"},
    "key_findings": {"en": "Key findings", "zh": "主要发现"},
    "finding_span": {
        "en": "{rows_read:,} transactions read ({transactions:,} kept) from {customers:,} customers, {first} to {last}.",
        "zh": "读入 {rows_read:,} 笔交易（保留 {transactions:,} 笔），共 {customers:,} 位客户，时间 {first} 至 {last}。",
    },
    "finding_issues": {"en": "Data checks found: {found} (see the table for what was done).",
                       "zh": "数据检查发现：{found}（处理方式见下表）。"},
    "finding_no_issues": {"en": "The data checks found no problem.", "zh": "数据检查未发现问题。"},
    "finding_schemes": {"en": "{n} tier schemes compared on the same {customers:,} customers.",
                        "zh": "在同一批 {customers:,} 位客户上比较了 {n} 种分级方案。"},
    "finding_top_tier": {
        "en": "{scheme}: the top tier \u201c{tier}\u201d holds {customers:.1%} of customers and {revenue:.1%} of revenue.",
        "zh": "{scheme}：最高层级\u201c{tier}\u201d占客户 {customers:.1%}，贡献收入 {revenue:.1%}。",
    },
    "finding_top_tier_counts": {
        "en": "{scheme}: the top tier \u201c{tier}\u201d holds {customers:.1%} of customers.",
        "zh": "{scheme}：最高层级\u201c{tier}\u201d占客户 {customers:.1%}。",
    },
    "no_amounts": {
        "en": "These transactions have no amounts (counts only): revenue, spend and value figures are left out, "
              "RFM scores use R and F (the score is scaled to the R+F+M range), and schemes that need money are not fitted.",
        "zh": "这些交易没有金额（只有购买次数）：收入、客单价与价值相关内容均省略，RFM 评分只用 R 和 F"
              "（总分按 R+F+M 的范围换算），需要金额的分级方案不拟合。",
    },
    "no_amounts_clv": {
        "en": "These transactions have no amounts (counts only): the transaction models below forecast purchases; "
              "the Gamma-Gamma spend model, CLV values and CLV tiers need amounts and are skipped.",
        "zh": "这些交易没有金额（只有购买次数）：下面的交易模型预测购买次数；Gamma-Gamma 客单价模型、终身价值及其分级需要金额，已跳过。",
    },
    "finding_best_model": {
        "en": "{model} forecasts holdout purchases best: mean absolute error {mae:.3f} per customer, against {naive:.3f} for each customer's past rate.",
        "zh": "{model} 对验证期购买的预测最准：每位客户平均绝对误差 {mae:.3f}，而按客户历史频率的朴素预测为 {naive:.3f}。",
    },
    "finding_ranking": {
        "en": "The top 10% of customers by predicted CLV brought {share:.1%} of holdout revenue (Gini {gini:.2f}).",
        "zh": "按预测终身价值排名前 10% 的客户贡献了验证期 {share:.1%} 的收入（基尼系数 {gini:.2f}）。",
    },
    "finding_clv_total": {"en": "Predicted {months}-month value of the customer base: {total:,.0f}.",
                          "zh": "客户群未来 {months} 个月的预测价值：{total:,.0f}。"},
    "rfm_tiers": {"en": "RFM scores and tier schemes", "zh": "RFM评分与客户分级方案"},
    "scheme": {"en": "Scheme", "zh": "分级方案"},
    "tiers": {"en": "Tiers", "zh": "层级数"},
    "top_tier": {"en": "Top tier", "zh": "最高层级"},
    "tier_profile": {"en": "Profile per tier", "zh": "各层级客户画像"},
    "playbook": {"en": "Playbook per tier", "zh": "各层级服务策略"},
    "share": {"en": "Share", "zh": "占比"},
    "tier_sizes": {"en": "Tier sizes", "zh": "层级规模"},
    "score_distribution": {"en": "RFM score distribution", "zh": "RFM评分分布"},
    "score": {"en": "Score", "zh": "评分"},
    "customer_share": {"en": "Share of customers", "zh": "客户占比"},
    "revenue_total": {"en": "Revenue", "zh": "收入合计"},
    "revenue_share": {"en": "Share of revenue", "zh": "收入占比"},
    "mean_since_last": {"en": "Mean time since last purchase", "zh": "平均距上次购买时长"},
    "mean_recency": {"en": "Mean recency", "zh": "平均最近购买时点"},
    "mean_frequency": {"en": "Mean repeat purchases", "zh": "平均复购次数"},
    "mean_monetary_value": {"en": "Mean spend per repeat purchase", "zh": "平均复购客单价"},
    "mean_revenue": {"en": "Mean revenue", "zh": "平均收入"},
    "mean_T": {"en": "Mean customer age", "zh": "平均客户年龄"},
    "top_customer_share": {"en": "Top tier: share of customers", "zh": "最高层级客户占比"},
    "top_revenue_share": {"en": "Top tier: share of revenue", "zh": "最高层级收入占比"},
    "service_level": {"en": "Service level", "zh": "服务等级"},
    "cadence": {"en": "Contact cadence", "zh": "联系频率"},
    "channel": {"en": "Channel", "zh": "渠道"},
    "owner": {"en": "Owner", "zh": "负责人"},
    "actions": {"en": "Actions", "zh": "行动"},
    "file": {"en": "File", "zh": "文件"},
    "step": {"en": "Check", "zh": "检查项"},
    "column": {"en": "Column", "zh": "字段"},
    "rows": {"en": "Rows", "zh": "行数"},
    "action": {"en": "Action", "zh": "处理"},
    "detail": {"en": "Detail", "zh": "说明"},
    "rf_heatmap": {"en": "Customers by R and F score", "zh": "按R、F评分的客户分布"},
    "clv_not_added": {"en": "Predicted CLV is not used by the schemes below: {reason}",
                      "zh": "下列分级方案未使用预测终身价值：{reason}"},
    "no_attributes": {"en": "No customer attributes in this scenario.", "zh": "本场景没有客户属性数据。"},
    "spend_correlation": {
        "en": "Correlation of frequency and mean spend among repeat customers: {corr:.3f} (Gamma-Gamma assumes they are independent).",
        "zh": "复购客户的购买频次与平均客单价的相关系数：{corr:.3f}（Gamma-Gamma 模型假设二者相互独立）。",
    },
    "best_model_used": {
        "en": "The matrices and CLV below use {name}, the model with the lowest holdout error.",
        "zh": "下面的矩阵和终身价值采用 {name}，即验证期误差最小的模型。",
    },
    "not_fitted": {"en": "not fitted: {reason}", "zh": "未能拟合：{reason}"},
    "finding_not_fitted": {"en": "{schemes}: not fitted on these data (see the scheme's section for why).",
                           "zh": "{schemes}：无法在这些数据上拟合（原因见该方案一节）。"},
}


def text(key: str, language: str = "en", **values: object) -> str:
    """The label ``key`` in ``language``, formatted with ``values``."""
    entry = TEXT.get(key, {})
    template = entry.get(language) or entry.get("en") or key
    return template.format(**values) if values else template


def labelled(data, language: str = "en"):
    """A copy of a Series/DataFrame whose index labels are translated with :func:`text`."""
    return data.rename(index=lambda key: text(str(key), language))
