"""Files that appear whole or not at all: every report, manifest, export and key is written here.

:func:`atomic_path` yields a temporary name next to the target; the caller writes it, and only
when that succeeds is it renamed over the target (``os.replace``, atomic on one filesystem). On
any failure (a full disk, an exception in the writer) the temporary file is removed, so no
truncated CSV or 0-byte report is ever left where a reader looks. :func:`create_once` publishes a
file only if none exists yet (a hard link), so concurrent first writers agree on one content.
:func:`write_csv` writes spreadsheet-bound tables: atomically, UTF-8 with a byte-order mark (so
Excel shows Chinese), and with formula cells neutralised (:func:`neutralise_formulas`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import DataError


@contextlib.contextmanager
def atomic_path(path: str | Path, *, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed to ``path`` when the block succeeds, else removed.
    ``mode`` sets the file's permissions (default 0o644)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _fsync(tmp)
        os.chmod(tmp, 0o644 if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8", mode: int | None = None) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path, mode=mode) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)


def write_with(path: str | Path, writer: Callable[[Path], object], *, mode: int | None = None) -> Path:
    """Call ``writer(tmp_path)`` (e.g. ``frame.to_csv``) and publish the result atomically."""
    with atomic_path(path, mode=mode) as tmp:
        writer(tmp)
    return Path(path)


def create_once(path: str | Path, content: bytes, *, mode: int = 0o600) -> bool:
    """Publish ``content`` at ``path`` unless a file is already there; True if this call created it.

    The content is written and synced under a temporary name first and then hard-linked to
    ``path``, which fails if ``path`` exists: a concurrent reader sees no file or the whole file,
    never an empty one, and all racing callers end up reading the same content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, mode)
        try:
            os.link(name, path)
        except FileExistsError:
            return False
        except OSError as exc:  # a filesystem without hard links: exclusive create, then rename
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            if path.exists():
                return False
            os.replace(name, path)
        return True
    finally:
        Path(name).unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells starting with ``= + - @``, a tab or a carriage return
    get a leading apostrophe (``'=HYPERLINK(...)``), so a spreadsheet shows them as text instead of
    running them. Numbers are unchanged: numeric columns, and text that is a plain number (``-12.5``)."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
                or isinstance(column.dtype, pd.CategoricalDtype)):
            continue
        out[name] = _neutral_values(column)
    if isinstance(out.index, pd.MultiIndex) or not pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.map(_neutral_cell)
    return out


def _neutral_values(column: pd.Series) -> np.ndarray:
    """:func:`_neutral_cell` of every cell, computed once per distinct value (a tier's playbook
    text repeats for all its customers); missing cells stay as they are."""
    values = column.astype(object).to_numpy(copy=True)
    codes, uniques = pd.factorize(values)
    known = codes >= 0
    values[known] = np.asarray([_neutral_cell(v) for v in uniques], dtype=object)[codes[known]]
    return values


def _neutral_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """A spreadsheet-bound CSV: formula cells neutralised, UTF-8 with BOM, written atomically."""
    safe = neutralise_formulas(frame)
    return write_with(path, lambda tmp: safe.to_csv(tmp, index=index, encoding="utf-8-sig"))


def regular_file(path: str | Path, name: str | None = None) -> Path:
    """``path`` if it is a regular file; a DataError naming what it is otherwise (missing, a
    folder, a FIFO, a device such as /dev/zero), checked without opening it, so nothing hangs."""
    path = Path(path)
    name = name or path.name
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DataError(f"{name}: file not found") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISREG(mode):
        return path
    kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "not a regular file")
    raise DataError(f"{name}: is {kind}, expected a data file (CSV/TSV/TXT, Parquet or Excel)")
