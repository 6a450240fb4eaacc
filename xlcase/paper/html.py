"""The paper as one self-contained HTML file: inline CSS, figures as data: URIs, no script, nothing fetched.

Every string of the model is escaped (`html.escape`), so text from the case is shown as typed and never
becomes markup; the only links are the contents' links to the paper's own headings, whose targets xlcase
numbers itself. A Content-Security-Policy forbids scripts and every fetch, should a browser be handed
anything else. The print styles repeat table headers on each page and keep headings with what follows.
"""

from __future__ import annotations

import base64
import html

from xlcase.paper.model import Bullets, Document, Figure, KeyFigures, Paragraph, Section, Table

POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
CSS = """
body{font-family:Arial,"Liberation Sans",Helvetica,sans-serif;font-size:11pt;line-height:1.45;color:#1d1d1b;
max-width:48em;margin:2em auto;padding:0 1em}
h1,h2,h3{color:#005eb8;line-height:1.25;break-after:avoid;page-break-after:avoid}
h2{font-size:1.45em;margin-top:1.8em;border-bottom:2px solid #005eb8;padding-bottom:.15em}
h3{font-size:1.15em;margin-top:1.4em}
.cover{border-bottom:4px solid #005eb8;margin-bottom:2em;padding-bottom:1em}
.cover h1{font-size:2.1em;margin-bottom:.2em}.cover .subtitle{font-size:1.2em;color:#425563;margin-top:0}
table{border-collapse:collapse;width:100%;margin:.3em 0 .3em;font-size:.86em}
th,td{border:1px solid #aeb7bd;padding:.25em .45em;text-align:left;vertical-align:top}td{overflow-wrap:anywhere}
thead th{background:#e8edee}td.num,th.num{text-align:right}tr.total td{font-weight:bold}
caption{caption-side:top;text-align:left;font-weight:bold;font-size:.95em;padding:.4em 0}
table.key th{background:#f0f4f5;width:32%}
p.note,.table-note{font-size:.85em;color:#425563;margin-top:.2em}
p.missing{font-style:italic;color:#7a4a00;border-left:3px solid #7a4a00;padding-left:.6em}
figure{margin:1em 0;break-inside:avoid;page-break-inside:avoid}figure img{max-width:100%;height:auto}
figcaption{font-weight:bold;font-size:.95em;margin-top:.3em}
nav ol{padding-left:1.4em}nav li{margin:.1em 0}
@media print{body{max-width:none;margin:0;font-size:10.5pt}thead{display:table-header-group}
tr{break-inside:avoid;page-break-inside:avoid}.cover{break-after:page;page-break-after:always}
nav{break-after:page;page-break-after:always}a{color:inherit;text-decoration:none}}
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def render_html(document: Document) -> str:
    """The document as HTML text."""
    sections = document.walk()
    ids = {id(section): f"section-{n}" for n, (_, section) in enumerate(sections, start=1)}
    out = ["<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{_h(POLICY)}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f'<meta name="author" content="{_h(document.author)}">',
           f"<title>{_h(document.title)}</title>", f"<style>{CSS}</style></head><body>"]
    cover = document.cover
    out += ['<header class="cover">', f"<h1>{_h(cover.title)}</h1>", f'<p class="subtitle">{_h(cover.subtitle)}</p>',
            _key_figures(cover.details), "</header>"]
    out.append('<nav aria-label="Contents"><h2>Contents</h2>' + _contents(document.sections, ids) + "</nav>")
    out.append("<main>")
    for level, section in sections:
        tag = f"h{min(level, 2) + 1}"
        out.append(f'<section><{tag} id="{ids[id(section)]}">{_h(section.title)}</{tag}>')
        out += [_block(block) for block in section.blocks]
        out.append("</section>")
    out += ["</main>", f'<footer><p class="note">{_h(document.footer)}</p></footer>', "</body></html>", ""]
    return "\n".join(out)


def _contents(sections: tuple[Section, ...], ids: dict[int, str]) -> str:
    items = []
    for section in sections:
        inner = _contents(section.subsections, ids) if section.subsections else ""
        items.append(f'<li><a href="#{ids[id(section)]}">{_h(section.title)}</a>{inner}</li>')
    return "<ol>" + "".join(items) + "</ol>"


def _block(block: object) -> str:
    if isinstance(block, Paragraph):
        inner = "".join(f"<strong>{_h(r.text)}</strong>" if r.strong else _h(r.text) for r in block.runs)
        return f'<p class="{block.kind}">{inner}</p>' if block.kind != "body" else f"<p>{inner}</p>"
    if isinstance(block, Bullets):
        tag = "ol" if block.numbered else "ul"
        return f"<{tag}>" + "".join(f"<li>{_h(item)}</li>" for item in block.items) + f"</{tag}>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Figure):
        data = base64.b64encode(block.png).decode("ascii")
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{_h(block.description)}">'
                f"<figcaption>{_h(block.label)}</figcaption></figure>")
    if isinstance(block, KeyFigures):
        return _key_figures(block)
    raise TypeError(f"not a block of the paper: {type(block).__name__}")


def _table(block: Table) -> str:
    total = sum(block.width(i) for i in range(len(block.header))) or 1.0
    columns = "".join(f'<col style="width:{100 * block.width(i) / total:.1f}%">' for i in range(len(block.header)))
    numeric = [block.is_numeric(i) for i in range(len(block.header))]
    head = "".join(f'<th scope="col"{" class=num" if numeric[i] else ""}>{_h(h)}</th>'
                   for i, h in enumerate(block.header))
    last = len(block.rows) - 1
    body = "".join(("<tr class=total>" if block.total_row and n == last else "<tr>")
                   + "".join(f'<td{" class=num" if numeric[i] else ""}>{_h(c)}</td>' for i, c in enumerate(row))
                   + "</tr>" for n, row in enumerate(block.rows))
    note = f'<p class="table-note">{_h(block.note)}</p>' if block.note else ""
    return (f"<table><caption>{_h(block.label)}</caption><colgroup>{columns}</colgroup>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}")


def _key_figures(block: KeyFigures) -> str:
    rows = "".join(f'<tr><th scope="row">{_h(label)}</th><td>{_h(value)}</td></tr>' for label, value in block.items)
    return f'<table class="key"><tbody>{rows}</tbody></table>'
