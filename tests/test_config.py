"""The params schema: defaults, validation messages that name the key, overrides, notebook params."""

from __future__ import annotations

import datetime as dt

import pytest

from workbench.config import load_params, parse_override, parse_params
from workbench.errors import ParamsError


def test_default_scenario_is_cdnow_with_classic_split():
    params = load_params("default.yaml")
    assert params.data.transactions == "cdnow:master"
    assert params.observation_end == dt.date(1998, 6, 30)
    assert params.calibration_end == dt.date(1997, 9, 30)
    assert params.time_unit == "W"


@pytest.mark.parametrize(
    ("mapping", "fragment"),
    [
        ({"titel": "x"}, "titel: unknown key"),
        ({"data": {"transaction": "cdnow:master"}}, "data.transaction: unknown key"),
        ({"time_unit": "M"}, "time_unit"),
        ({"language": "fr"}, "language"),
        ({"observation_end": "not a date"}, "observation_end"),
        ({"data": {"transactions": "cdnow:everything"}}, "unknown cdnow data set 'everything'"),
        ({"data": {"transactions": "nosuch:thing"}}, "bundled ones: cdnow:master"),
        ({"observation_end": "1998-01-01", "calibration_end": "1998-02-01"}, "must be before observation_end"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"top_share": 1.5}, "top_share"),
    ],
)
def test_bad_params_name_the_key(mapping, fragment):
    with pytest.raises(ParamsError, match="scenario.yaml") as info:
        parse_params(mapping, "scenario.yaml")
    assert fragment in str(info.value)


def test_unknown_key_lists_the_allowed_ones():
    with pytest.raises(ParamsError) as info:
        parse_params({"data": {"colums": {}}}, "x.yaml")
    assert "data.colums: unknown key (allowed: transactions, customers, columns," in str(info.value)


def test_tier_scheme_mistakes_name_the_full_key():
    bad = {"tiers": {"schemes": [{"name": "v", "kind": "thresholds", "column": "revenue",
                                  "tiers": [{"label": {"en": "A", "zh": "甲"}, "min": 10},
                                            {"label": {"en": "B", "zh": "乙"}, "min": 20}]}]}}
    with pytest.raises(ParamsError, match=r"x.yaml: tiers.schemes\[0\].tiers\[1\].min"):
        parse_params(bad, "x.yaml")
    with pytest.raises(ParamsError, match=r"tiers.schemes\[0\].kind: unknown scheme kind 'magic'"):
        parse_params({"tiers": {"schemes": [{"name": "v", "kind": "magic"}]}}, "x.yaml")


def test_overrides_use_dotted_keys_and_yaml_values():
    params = load_params("default.yaml", dict([parse_override("time_unit=D"), parse_override("data.seed=7")]))
    assert params.time_unit == "D" and params.data.seed == 7
    assert parse_override("observation_end=1998-01-31") == ("observation_end", dt.date(1998, 1, 31))
    with pytest.raises(ParamsError, match="expected key=value"):
        parse_override("no-equals-sign")


def test_missing_params_file_lists_the_known_ones():
    with pytest.raises(ParamsError, match="default.yaml"):
        load_params("does-not-exist.yaml")


def test_params_hash_changes_with_any_value():
    a, b = load_params("default.yaml"), load_params("default.yaml", {"language": "zh"})
    assert a.digest() == load_params("default.yaml").digest()
    assert a.digest() != b.digest()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("observation_end: 1998-13-45\n", "not valid YAML"), ("- a list\n", "top level must be a mapping")],
)
def test_unreadable_params_files_are_clear_errors(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ParamsError, match=fragment):
        load_params(path)
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("title: 客户分级\n".encode("gbk"))
    with pytest.raises(ParamsError, match="not UTF-8"):
        load_params(gbk)


BOMB = """title: x
data:
  options:
    a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
    h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
"""


def test_a_yaml_bomb_is_refused_before_it_expands(tmp_path):
    """Nested aliases (9**8 = 43M strings once expanded) are refused while reading, naming the
    file; the same text through plain yaml.safe_load builds a shared structure that then
    exhausts memory when dumped."""
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    with pytest.raises(ParamsError, match=r"bomb.yaml: the document expands to more than 20,000 values .*line 8"):
        load_params(path)
    with pytest.raises(ParamsError, match="expands to more than"):
        parse_override("title=" + "[" + ", ".join(["&x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"] + ["*x"] * 3000) + "]")


def test_a_few_aliases_are_fine(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("title: &t Tiers\nnotebooks: [00_data_quality]\ndata:\n  options: {date_format: &f '%Y-%m-%d'}\n")
    assert load_params(path).title == "Tiers"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("title: a\nlanguage: en\ntitle: b\n", r"key 'title' appears twice in one mapping \(lines 1 and 3\)"),
        ("title: a\ndata:\n  n_customers: 5\n  seed: 1\n  n_customers: 6\n", r"key 'n_customers' .*lines 3 and 5"),
        ("data: {seed: 1, seed: 2}\n", r"key 'seed' appears twice"),
    ],
)
def test_a_key_given_twice_is_an_error_not_last_one_wins(tmp_path, text, fragment):
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    with pytest.raises(ParamsError, match=fragment):
        load_params(path)


def test_an_impossible_date_in_an_override_names_the_key():
    with pytest.raises(ParamsError, match="observation_end"):
        load_params("default.yaml", dict([parse_override("observation_end=1998-02-30")]))


def test_every_shipped_params_file_validates():
    from workbench.config import params_dir

    files = sorted(params_dir().glob("*.yaml"))
    assert files, "params/ has no scenario"
    for path in files:
        load_params(path)
