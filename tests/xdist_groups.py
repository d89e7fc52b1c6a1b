"""xdist groups for ``--dist loadgroup``: kept apart from conftest so that a check of them imports
nothing heavy."""

from __future__ import annotations

import pytest

#: Test modules that share the ``cdnow_reports`` runs: kept on one worker (``--dist loadgroup``).
REPORT_RUN_MODULES = {"test_e2e", "test_browser"}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One xdist group per test file (the modules that read ``cdnow_reports`` together), so that
    ``--dist loadgroup`` runs each module-wide or session-wide fixture on one worker only."""
    for item in items:
        stem = item.path.stem
        item.add_marker(pytest.mark.xdist_group("cdnow_reports" if stem in REPORT_RUN_MODULES else stem))
