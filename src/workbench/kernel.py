"""The ``workbench`` Jupyter kernel that ``make`` installs into the virtual environment and the
runner pins (``python -m workbench.kernel PREFIX`` installs it).

It is ipykernel's own kernel with one change: the kernel application logs errors only, not
ipykernel 7's warning on every start that its channel to the local client is plain TCP (every
papermill-run kernel's is), which would otherwise fill each scheduled run's log. Warnings raised
by notebook code are unaffected: they go to the notebook's outputs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

KERNEL_NAME = "workbench"
#: Added to the kernel's command line.
QUIET = "--IPKernelApp.log_level=ERROR"


def install_kernel(prefix: str) -> Path:
    """Install (or refresh) the ``workbench`` kernelspec under ``prefix``; returns its folder."""
    from ipykernel.kernelspec import install

    folder = Path(install(kernel_name=KERNEL_NAME, display_name="Python 3 (workbench)", prefix=prefix))
    spec = json.loads((folder / "kernel.json").read_text(encoding="utf-8"))
    if QUIET not in spec["argv"]:
        spec["argv"].append(QUIET)
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return folder


if __name__ == "__main__":
    install_kernel(sys.argv[1])
