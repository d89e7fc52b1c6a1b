"""params.data -> data: bundled sets by name, the user's files with mapped columns, fingerprints."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from workbench.config import DataParams
from workbench.data.sources import fingerprint, load_data
from workbench.errors import DataError, ParamsError


@pytest.fixture
def user_files(tmp_path: Path) -> tuple[Path, Path]:
    tx = tmp_path / "订单.csv"
    tx.write_text("客户编号,交易日期,金额\n007,2024-01-02,10\n007,2024-02-03,5\n042,2024-01-05,\"1,200.50\"\n", encoding="gb18030")
    cust = tmp_path / "customers.csv"
    cust.write_text("id,nature\n007,enterprise\n042,individual\n", encoding="utf-8")
    return tx, cust


def test_user_files_with_mapped_chinese_columns(user_files):
    tx, cust = user_files
    data = DataParams(
        transactions=str(tx), customers=str(cust),
        columns={"customer_id": "客户编号", "timestamp": "交易日期", "amount": "金额"},
        customer_columns={"customer_id": "id"},
    )
    loaded = load_data(data)
    assert loaded.rows_read == 3
    assert sorted(loaded.transactions["customer_id"].unique()) == ["007", "042"]
    assert loaded.transactions["amount"].sum() == pytest.approx(1215.5)
    customers = loaded.customers.reset_index() if "customer_id" not in loaded.customers else loaded.customers
    assert set(customers["customer_id"]) == {"007", "042"}


def test_unknown_loader_option_names_the_key(user_files):
    with pytest.raises(ParamsError, match=r"data.options.encodng: unknown loader option"):
        load_data(DataParams(transactions=str(user_files[0]), options={"encodng": "gbk"}))


def test_missing_file_is_a_clear_error():
    with pytest.raises(DataError, match="data file not found: nowhere.csv"):
        load_data(DataParams(transactions="nowhere.csv"))


def test_fingerprint_is_the_sha256_of_the_input_files(user_files):
    tx, cust = user_files
    data = DataParams(transactions=str(tx), customers=str(cust))
    expected = hashlib.sha256(tx.read_bytes() + cust.read_bytes()).hexdigest()
    assert fingerprint(data) == expected
    tx.write_bytes(tx.read_bytes() + b"042,2024-03-01,1\n")
    assert fingerprint(data) != expected


def test_synthetic_fingerprint_follows_its_settings():
    a = fingerprint(DataParams(transactions="synthetic:b2b", seed=1))
    assert a == fingerprint(DataParams(transactions="synthetic:b2b", seed=1))
    assert a != fingerprint(DataParams(transactions="synthetic:b2b", seed=2))
