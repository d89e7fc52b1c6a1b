"""Privacy by default: pseudonymised ids unless asked; escaped user strings."""

from __future__ import annotations

import pandas as pd

from workbench.report.display import customer_table, fmt, pseudonymise


def test_pseudonyms_are_stable_salted_and_distinct():
    ids = [f"{i:05d}" for i in range(5000)]
    a = pseudonymise(ids, "s1")
    assert a == pseudonymise(ids, "s1")
    assert len(set(a)) == len(ids)
    assert a != pseudonymise(ids, "s2")
    assert not set(ids) & set(a)


def test_customer_table_hides_ids_in_index_and_column():
    df = pd.DataFrame({"customer_id": ["00001", "00002"], "revenue": [1.0, 2.0]})
    by_index = customer_table(df.set_index("customer_id"), key="x")
    by_column = customer_table(df, key="x")
    assert "00001" not in by_index.index and "00001" not in set(by_column["customer_id"])
    assert list(by_index.index) == list(by_column["customer_id"])
    assert list(by_column["revenue"]) == [1.0, 2.0]
    assert customer_table(df, show_ids=True) is df


def test_numbers_are_formatted_for_people():
    assert fmt(69659) == "69,659"
    assert fmt(2500315.634) == "2,500,315.63"
    assert fmt(0.24259) == "0.2426" and fmt(4.41361) == "4.414" and fmt(0.0) == "0.00"
    assert fmt("1997-01-01") == "1997-01-01"
    assert fmt(True) is True


def test_the_default_key_is_secret_stable_and_outside_params(tmp_path, monkeypatch):
    from workbench.config import Params
    from workbench.report.display import KEY_ENV, id_key

    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    key = id_key()
    assert len(key) == 64 and key == id_key()  # created once, then reused
    assert (tmp_path / "reports" / ".id-key").stat().st_mode & 0o077 == 0  # owner only
    assert key not in Params().model_dump_json()
    monkeypatch.setenv(KEY_ENV, "from-the-environment-" + "x" * 20)
    assert id_key() == "from-the-environment-" + "x" * 20
