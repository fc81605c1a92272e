"""A self-contained HTML page: the Thai font and the charts are embedded, so it opens anywhere offline."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from handlers.reports.document import Document, Field, Image, Paragraph, Table
from handlers.reports.fonts import font_path

CSS = """
@font-face { font-family: "IAO Thai"; src: url(data:font/ttf;base64,%s) format("truetype"); }
@font-face { font-family: "IAO Thai"; font-weight: bold; src: url(data:font/ttf;base64,%s) format("truetype"); }
body { font-family: "TH Sarabun New", "TH SarabunPSK", "IAO Thai", sans-serif; font-size: 16pt;
       max-width: 60em; margin: 2em auto; line-height: 1.45; color: #111; }
h1 { font-size: 20pt; text-align: center; margin-bottom: .2em; }
.subtitle { text-align: center; margin: 0; }
h2 { font-size: 17pt; margin-top: 1.2em; }
table { border-collapse: collapse; width: 100%%; margin: .4em 0; }
th, td { border: 1px solid #777; padding: .15em .5em; vertical-align: top; }
th { background: #e1e8f0; }
td.n { text-align: right; }
tr.total td { font-weight: bold; }
.field { border-bottom: 1px dotted #555; min-height: 4.5em; white-space: pre-line; }
figure { text-align: center; } figure img { max-width: 100%%; }
dl.header dt { font-weight: bold; float: left; clear: left; margin-right: .4em; }
dl.header dt::after { content: " :"; }
.note { font-weight: bold; }
@media print { body { margin: 0; } }
"""


def render_html(doc: Document, path: Path) -> None:
    """Write the document as one HTML file."""
    path.write_text(html_text(doc), encoding="utf-8")


def html_text(doc: Document) -> str:
    """The document as an HTML string."""
    doc = doc.localised()
    e = html.escape
    fonts = tuple(base64.b64encode(font_path(b).read_bytes()).decode() for b in (False, True))
    out = ["<!doctype html>", '<html lang="th"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(doc.title)}</title><style>{CSS % fonts}</style></head><body>",
           f"<h1>{e(doc.title)}</h1>"]
    out += [f'<p class="subtitle">{e(s)}</p>' for s in doc.subtitle]
    out.append('<dl class="header">' + "".join(f"<dt>{e(a)}</dt><dd>{e(b)}</dd>" for a, b in doc.header) + "</dl>")
    for section in doc.sections:
        style = ' style="text-align:center"' if section.centered else ""
        out.append(f"<section><h2{style}>{e(section.heading)}</h2>")
        for block in section.blocks:
            if isinstance(block, Paragraph):
                if block.text:
                    cls = ' class="note"' if block.bold else ""
                    out.append(f"<p{cls}>" + "<br>".join(e(x) for x in block.text.split("\n")) + "</p>")
            elif isinstance(block, Field):
                out.append(f'<div class="field" aria-label="{e(block.label)}">{e(block.text or "")}</div>')
            elif isinstance(block, Image):
                data = base64.b64encode(block.png).decode()
                out.append(f'<figure><img alt="{e(block.caption)}" src="data:image/png;base64,{data}">'
                           f"<figcaption>{e(block.caption)}</figcaption></figure>")
            else:
                out.append(_table(doc, block))
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out)


def _table(doc: Document, table: Table) -> str:
    """One HTML table."""
    e = html.escape
    rows = ["<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in table.headers) + "</tr></thead><tbody>"]
    for i, row in enumerate(table.rows):
        cls = ' class="total"' if table.bold(i) else ""
        if len(row) == 1 < len(table.headers):  # a heading row across the table
            rows.append(f'<tr{cls}><td colspan="{len(table.headers)}">{e(doc.text(row[0], 0, table))}</td></tr>')
            continue
        cells = "".join(
            f'<td class="n">{e(doc.text(c, j, table))}</td>' if isinstance(c, int | float)
            else "<td>" + "<br>".join(e(x) for x in doc.text(c, j, table).split("\n")) + "</td>"
            for j, c in enumerate(row))
        rows.append(f"<tr{cls}>{cells}</tr>")
    return "".join(rows) + "</tbody></table>"
