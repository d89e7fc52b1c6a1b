"""End to end: every report notebook on the bundled scenarios (the ``cdnow_reports`` runs: plain
papermill then ``workbench render`` on full CDNOW, ``workbench run --all`` on the B2B demo, ``make
report`` on the CDNOW sample in Chinese), and runs of their own where a test needs other params."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from workbench.report.run import available_notebooks
from tests.test_runner import visible_text

pytestmark = pytest.mark.notebook


def _manifests(reports: Path) -> dict[str, dict]:
    return {m.parent.parent.name: json.loads(m.read_text()) for m in reports.glob("*/*/manifest.json")}


@pytest.mark.parametrize("scenario", ["en", "zh"])
def test_every_report_opens_with_its_key_findings(cdnow_reports, scenario):
    heading = {"en": "Key findings", "zh": "主要发现"}[scenario]
    for report in cdnow_reports[scenario].glob("*/*/report.html"):
        text = visible_text(report.read_text(encoding="utf-8"))
        assert heading in text[:600], report.parent.parent.name  # right after the title


@pytest.mark.parametrize("scenario", ["en", "zh", "b2b"])
def test_every_notebook_succeeds_and_is_indexed(cdnow_reports, scenario):
    reports = cdnow_reports[scenario]
    manifests = _manifests(reports)
    assert set(manifests) == set(available_notebooks())
    assert {m["status"] for m in manifests.values()} == {"succeeded"}
    index = (reports / "index.html").read_text(encoding="utf-8")
    for name, manifest in manifests.items():
        assert manifest["run_id"] in index
        assert (reports / name / "latest.html").exists()
        # the observation end as used, resolved once by the scenario and recorded
        assert manifest["observation_end"] == manifest["params"]["observation_end"], name


def test_plain_papermill_runs_every_notebook_without_a_warning(cdnow_reports):
    log = cdnow_reports["papermill"]
    assert [ln for ln in log.splitlines() if ln.startswith("papermill ")] == [
        f"papermill {name}: exit 0" for name in available_notebooks()]
    assert [ln for ln in log.splitlines() if "warn" in ln.lower()] == []


def test_data_quality_report_shows_the_cdnow_facts(cdnow_reports):
    reports = cdnow_reports["en"]
    manifest = _manifests(reports)["00_data_quality"]
    metrics = manifest["metrics"]
    assert metrics["rows_read"] == 69_659 and metrics["customers"] == 23_570
    # published facts of the master file: 255 exact duplicate rows (kept in this scenario), 80 zero values
    assert metrics["issues"]["exact_duplicates"] == 255 and metrics["issues"]["zero_amounts"] == 80
    assert metrics["transactions"] == 69_659
    assert metrics["first_date"] == "1997-01-01" and metrics["last_date"] == "1998-06-30"
    text = visible_text((reports / "00_data_quality" / manifest["run_id"] / "report.html").read_text(encoding="utf-8"))
    for shown in ("69,659", "23,570", "1997-01-01", "1998-06-30", "exact_duplicates", "zero_amounts"):
        assert shown in text


def _top_ids(kind: str, n: int = 10) -> list[str]:
    """The raw ids of the customers with the most revenue in a bundled CDNOW file."""
    from workbench.data.datasets import load_cdnow

    return list(load_cdnow(kind).groupby("customer_id")["amount"].sum().nlargest(n).index)


def test_reports_show_pseudonyms_not_raw_customer_ids(cdnow_reports):
    from workbench.report.display import id_key, pseudonymise

    raw = _top_ids("master")
    texts = {r.parent.parent.name: visible_text(r.read_text(encoding="utf-8")) for r in cdnow_reports["en"].glob("*/*/report.html")}
    for name, text in texts.items():
        assert not any(i in text for i in raw), f"a raw id is shown in {name}"
    shown = pseudonymise(raw, id_key())
    assert sum(p in texts["10_rfm_tiers"] for p in shown) >= 8  # the top-customer table uses the keyed pseudonyms


def test_raw_ids_appear_only_when_the_scenario_asks(tmp_path):
    from typer.testing import CliRunner

    from workbench.cli import app

    result = CliRunner().invoke(app, ["run", "10_rfm_tiers", "-q", "-p", "cdnow_sample", "--reports", str(tmp_path),
                                      "--set", "show_customer_ids=true", "--set", "export_customer_ids=true"])
    assert result.exit_code == 0, result.output
    (report,) = tmp_path.glob("10_rfm_tiers/*/report.html")
    text = visible_text(report.read_text(encoding="utf-8"))
    assert sum(i in text for i in _top_ids("sample")) >= 8
    crm = (report.parent / "crm_rfm.csv").read_text(encoding="utf-8-sig")
    assert all(i in crm for i in _top_ids("sample"))


def test_chinese_report_figures_render_without_missing_glyphs(cdnow_reports):
    for executed in cdnow_reports["zh"].glob("*/*/*.ipynb"):
        nb = nbformat.read(executed, as_version=4)
        streams = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
        assert "missing from font" not in streams and "Glyph" not in streams, executed.name


def test_rfm_report_exports_one_crm_file_per_scheme(cdnow_reports):
    import pandas as pd

    manifest = _manifests(cdnow_reports["en"])["10_rfm_tiers"]
    run = cdnow_reports["en"] / "10_rfm_tiers" / manifest["run_id"]
    schemes = manifest["metrics"]["schemes"]
    assert len(schemes) >= 6 and manifest["exports"] == sorted(f"crm_{s}.csv" for s in schemes)
    crm = pd.read_csv(run / "crm_rfm.csv", dtype={"customer_id": str}, encoding="utf-8-sig")
    assert len(crm) == 23_570 and crm["customer_id"].is_unique
    # by default the file carries keyed pseudonyms that whoever holds the key can map back
    from workbench.data.datasets import load_cdnow
    from workbench.report.display import id_key, pseudonymise

    raw = sorted(load_cdnow("master")["customer_id"].unique())
    assert set(crm["customer_id"]) == set(pseudonymise(raw, id_key(), prefix="", length=16))
    assert crm["label_zh"].notna().all() and crm["actions"].notna().all()


def test_clv_report_reproduces_the_published_cdnow_sample_estimates(cdnow_reports):
    """Fader, Hardie & Lee (2005): BG/NBD r 0.2426, alpha 4.4136, a 0.7929, b 2.4259 on the 1/10 sample;
    Fader, Hardie & Lee (2005, "RFM and CLV"): Gamma-Gamma p 6.25, q 3.74, gamma 15.44; 1,882 holdout
    repeat transactions. (The ``make report`` run on the sample: the language changes no number.)"""
    metrics = _manifests(cdnow_reports["zh"])["40_clv"]["metrics"]
    assert metrics["customers"] == 2_357 and metrics["holdout_repeat_transactions"] == 1_882
    published = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
    assert metrics["params_BG/NBD"] == pytest.approx(published, abs=2e-4)
    assert metrics["params_Gamma-Gamma"] == pytest.approx({"p": 6.2496, "q": 3.7442, "v": 15.4435}, abs=2e-3)
    mae = metrics["holdout_mae"]
    assert mae["BG/NBD"] < mae["individual rate"] and mae["Pareto/NBD"] < mae["population rate"]


def test_clv_report_compares_the_wider_model_set_with_covariates_and_bands(cdnow_reports):
    """CDNOW (params/default.yaml) compares the five models without covariates; the B2B demo adds
    BG/NBD with the clients' nature, size and region, whose likelihood-ratio test rejects the model
    without them (the demo's attributes do shift behaviour), and exports its CLV tiers with each
    client's tier confidence and CLV bounds."""
    import pandas as pd

    cdnow = _manifests(cdnow_reports["en"])["40_clv"]["metrics"]
    assert {"BG/NBD", "Pareto/NBD", "MBG/NBD", "BG/CNBD-k", "MBG/CNBD-k"} <= set(cdnow["holdout_mae"])
    assert cdnow["best_model"] in cdnow["holdout_mae"]
    manifest = _manifests(cdnow_reports["b2b"])["40_clv"]
    b2b = manifest["metrics"]
    assert "BG/NBD + covariates" in b2b["holdout_mae"]
    assert b2b["lr_test_BG/NBD + covariates"]["p_value"] < 1e-6 and b2b["lr_test_BG/NBD + covariates"]["df"] > 0
    assert 0 < b2b["clv_interval_median_relative_width"] < 1
    run = cdnow_reports["b2b"] / "40_clv" / manifest["run_id"]
    crm = pd.read_csv(run / "crm_clv.csv", encoding="utf-8-sig")
    assert crm["tier_confidence"].between(0, 1).all() and (crm["clv_low"] <= crm["clv_high"]).all()
    assert set(b2b["tier_confidence_clv"]) <= set(crm["tier"])


def test_make_report_runs_every_notebook_and_prints_the_index(cdnow_reports):
    """The README's main command (the virtual environment exists already, so nothing reinstalls),
    run by the ``cdnow_reports`` fixture on the CDNOW 1/10 sample in Chinese; by default it runs
    every bundled scenario (checked by a dry run; full CDNOW and the B2B demo run in the fixture)."""
    import subprocess

    from tests.conftest import ROOT, ZH_TITLE

    planned = subprocess.run(["make", "-n", "report"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    assert "params/default.yaml" in planned and "params/demo_b2b.yaml" in planned
    reports, done = cdnow_reports["zh"], cdnow_reports["make_report"]
    assert f"open: {reports}/index.html" in done
    assert "pip install" not in done  # a second run reinstalls nothing
    manifests = [json.loads(m.read_text()) for m in reports.glob("*/*/manifest.json")]
    assert sorted(m["notebook"] for m in manifests) == available_notebooks()
    assert {m["title"] for m in manifests} == {ZH_TITLE}
    assert {m["params"]["data"]["transactions"] for m in manifests} == {"cdnow:sample"}
    assert {m["status"] for m in manifests} == {"succeeded"}


def test_prose_follows_the_report_language(cdnow_reports):
    (en,) = cdnow_reports["en"].glob("00_data_quality/*/report.html")
    (zh,) = cdnow_reports["zh"].glob("00_data_quality/*/report.html")
    en_text, zh_text = (visible_text(p.read_text(encoding="utf-8")) for p in (en, zh))
    assert "The data at a glance" in en_text and "数据概览" not in en_text
    assert "数据概览" in zh_text and "The data at a glance" not in zh_text


def test_one_unfittable_scheme_does_not_sink_the_rfm_report(tmp_path):
    """Everyone bought once: the CLV scheme cannot be fitted (no repeat purchase), so it is shown
    as 'not fitted: why' and every other scheme is fitted, shown and exported."""
    import pandas as pd
    from typer.testing import CliRunner

    from workbench.cli import app

    days = pd.date_range("2024-01-01", periods=300, freq="D")
    data = pd.DataFrame({"customer_id": [f"K{i:04d}" for i in range(300)], "timestamp": days.strftime("%Y-%m-%d"),
                         "amount": [10.0 + i % 37 for i in range(300)]})
    source = tmp_path / "once.csv"
    data.to_csv(source, index=False)
    result = CliRunner().invoke(app, ["run", "10_rfm_tiers", "-q", "--reports", str(tmp_path / "r"),
                                      "--set", f"data.transactions={source}", "--set", "observation_end=null",
                                      "--set", "calibration_end=null"])
    assert result.exit_code == 0, result.output
    (manifest_path,) = (tmp_path / "r").glob("10_rfm_tiers/*/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["status"] == "succeeded"
    assert "clv" not in manifest["metrics"]["schemes"] and "rfm" in manifest["metrics"]["schemes"]
    assert manifest["exports"] == sorted(f"crm_{s}.csv" for s in manifest["metrics"]["schemes"])
    text = visible_text((manifest_path.parent / "report.html").read_text(encoding="utf-8"))
    assert "not fitted: " in text and "repeat purchase" in text


@pytest.mark.parametrize("scenario", ["en", "zh", "b2b"])
def test_no_report_shows_a_stderr_block_and_no_figure_asks_for_a_missing_font(cdnow_reports, scenario):
    for report in cdnow_reports[scenario].glob("*/*/report.html"):
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in report.read_text(encoding="utf-8"), report.parent.parent.name
        executed = nbformat.read(next(report.parent.glob("*.ipynb")), as_version=4)
        stderr = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", [])
                         if o.get("output_type") == "stream" and o.get("name") == "stderr")
        assert "findfont" not in stderr, report.parent.parent.name


#: Four or more English words in a row: a sentence left untranslated.
ENGLISH_RUN = r"[A-Za-z][A-Za-z'\-]*(?:[ ,;:()/]+[A-Za-z][A-Za-z'\-]*){3,}"


@pytest.mark.parametrize("scenario", ["zh", "b2b"])
def test_chinese_reports_carry_no_english_sentence(cdnow_reports, scenario):
    """Every notebook in Chinese: prose, notes, table details and findings are Chinese (model
    names, column codes and tier letters such as A/B/C/D may stay)."""
    import re

    reports = sorted(cdnow_reports[scenario].glob("*/*/report.html"))
    assert {r.parent.parent.name for r in reports} == set(available_notebooks())
    for report in reports:
        runs = set(re.findall(ENGLISH_RUN, visible_text(report.read_text(encoding="utf-8")))) - {"A/B/C/D"}
        assert not runs, f"{report.parent.parent.name}: {sorted(runs)[:5]}"


def test_error_messages_in_a_report_follow_the_privacy_setting(tmp_path):
    """returns: error lists the offending rows; with show_customer_ids false the raw id appears
    nowhere in the run (report, manifest, executed notebook, log), its pseudonym does."""
    from typer.testing import CliRunner

    from workbench.cli import app
    from workbench.privacy import id_key, pseudonymise

    source = tmp_path / "returns.csv"
    source.write_text("customer_id,timestamp,amount\nSECRET-0042,2024-01-02,10\nSECRET-0042,2024-01-09,-4\nB-7,2024-01-03,5\n")
    result = CliRunner().invoke(app, ["run", "00_data_quality", "-q", "--reports", str(tmp_path / "r"),
                                      "--set", f"data.transactions={source}", "--set", "data.options.returns=error",
                                      "--set", "observation_end=null", "--set", "calibration_end=null"])
    assert result.exit_code == 1, result.output
    (run,) = (tmp_path / "r" / "00_data_quality").glob("*/")
    files = {p.name: p.read_text(encoding="utf-8") for p in run.iterdir() if p.is_file()}
    assert {"report.html", "manifest.json", "00_data_quality.ipynb", "run.log"} <= set(files)
    assert not [name for name, text in files.items() if "SECRET-0042" in text]
    assert pseudonymise(["SECRET-0042"], id_key())[0] in files["manifest.json"]
    assert "negative amount" in json.loads(files["manifest.json"])["error"]["message"]
    assert "SECRET-0042" not in result.output
