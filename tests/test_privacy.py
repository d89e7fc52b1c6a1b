"""The pseudonym key is whole or refused, and messages name customers as the report does."""

from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path

import pandas as pd
import pytest

from workbench import privacy
from workbench.errors import DataError, ParamsError, WorkbenchError
from workbench.privacy import KEY_ENV, KEY_FILE, MIN_KEY_BYTES, hide_ids, id_key, pseudonymise, shown_ids


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def raw_ids_in_messages():
    yield
    hide_ids(False)


def _first_key(home: str, barrier, out) -> None:
    os.environ["WORKBENCH_HOME"] = home
    os.environ.pop(KEY_ENV, None)
    barrier.wait()
    try:
        out.put(id_key())
    except Exception as exc:  # reported to the parent, which fails the test
        out.put(f"error: {exc}")


def test_concurrent_first_callers_all_get_one_full_key(tmp_path):
    """Six processes ask for the key of a fresh reports folder at once, 60 times over: every one
    gets the same 64-character key (the old create-then-write let some read '')."""
    ctx = mp.get_context("fork")
    for trial in range(60):
        home = tmp_path / f"t{trial}"
        home.mkdir()
        barrier, out = ctx.Barrier(6), ctx.Queue()
        procs = [ctx.Process(target=_first_key, args=(str(home), barrier, out)) for _ in range(6)]
        for p in procs:
            p.start()
        keys = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert len(set(keys)) == 1 and len(keys[0]) == 64, keys
        assert not [p.name for p in (home / "reports").iterdir() if p.name != KEY_FILE]  # no temporary left


def test_an_empty_or_short_key_file_is_refused_not_used(home):
    folder = home / "reports"
    folder.mkdir()
    for content in ("", "\n", "a" * (MIN_KEY_BYTES - 1)):
        (folder / KEY_FILE).write_text(content)
        with pytest.raises(ParamsError, match=rf"reports/\.id-key: the pseudonym key has \d+ bytes, at least {MIN_KEY_BYTES}"):
            id_key()


def test_a_short_environment_key_is_refused(home, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "secret")
    with pytest.raises(ParamsError, match=r"\$WORKBENCH_ID_KEY: the pseudonym key has 6 bytes"):
        id_key()
    monkeypatch.setenv(KEY_ENV, "k" * MIN_KEY_BYTES)
    assert id_key() == "k" * MIN_KEY_BYTES


def test_a_failed_key_write_leaves_no_file(home, monkeypatch):
    """A full disk while the key is written: no (empty) key file is left to be used later."""
    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(WorkbenchError, match=r"reports/\.id-key: cannot write the pseudonym key \(No space left on device\)"):
        id_key()
    monkeypatch.undo()
    folder = home / "reports"
    assert not list(folder.iterdir())


def test_messages_show_raw_ids_until_hidden(home, raw_ids_in_messages):
    assert shown_ids(["00042"]) == ["00042"]
    hide_ids(True)
    assert shown_ids(["00042"]) == pseudonymise(["00042"], id_key())
    hide_ids(False)
    assert shown_ids(["00042"]) == ["00042"]


def test_loader_errors_name_customers_by_pseudonym_when_hidden(home, raw_ids_in_messages):
    """returns='error' lists the offending rows; with ids hidden the raw id is not in the message."""
    from workbench.data.load import load_transactions

    frame = pd.DataFrame({"customer_id": ["SECRET-7", "B"], "timestamp": ["2024-01-02", "2024-01-03"],
                          "amount": ["-5", "10"]})
    with pytest.raises(DataError, match="SECRET-7"):
        load_transactions(frame, returns="error")
    hide_ids(True)
    with pytest.raises(DataError) as caught:
        load_transactions(frame, returns="error")
    assert "SECRET-7" not in str(caught.value)
    assert privacy.shown_id("SECRET-7") in str(caught.value)
