"""The :class:`Report` builder: sections, tables and figures written to one HTML file."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from autorisk.report.formats import format_frame

# Inline so the file opens anywhere, offline, with nothing fetched.
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1.5rem; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #2b5797; padding-bottom: .3rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
nav { background: #f4f6fa; padding: .5rem 1.2rem; border-radius: 6px; }
nav ol { margin: .3rem 0; }
figure { margin: 1.2rem 0; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption, .caption { font-size: .9rem; color: #555; margin: .3rem 0; font-style: italic; }
/* Wide tables scroll inside their frame instead of running past the page's right edge. */
.table-wrap { overflow-x: auto; overflow-y: auto; max-width: 100%; width: fit-content; max-height: 32rem;
              margin: .8rem 0; border: 1px solid #ddd; }
table { border-collapse: collapse; font-size: .85rem; font-variant-numeric: tabular-nums; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
thead th { position: sticky; top: 0; background: #e8ecf4; white-space: normal; vertical-align: bottom;
           min-width: 3.5rem; }
tbody tr:nth-child(even) { background: #fafbfd; }
tbody th { text-align: left; }
"""


@dataclass
class _Section:
    anchor: str
    title: str
    text: str | None


class Report:
    """A self-contained HTML report built piece by piece.

    Parameters
    ----------
    title : str
        Page title and top heading.

    Examples
    --------
    >>> import pandas as pd
    >>> report = Report("Motor pricing")
    >>> report.add_section("Portfolio", "Earned exposure by region.")
    >>> report.add_table(pd.DataFrame({"exposure": [1.5, 2.0]}, index=["a", "b"]), "Exposure")
    >>> "<h2 id=\\"section-1\\">Portfolio</h2>" in report.to_html()
    True
    """

    def __init__(self, title: str):
        self.title = title
        self._parts: list[_Section | str] = []

    def add_section(self, title: str, text: str | None = None) -> None:
        """Start a section (listed in the table of contents), with an optional paragraph of text."""
        anchor = f"section-{sum(isinstance(p, _Section) for p in self._parts) + 1}"
        self._parts.append(_Section(anchor, title, text))

    def add_table(
        self,
        table: pd.DataFrame | pd.Series,
        caption: str | None = None,
        *,
        max_rows: int | None = 200,
        formats: Mapping[Any, str] | None = None,
    ) -> None:
        """Add a table: cells escaped, scrollable when wide or long, one number format per column.

        Parameters
        ----------
        table : DataFrame or Series
        caption : str, optional
        max_rows : int or None, default 200
            Rows shown (the first and last halves beyond it).
        formats : mapping, optional
            ``{column: format spec}`` (e.g. ``{"premium": ",.2f"}``) for
            columns whose automatic format
            (:func:`autorisk.report.formats.column_format`: thousands
            separators, the same decimals on every row, no exponents) does
            not suit.
        """
        frame = table.to_frame() if isinstance(table, pd.Series) else table
        body = format_frame(frame, formats).to_html(
            border=0,
            na_rep="",
            max_rows=max_rows,
            escape=True,
            classes="data",
        )
        # Long column names (credibility_frequency) may wrap after an underscore, so wide tables need less room.
        head, sep, rest = body.partition("</thead>")
        body = head.replace("_", "_<wbr>") + sep + rest if sep else body
        self._parts.append(
            f'{_caption(caption, "p", "caption")}<div class="table-wrap">{body}</div>'
        )

    def add_figure(self, figure: Any, caption: str | None = None, *, dpi: int = 100) -> None:
        """Embed a matplotlib Figure (or the figure of an Axes) as a base64 PNG, then close it."""
        import matplotlib.pyplot as plt

        figure = figure if hasattr(figure, "savefig") else figure.figure
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        plt.close(figure)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        alt = html.escape(caption or "figure", quote=True)
        self._parts.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{alt}">'
            f"{_caption(caption, 'figcaption')}</figure>"
        )

    def to_html(self) -> str:
        """The whole page as a string."""
        sections = [p for p in self._parts if isinstance(p, _Section)]
        toc = "".join(
            f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in sections
        )
        body = []
        for part in self._parts:
            if isinstance(part, _Section):
                body.append(f'<h2 id="{part.anchor}">{html.escape(part.title)}</h2>')
                if part.text:
                    body.append(f"<p>{html.escape(part.text)}</p>")
            else:
                body.append(part)
        title = html.escape(self.title)
        nav = f"<nav><strong>Contents</strong><ol>{toc}</ol></nav>" if sections else ""
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{_CSS}</style></head>\n"
            f"<body><h1>{title}</h1>{nav}\n" + "\n".join(body) + "\n</body></html>\n"
        )

    def write(self, path: str | Path) -> Path:
        """Write the report to ``path`` (UTF-8) and return the path."""
        path = Path(path)
        path.write_text(self.to_html(), encoding="utf-8")
        return path

    def __repr__(self) -> str:
        sections = sum(isinstance(p, _Section) for p in self._parts)
        return f"Report({self.title!r}, {sections} sections, {len(self._parts) - sections} items)"


def _caption(text: str | None, tag: str, css_class: str | None = None) -> str:
    if not text:
        return ""
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<{tag}{attribute}>{html.escape(text)}</{tag}>"

