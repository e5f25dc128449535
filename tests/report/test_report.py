"""HTML reports: self-contained, images valid, text escaped, every requested section present."""

import base64
import io
import re
import shutil
import subprocess
from html.parser import HTMLParser

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
from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
from autorisk.renewal import dislocation
from autorisk.report import Report, pricing_report
from autorisk.reserving import bornhuetter_ferguson, mack

#: The portfolio's plan: private cars at 300 fall under the minimum premium of 350, business ones (390) do not.
PLAN = RatingPlan("floor", "1", (Coverage("tpl", 300.0, (CategoricalFactor("use", "use", ("private", "business"),
                                                                            (1.0, 1.3)),), min_premium=350.0),))  # fmt: skip
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


def _pricing_data() -> pd.DataFrame:
    book = synthetic_book(3000, 1, seed=1)
    data = aggregate_claims(book.policies, book.claims)
    return data[data["exposure"] > 0].reset_index(drop=True)


@pytest.fixture(scope="module")
def pricing_page(tmp_path_factory) -> str:
    data = _pricing_data()
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
        comparison_on="hold-out",
        glm=glm,
        plan=PLAN,
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
        f"Metrics on the {len(_pricing_data()) // 2:,} hold-out rows",
        "Policies at the minimum premium, by coverage",
    ]:
        assert caption in pricing_page, caption
    assert "test data" not in pricing_page
    # 3 one-way + Lorenz + 2 lift + double lift + 2 relativities + premiums + A/E by period + heat map + dislocation
    images = _images(pricing_page)
    assert len(images) == 13
    assert all(png.startswith(PNG_SIGNATURE) for png in images)


def test_pricing_report_with_nothing_is_an_empty_page(tmp_path):
    page = pricing_report(tmp_path / "empty.html", title="Nothing").read_text()
    assert "<h1>Nothing</h1>" in page and "<h2" not in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Appended to a copy of the page only: reports themselves carry no script. Per table frame: the table's
# scrollWidth, the frame's clientWidth, its computed overflow-x, its right edge and the page's width.
_PROBE = """<script>
window.addEventListener("load", () => {
  const sizes = Array.from(document.images).map(i => i.naturalWidth + "x" + i.naturalHeight);
  const frames = Array.from(document.querySelectorAll(".table-wrap")).map(w => [
    w.querySelector("table").scrollWidth, w.clientWidth, getComputedStyle(w).overflowX,
    Math.ceil(w.getBoundingClientRect().right), document.documentElement.clientWidth].join("/"));
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = "images:" + sizes.join(",") + ":end tables:" + frames.join(",") + ":end";
  document.body.appendChild(out);
});
</script>"""

_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})*(?:\.(\d+))?|-?\d+(?:\.(\d+))?")
_EXPONENT = re.compile(r"\d(?:\.\d+)?[eE][+-]?\d")
_MONEY = re.compile(r"premium|amount|loss|severity|reserve|ibnr|ultimate|latest", re.IGNORECASE)


class _Tables(HTMLParser):
    """Every table of a page: its column names (last header row) and its body rows of data cells' text."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._part = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"columns": [], "rows": []})
        elif tag in ("thead", "tbody"):
            self._part = tag
        elif tag == "tr" and self.tables:
            (self.tables[-1]["rows"] if self._part == "tbody" else self.tables[-1].setdefault("heads", [])).append([])
        elif tag in ("td", "th"):
            self._cell = [tag, ""]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            table = self.tables[-1]
            (table["rows"] if self._part == "tbody" else table["heads"])[-1].append(tuple(self._cell))
            self._cell = None


def _columns(table) -> dict[str, list[str]]:
    """The text of each data column (td cells by position), keyed by the column's header."""
    heads = [text for _, text in table.get("heads", [[]])[0]]
    data = [[text for tag, text in row if tag == "td"] for row in table["rows"]]
    width = max((len(row) for row in data), default=0)
    names = heads[-width:] if width else []
    return {f"{i}:{name}": [row[i] for row in data if len(row) == width] for i, name in enumerate(names)}


def number_format_problems(page: str) -> list[str]:
    """Columns mixing decimal counts, cells in exponent notation, money without thousands separators."""
    parser = _Tables()
    parser.feed(page)
    problems = []
    for number, table in enumerate(parser.tables):
        for name, cells in _columns(table).items():
            numbers = [(cell, _NUMBER.fullmatch(cell.strip())) for cell in cells if _NUMBER.fullmatch(cell.strip())]
            decimals = {len(m.group(1) or m.group(2) or "") for _, m in numbers}
            if len(decimals) > 1:
                problems.append(f"table {number} column {name}: decimals {sorted(decimals)} in {cells[:6]}")
            problems += [f"table {number} column {name}: exponent {c!r}" for c in cells if _EXPONENT.search(c)]
            if _MONEY.search(name):
                problems += [f"table {number} column {name}: no separators {c!r}" for c, _ in numbers
                             if re.search(r"\d{4}", c.split(".")[0])]  # fmt: skip
    return problems


def test_number_format_check_finds_what_it_should():
    bad = Report("bad")
    # built by hand, as the report used to show them: mixed decimals, an exponent, money without separators
    bad._parts.append("<table><thead><tr><th></th><th>frequency</th><th>premium</th></tr></thead><tbody>"
                      "<tr><th>a</th><td>0.09433</td><td>1.83282e+08</td></tr>"
                      "<tr><th>b</th><td>0.103</td><td>12500</td></tr></tbody></table>")  # fmt: skip
    problems = number_format_problems(bad.to_html())
    assert len(problems) == 3 and "decimals [3, 5]" in problems[0]
    assert "exponent '1.83282e+08'" in problems[1] and "no separators '12500'" in problems[2]


def test_minimum_premium_count(pricing_page):
    data = _pricing_data()
    table = pricing_page.split("Policies at the minimum premium, by coverage")[1].split("</table>")[0]
    cells = re.findall(r"<td>([^<]*)</td>", table)
    private = int((data["use"] == "private").sum())
    assert cells == ["350.00", f"{len(data):,}", f"{private:,}", f"{private / len(data):.4f}"]


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
        "--window-size=900,800",
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
    assert len(sizes) == len(_images(pricing_page)) == 13
    assert all(width > 0 and height > 0 for width, height in sizes)
    # no table is clipped: each fits its frame or its frame scrolls, and no frame runs past the page
    probe = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL).group(1)
    frames = [f.split("/") for f in re.search(r"tables:([^:]*):end", probe).group(1).split(",")]
    assert len(frames) == pricing_page.count('<div class="table-wrap">') > 20
    for table_width, frame_width, overflow, right, page_width in frames:
        assert int(table_width) <= int(frame_width) or overflow in ("auto", "scroll"), frames
        assert int(right) <= int(page_width), frames
    assert any(int(t) > int(f) for t, f, *_ in frames)  # at 900 px some tables are wider than the page
    # numbers as the reader sees them: one decimal count per column, no exponents, money with separators
    assert number_format_problems(dom) == []


def test_long_column_names_may_wrap_at_underscores_only_in_the_header():
    report = Report("wrap")
    report.add_table(pd.DataFrame({"credibility_frequency": ["a_b"]}, index=pd.Index(["x_y"], name="level_name")))
    page = report.to_html()
    head, body = page.split("</thead>")
    assert "credibility_<wbr>frequency" in head and "level_<wbr>name" in head
    assert "<td>a_b</td>" in body and "<th>x_y</th>" in body and "<wbr>" not in body
