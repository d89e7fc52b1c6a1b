"""Customer ids and who may see them: the pseudonym key, keyed pseudonyms, and ids in messages.

Every layer that shows a customer id (report tables, CRM exports, the examples in an error
message) goes through this module:

- :func:`id_key` is the secret of the pseudonyms: ``$WORKBENCH_ID_KEY`` or ``reports/.id-key``,
  made once, atomically, and refused when shorter than :data:`MIN_KEY_BYTES`;
- :func:`pseudonymise` turns ids into HMAC-SHA256 pseudonyms under a key;
- :func:`shown_ids` is how messages name customers: raw ids by default (an analyst's own
  session), keyed pseudonyms once :func:`hide_ids` is in force. A report run sets it from
  ``show_customer_ids``, so an error that reaches report.html, manifest.json or the executed
  notebook names customers the way the report's tables do.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from functools import lru_cache

from workbench.errors import ParamsError, WorkbenchError

#: Environment variable holding the secret key of pseudonyms (else a per-install key file is used).
KEY_ENV = "WORKBENCH_ID_KEY"
KEY_FILE = ".id-key"
#: Shortest secret accepted for pseudonyms: a shorter (or empty) key could be guessed by trying keys.
MIN_KEY_BYTES = 32
#: Prefix and length of the pseudonyms shown in reports and messages (``C-1a2b3c4d5e``).
PREFIX, LENGTH = "C-", 10


def id_key() -> str:
    """The secret key of pseudonyms: ``$WORKBENCH_ID_KEY``, else a random key created once in
    ``reports/.id-key`` (git-ignored, readable by the owner only). It is never written to a
    manifest or a report, so pseudonyms cannot be reversed by trying every possible id. The
    file appears whole or not at all (concurrent first runs agree on one key); a key shorter
    than :data:`MIN_KEY_BYTES` is refused with a :class:`~workbench.errors.ParamsError`."""
    if os.environ.get(KEY_ENV):
        return _checked_key(os.environ[KEY_ENV], f"${KEY_ENV}")
    from workbench.paths import reports_dir
    from workbench.files import create_once

    path = reports_dir() / KEY_FILE
    if not path.exists():
        try:
            create_once(path, secrets.token_hex(32).encode("ascii"))
        except OSError as exc:
            raise WorkbenchError(
                f"reports/{KEY_FILE}: cannot write the pseudonym key ({exc.strerror or exc}); free space, "
                f"make the reports folder writable, or set ${KEY_ENV}"
            ) from None
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamsError(f"reports/{KEY_FILE}: cannot read the pseudonym key ({exc}); set ${KEY_ENV} instead") from None
    return _checked_key(key, f"reports/{KEY_FILE}")


def _checked_key(key: str, where: str) -> str:
    size = len(key.encode("utf-8"))
    if size < MIN_KEY_BYTES:
        raise ParamsError(
            f"{where}: the pseudonym key has {size} bytes, at least {MIN_KEY_BYTES} are needed (a short key "
            f"makes pseudonyms reversible). Delete reports/{KEY_FILE} to have a new key made (pseudonyms then "
            f"change), or set ${KEY_ENV} to a long random secret, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return key


def pseudonymise(ids: Iterable[object], key: str | bytes, *, prefix: str = PREFIX, length: int = LENGTH) -> list[str]:
    """Stable pseudonyms (``C-1a2b3c4d5e``): HMAC-SHA256 of each id under ``key``, so whoever
    holds the key can link them back and nobody else can."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    return list(_keyed(secret, prefix, length, tuple(str(i) for i in ids)))


@lru_cache(maxsize=4)
def _keyed(secret: bytes, prefix: str, length: int, ids: tuple[str, ...]) -> tuple[str, ...]:
    """The pseudonyms of one id list under one key, computed once: a report exports the same
    customers once per tier scheme."""
    return tuple(prefix + hmac.new(secret, i.encode("utf-8"), hashlib.sha256).hexdigest()[:length] for i in ids)


#: None: messages show raw ids; a key: they show the report's pseudonyms under that key. A plain
#: process-wide setting (a kernel runs one report; context variables do not survive notebook cells).
_message_key: str | None = None


def hide_ids(hide: bool = True, key: str | None = None) -> None:
    """From now on (in this process), :func:`shown_ids` gives keyed pseudonyms (``hide=True``;
    ``key`` default :func:`id_key`) or raw ids (``hide=False``). Report runs call it with
    ``not params.show_customer_ids``."""
    global _message_key
    _message_key = (key or id_key()) if hide else None


def ids_hidden() -> bool:
    """True when messages show pseudonyms instead of raw ids."""
    return _message_key is not None


def shown_ids(ids: Iterable[object]) -> list[str]:
    """Customer ids as a message may show them: raw, or pseudonyms when :func:`hide_ids` is on."""
    key = _message_key
    ids = list(ids)
    return [str(i) for i in ids] if key is None else pseudonymise(ids, key)


def shown_id(value: object) -> str:
    """One id as a message may show it (see :func:`shown_ids`)."""
    return shown_ids([value])[0]


def shown_records(records: Iterable[dict], column: str = "customer_id") -> list[dict]:
    """Example rows (dicts) for a message, their ``column`` shown as :func:`shown_ids` says."""
    out = [dict(r) for r in records]
    if _message_key is not None:
        for row in out:
            if row.get(column) is not None:
                row[column] = shown_id(row[column])
    return out
