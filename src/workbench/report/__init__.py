"""Reports: the papermill runner, HTML rendering, the run registry and notebook display helpers."""

from workbench.report.display import customer_table, heading, key_findings, pseudonymise, say, table
from workbench.report.metrics import record
from workbench.report.run import RunResult, available_notebooks, run_many, run_notebook

__all__ = [
    "RunResult", "available_notebooks", "customer_table", "heading", "key_findings", "pseudonymise", "record",
    "run_many", "run_notebook", "say", "table",
]
