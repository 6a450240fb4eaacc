"""The paper as Markdown (CommonMark with GitHub's tables), for pasting into a trust's own template.

Every string of the model is escaped, so that text from the case reads as typed in any Markdown renderer:
each character that could start markup is backslash-escaped (``*``, ``_``, ``[``, ``<``, ``{``, ``|``,
``$`` ...), text that starts a paragraph or list item is escaped where it could open a list, heading or
quote (``1.``, ``-``, ``#``), and bare links are
broken up so that GitHub's autolinks leave them as text: ``://`` and ``www.`` are escaped, and an ``@``
follows an empty HTML comment (GitHub links an e-mail address whether or not its ``@`` is escaped; the
comment shows as nothing).
Figures are PNG files written beside the Markdown file, named after it; the renderer is given their names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from xlcase.paper.model import Bullets, Document, Figure, KeyFigures, Paragraph, Table

_SPECIAL = frozenset("\\`*_{}[]<>|~&$")  # what can start markup, a link, an entity or math in running text
_UNLINKED_AT = r"<!---->@"  # an empty comment before @: GitHub links e-mail addresses even when the @ is escaped
_INNER_AT = re.compile(r"(?<=.)@", re.DOTALL)  # not at the start, where a comment would open an HTML block
_BLOCK_START = re.compile(r"^(?:[-+=#]|\d+[.)])")  # what opens a list, heading or underline at a line's start
_WWW = re.compile(r"(?i)\b(www)\.")


def escape(text: str, *, starts_line: bool = False) -> str:
    """Text that any CommonMark or GitHub renderer shows exactly as it is, with no markup, link or math;
    ``starts_line`` for text that starts a paragraph or a list item, where ``1.``, ``-`` or ``#`` would open a block."""
    out = "".join("\\" + char if char in _SPECIAL else char for char in text)
    out = _INNER_AT.sub(_UNLINKED_AT, _WWW.sub(r"\1\\.", out.replace("://", "\\://")))
    if out.startswith("@"):
        out = "\\" + out
    match = _BLOCK_START.match(out) if starts_line else None
    if match:
        out = out[:match.end() - 1] + "\\" + out[match.end() - 1:]
    return out


def figure_name(stem: str, number: int) -> str:
    """The file a figure is written to, beside the Markdown file: 'case.figure-2.png'."""
    return f"{stem}.figure-{number}.png"


def render_markdown(document: Document, stem: str) -> str:
    """The document as Markdown text; its figures are referred to as `figure_name(stem, n)`."""
    cover = document.cover
    out = [f"# {escape(cover.title)}", "", escape(cover.subtitle), "", *_key_figures(cover.details)]
    for level, section in document.walk():
        out += [f"{'#' * (min(level, 2) + 1)} {escape(section.title)}", ""]
        for block in section.blocks:
            out += _block(block, stem)
    return "\n".join(out).rstrip("\n") + "\n"


def _block(block: object, stem: str) -> list[str]:
    if isinstance(block, Paragraph):
        body = "".join(f"**{escape(r.text.strip())}** " if r.strong else escape(r.text, starts_line=n == 0)
                       for n, r in enumerate(block.runs))
        return [f"*{body}*" if block.kind in ("note", "missing") else body, ""]
    if isinstance(block, Bullets):
        return [(f"{n}. " if block.numbered else "- ") + escape(item, starts_line=True)
                for n, item in enumerate(block.items, start=1)] + [""]
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Figure):
        target = quote(figure_name(stem, block.number))
        return [f"![{escape(block.description)}]({target})", "", f"**{escape(block.label)}**", ""]
    if isinstance(block, KeyFigures):
        return _key_figures(block)
    raise TypeError(f"not a block of the paper: {type(block).__name__}")


def _cells(cells: Sequence[str], *, bold: bool = False) -> str:
    return "| " + " | ".join(f"**{escape(c)}**" if bold and c else escape(c) for c in cells) + " |"


def _table(block: Table) -> list[str]:
    rule = "|" + "|".join("---:" if block.is_numeric(i) else "---" for i in range(len(block.header))) + "|"
    last = len(block.rows) - 1
    rows = (_cells(row, bold=block.total_row and n == last) for n, row in enumerate(block.rows))
    lines = [f"**{escape(block.label)}**", "", _cells(block.header), rule, *rows, ""]
    return lines + ([f"*{escape(block.note)}*", ""] if block.note else [])


def _key_figures(block: KeyFigures) -> list[str]:
    return [f"- **{escape(label)}:** {escape(value)}" for label, value in block.items] + [""]
