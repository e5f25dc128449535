"""HTML reports: self-contained, images valid, text escaped, every requested section present."""

import base64
import io
import re
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")

import chainladder as cl
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from autorisk.analytics import departing_segments, monitor, risk_deciles, top_risks
from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
from autorisk.evaluate import compare
from autorisk.indication import Indication, loss_ratio_indication
from autorisk.models import FrequencyGLM
from autorisk.renewal import dislocation
from autorisk.report import Report, pricing_report
from autorisk.reserving import bornhuetter_ferguson, mack

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMAGE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(data, validate=True) for data in IMAGE.findall(page)]


def _small_report() -> Report:
    report = Report("Motor <pricing> & co")
    report.add_section("Portfolio", "Exposure by region.")
    report.add_table(
        pd.DataFrame({"exposure": [1.5, 20_000.0]}, index=["<b>a</b>", "b"]), "<script>x()</script>"
    )
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    report.add_figure(fig, "a figure")
    _, ax = plt.subplots()
    ax.bar([0, 1], [2, 3])
    report.add_figure(ax, "an axes")
    return report


@pytest.fixture(scope="module")
def small_page(tmp_path_factory) -> str:
    path = _small_report().write(tmp_path_factory.mktemp("report") / "small.html")
    return path.read_text(encoding="utf-8")


def test_report_is_self_contained(small_page):
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?://""", small_page, re.IGNORECASE)
    assert "<link" not in small_page
    assert '<a href="#section-1">Portfolio</a>' in small_page
    assert "20,000" in small_page


def test_images_are_valid_pngs(small_page):
    images = _images(small_page)
    assert len(images) == 2
    for png in images:
        assert png.startswith(PNG_SIGNATURE)
        height, width = mpimg.imread(io.BytesIO(png)).shape[:2]
        assert height > 0 and width > 0


def test_figures_are_closed():
    before = len(plt.get_fignums())
    _small_report()
    assert len(plt.get_fignums()) == before


def test_text_is_escaped(small_page):
    assert "<script>" not in small_page
    assert "&lt;script&gt;x()&lt;/script&gt;" in small_page
    assert "<title>Motor &lt;pricing&gt; &amp; co</title>" in small_page
    assert "&lt;b&gt;a&lt;/b&gt;" in small_page


@pytest.fixture(scope="module")
def pricing_page(tmp_path_factory) -> str:
    book = synthetic_book(3000, 1, seed=1)
    data = aggregate_claims(book.policies, book.claims)
    data = data[data["exposure"] > 0].reset_index(drop=True)
    factors = ["region", "use"]
    train, test = data.iloc[::2], data.iloc[1::2].reset_index(drop=True)
    fit = {"exposure": train["exposure"]}
    glm = FrequencyGLM(factors).fit(train, train["claim_count"], **fit)
    small = FrequencyGLM(["use"]).fit(train, train["claim_count"], **fit)
    # Test data without "channel": its one-way chart comes from the portfolio instead.
    test = test[[*factors, "claim_count", "exposure"]]
    comparison = compare({"glm": glm, "use only": small}, test, target="claim_count")
    rng = np.random.default_rng(0)
    current = rng.uniform(500, 1500, 200)
    offers = pd.DataFrame(
        {
            "current_premium": current,
            "offered_premium": current * rng.uniform(0.8, 1.3, 200),
            "rule_flags": rng.integers(0, 4, 200).astype(np.uint8),
        }
    )
    indication = loss_ratio_indication(
        Indication(
            years=[2022, 2023],
            earned_exposure=[10.0, 11.0],
            earned_premium=[1000.0, 1100.0],
            on_level_factor=[1.10, 1.00],
            losses=[700.0, 560.0],
            development_factors=[1.0, 1.25],
            lae_ratio=0.10,
            loss_trend=0.05,
            forecast_effective="2024-07-01",
            fixed_expense_ratio=0.08,
            variable_expense_ratio=0.17,
            profit_ratio=0.05,
        )  # fmt: skip
    )
    scored = data.iloc[1::2].assign(expected=lambda d: glm.predict(d, d["exposure"]))
    scored = scored.assign(score=scored["expected"] / scored["exposure"])
    path = pricing_report(
        tmp_path_factory.mktemp("pricing") / "pricing.html",
        portfolio=data,
        factors=[*factors, "channel"],
        two_way=[("region", "use")],
        comparison=comparison,
        glm=glm,
        risk_deciles=risk_deciles(scored, "score", actual="claim_count", expected="expected"),
        top_risks=top_risks(scored, glm, n=5, keep=("policy_id",)),
        departing_segments=departing_segments(scored, factors, "claim_count", "expected"),
        monitoring=monitor(scored, "claim_count", "expected", period="period_start", by="use",
                           exposure="exposure", reference=scored, drift_factors=factors),  # fmt: skip
        dislocation=dislocation(offers),
        reserves=[mack(cl.load_sample("raa")), bornhuetter_ferguson(cl.load_sample("raa"), 40_000)],
        indication=indication,
        title="Synthetic book",
    )
    return path.read_text(encoding="utf-8")


def test_pricing_report_has_every_section(pricing_page):
    for section in [
        "Portfolio summary",
        "One-way analysis",
        "Model comparison",
        "Relativities",
        "Risk segmentation",
        "Monitoring",
        "Renewal dislocation",
        "Loss development",
        "Rate indication",
    ]:
        assert f">{section}</h2>" in pricing_page
        assert f">{section}</a></li>" in pricing_page
    for caption in [
        "Experience by channel",
        "Actual vs models by region",
        "Actual frequency by channel, on the whole book (",  # the fallback says so, and why
        "rows; the comparison&#x27;s data lack channel)",
        "Actual vs models by region, on ",
        "Lorenz curves",
        "Lift chart: use only",
        "Double lift: glm / use only",
        "Relativities: region",
        "Indication steps",
        "permissible loss ratio",
        "Risk score deciles",
        "Highest-risk policies",
        "Segments departing from expected",
        "A/E by use and period",
        "Population drift against the reference",
        "Mack chain ladder (sigma=&#x27;mack&#x27;, average=&#x27;volume&#x27;)",
        "Bornhuetter-Ferguson",
        "with classical credibility (full at 1,082 claims)",
        "Claim frequency by region and use",
    ]:
        assert caption in pricing_page, caption
    # 3 one-way + Lorenz + 2 lift + double lift + 2 relativities + A/E by period + heat map + dislocation
    images = _images(pricing_page)
    assert len(images) == 12
    assert all(png.startswith(PNG_SIGNATURE) for png in images)


def test_pricing_report_with_nothing_is_an_empty_page(tmp_path):
    page = pricing_report(tmp_path / "empty.html", title="Nothing").read_text()
    assert "<h1>Nothing</h1>" in page and "<h2" not in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Appended to a copy of the page only: reports themselves carry no script.
_PROBE = """<script>
window.addEventListener("load", () => {
  const sizes = Array.from(document.images).map(i => i.naturalWidth + "x" + i.naturalHeight);
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = "images:" + sizes.join(",") + ":end";
  document.body.appendChild(out);
});
</script>"""


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed")
def test_report_renders_in_headless_chromium(tmp_path, pricing_page):
    page = pricing_page.replace("</body>", _PROBE + "</body>")
    path = tmp_path / "probe.html"
    path.write_text(page, encoding="utf-8")
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        path.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<title>Synthetic book</title>" in dom
    match = re.search(r"images:([0-9x,]+):end", dom)
    assert match, dom[-2000:]
    sizes = [tuple(map(int, size.split("x"))) for size in match.group(1).split(",")]
    assert len(sizes) == len(_images(pricing_page)) == 12
    assert all(width > 0 and height > 0 for width, height in sizes)
