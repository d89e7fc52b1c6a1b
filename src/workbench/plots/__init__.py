"""Free plot functions ``plot_x(data, ..., ax=None) -> Axes``, one module per domain.

``workbench.plots.style`` sets the report look and a CJK-capable font so Chinese labels render.
"""
