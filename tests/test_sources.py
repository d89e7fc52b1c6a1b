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


def test_loader_options_are_typed_and_name_the_key(user_files):
    from workbench.config import parse_params

    with pytest.raises(ParamsError, match=r"data.options.encodng: unknown key \(allowed: returns, "):
        parse_params({"data": {"transactions": str(user_files[0]), "options": {"encodng": "gbk"}}})
    with pytest.raises(ParamsError, match=r"data.options.returns: Input should be 'net_order'"):
        parse_params({"data": {"options": {"returns": "eror"}}})
    with pytest.raises(ParamsError, match=r"data.options.outlier_k: Input should be greater than 0"):
        parse_params({"data": {"options": {"outlier_k": 0}}})


def test_loader_options_are_the_loaders_keyword_arguments():
    """Every key of data.options is a keyword of load_transactions with the same default."""
    import inspect

    from workbench.data.load import load_transactions
    from workbench.data.options import LoaderOptions

    keywords = {name: p.default for name, p in inspect.signature(load_transactions).parameters.items()
                if p.kind is p.KEYWORD_ONLY and name != "observation_end"}
    assert keywords == {name: field.default for name, field in LoaderOptions.model_fields.items()}


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


def test_the_fingerprint_of_a_large_file_is_bounded_and_says_so(tmp_path):
    """A 4 GiB (sparse) file is hashed by its size and 64 sampled 1 MiB blocks, prefixed
    'sampled:', so a huge input cannot stall a run before its time limit applies; a change inside
    a sampled block changes the fingerprint, and a small file is still hashed whole."""
    from workbench.data import sources

    path = tmp_path / "big.csv"
    with open(path, "wb") as handle:
        handle.truncate(4 << 30)
    first = sources.fingerprint(DataParams(transactions=str(path)))
    assert first.startswith("sampled:")
    with open(path, "r+b") as handle:
        handle.write(b"X")
    assert sources.fingerprint(DataParams(transactions=str(path))) not in (first, "")
    small = tmp_path / "small.csv"
    small.write_bytes(b"customer_id,timestamp,amount\na,2020-01-01,1\n")
    import hashlib

    assert sources.fingerprint(DataParams(transactions=str(small))) == hashlib.sha256(small.read_bytes()).hexdigest()
