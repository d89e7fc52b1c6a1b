"""Where things are: the project folder and its params, notebooks and reports folders.

The project folder is ``$WORKBENCH_HOME``, else the nearest parent of the working directory that
holds ``params/`` and ``notebooks/``, else the checkout the package was installed from. Every
layer asks here, so the folders are anchored in one place.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable that points at the project folder when it cannot be found from the cwd.
HOME_ENV = "WORKBENCH_HOME"


def project_root() -> Path:
    """The project folder: ``$WORKBENCH_HOME``, else the nearest parent of the cwd holding
    ``params/`` and ``notebooks/``, else the checkout the package was installed from."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "params").is_dir() and (folder / "notebooks").is_dir():
            return folder
    return Path(__file__).resolve().parents[2]


def params_dir() -> Path:
    return project_root() / "params"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def reports_dir() -> Path:
    return project_root() / "reports"
