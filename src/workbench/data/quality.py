"""Data-quality facts of a transaction log: size, time span, activity, revenue concentration."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from workbench.engine import as_table, run


def overview(transactions: pd.DataFrame | ibis.Table, rows_read: int | None = None) -> pd.Series:
    """Rows read and kept, customers, first and last date, total revenue: one engine aggregate,
    so a lazy source is counted where it lives."""
    t = as_table(transactions)
    money = {"revenue": t.amount.sum()} if "amount" in t.columns else {}
    row = run(t.aggregate(n=t.count(), customers=t.customer_id.nunique(), first=t.timestamp.min(),
                          last=t.timestamp.max(), **money)).iloc[0]
    n = int(row["n"])
    return pd.Series(
        {
            "rows_read": n if rows_read is None else rows_read,
            "transactions": n,
            "customers": int(row["customers"]),
            "first_date": pd.Timestamp(row["first"]).date() if n else None,
            "last_date": pd.Timestamp(row["last"]).date() if n else None,
            **({"revenue": float(row["revenue"]) if n else 0.0} if money else {}),
        }
    )


def monthly(transactions: pd.DataFrame | ibis.Table) -> pd.DataFrame:
    """Transactions, active customers and revenue (when there are amounts) per calendar month
    (months without any: zeros); one engine aggregate."""
    t = as_table(transactions)
    t = t.mutate(month=t.timestamp.truncate("M"))
    money = {"revenue": t.amount.sum()} if "amount" in t.columns else {}
    out = run(t.group_by("month").aggregate(transactions=t.count(), customers=t.customer_id.nunique(), **money))
    out.index = pd.PeriodIndex(pd.to_datetime(out.pop("month")), freq="M", name="month")
    out = out.sort_index().astype({"transactions": "int64", "customers": "int64"})
    if len(out):
        out = out.reindex(pd.period_range(out.index.min(), out.index.max(), freq="M", name="month"), fill_value=0)
    return out


def purchases_per_customer(transactions: pd.DataFrame | ibis.Table, cap: int = 10) -> pd.Series:
    """Number of customers by number of purchase rows, the last bin holding ``cap`` or more."""
    t = as_table(transactions)
    per = t.group_by("customer_id").aggregate(n=t.count())
    per = per.mutate(bin=ibis.least(per.n, cap))
    counts = run(per.group_by("bin").aggregate(customers=per.count())).set_index("bin")["customers"].sort_index()
    counts.index = [f"{i}+" if i == cap else str(i) for i in counts.index]
    return counts.astype("int64").rename("customers")


def lorenz_curve(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative share of customers (ascending by value) and of the value total, both from 0 to 1."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    total = v.sum()
    x = np.arange(len(v) + 1) / max(len(v), 1)
    y = np.concatenate([[0.0], np.cumsum(v) / total]) if total > 0 else x.copy()
    return x, y


def gini(values: pd.Series | np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, towards 1 = concentrated)."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    n = len(v)
    if n == 0 or v.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * v).sum()) / (n * v.sum()) - (n + 1) / n)


def top_share(values: pd.Series | np.ndarray, share: float = 0.2) -> float:
    """Fraction of the total held by the top ``share`` of customers (rounded up to whole customers)."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))[::-1]
    if len(v) == 0 or v.sum() == 0:
        return 0.0
    k = int(np.ceil(share * len(v)))
    return float(v[:k].sum() / v.sum())


def issue_counts(issues: pd.DataFrame) -> dict[str, int]:
    """Rows concerned per data check that found something (``{"exact_duplicates": 255, ...}``)."""
    found = issues[(issues["rows"] > 0) & ~issues["step"].isin(["read", "result", "columns"])]
    return {str(step): int(rows) for step, rows in zip(found["step"], found["rows"])}


#: What each data check does, for reports in Chinese (the log's own details are English).
CHECKS_ZH: dict[str, tuple[str, str]] = {
    "read": ("读取", "读入的数据行"),
    "columns": ("字段映射", "合同字段与源文件字段的对应关系"),
    "blank_rows": ("空行", "所有使用字段均为空的行（已删除）"),
    "missing_customer_id": ("客户编号缺失", "客户编号为空的行"),
    "duplicate_customer_id": ("客户编号重复", "同一客户编号出现在多行（发现即报错）"),
    "id_spaces": ("客户编号首尾空格", "去掉客户编号首尾空格；仅空格不同的编号视为同一客户"),
    "missing_timestamp": ("日期缺失", "日期为空的行"),
    "out_of_range_timestamp": ("日期超出范围", "日期超出可处理范围（1677-09-21 至 2262-04-11）的行"),
    "invalid_timestamp": ("日期无法识别", "日期无法读取的行"),
    "date_format": ("日期格式", "识别出的日期格式"),
    "timezone": ("时区", "带时区的时间按当地时间保留或按设定转换"),
    "missing_amount": ("金额缺失", "金额为空的行"),
    "invalid_amount": ("金额无法识别", "金额不是数字的行"),
    "amount": ("金额", "没有金额字段：只统计购买次数（跳过金额检查、收入与客单价）"),
    "amount_text": ("金额文本", "含货币符号、千位分隔符或括号的金额已转换为数字"),
    "invalid_quantity": ("数量无法识别", "数量不是数字的行"),
    "after_observation_end": ("观察期之后", "日期晚于观察期结束日的交易"),
    "exact_duplicates": ("完全重复行", "与前面某行完全相同的行"),
    "order_lines": ("订单明细", "同一订单的多行明细"),
    "order_conflicts": ("订单冲突", "同一订单编号对应不同客户或日期"),
    "returns": ("退货（负金额）", "负金额按所设策略处理（订单内冲抵、删除或保留）"),
    "zero_amounts": ("零金额", "金额恰好为 0 的交易"),
    "outliers": ("异常大额", "远高于其他金额的交易（按对数金额的四分位距判定）"),
    "result": ("结果", "清洗后保留的交易、客户与日期范围"),
    "matched": ("已匹配", "有属性数据的客户"),
    "customers_without_attributes": ("无属性的客户", "没有属性数据的客户（属性记为 unknown）"),
    "attributes_without_transactions": ("无交易的属性行", "在汇总中没有交易的客户属性行（已删除）"),
}
ACTIONS_ZH = {"none": "无", "dropped": "已删除", "kept": "保留", "flagged": "已标记", "merged": "已合并",
              "stripped": "已去除", "parsed": "已转换", "converted": "已转换", "skipped": "未检查",
              "zone dropped": "去掉时区", "filled": "已填充", "error": "报错"}


def check_name(step: str, language: str = "en") -> str:
    """A data check's name as a report in ``language`` shows it."""
    if language != "zh":
        return step
    if step in CHECKS_ZH:
        return CHECKS_ZH[step][0]
    if step.endswith("_format"):  # a date column of the customer attributes
        return f"{step[: -len('_format')]} 日期格式"
    return step


def _detail_zh(step: str, detail: str) -> str:
    if step in CHECKS_ZH:
        return CHECKS_ZH[step][1]
    return "识别出的日期格式" if step.endswith("_format") else detail


def issues_table(issues: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The data checks as a report shows them: in Chinese, check names, actions and details are
    translated (the counts are the same); in English the log's own details are kept."""
    out = issues.drop(columns=["examples"], errors="ignore").copy()
    if language != "zh":
        return out
    if "detail" in out.columns and "step" in out.columns:
        out["detail"] = [_detail_zh(step, detail) for step, detail in zip(out["step"], out["detail"])]
    if "step" in out.columns:
        out["step"] = [check_name(step, language) for step in out["step"]]
    if "action" in out.columns:
        out["action"] = [ACTIONS_ZH.get(a, a) for a in out["action"]]
    return out
