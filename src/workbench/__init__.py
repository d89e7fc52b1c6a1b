"""workbench: customer segmentation and tiering research workbench.

Ideas live in one module each: ``workbench.data`` (loading, cleaning, bundled and synthetic
data), ``workbench.summary`` (per-customer RFM summary), ``workbench.segment`` (segmenters),
``workbench.models`` (CLV and churn models), ``workbench.report`` (papermill runner, HTML
rendering, run registry) and ``workbench.cli`` (the ``workbench`` command).
"""

__version__ = "0.1.0"
