"""The paper as a Word document (python-docx), with Word's own structure.

- Headings use the built-in Heading 1 and Heading 2 styles, so Word's navigation pane and its table of
  contents work; the contents page is a TOC field (made by xlcase, never from case text) whose saved
  result lists the headings, so it reads before Word updates it (F9 adds the page numbers).
- Tables have a header row that repeats on every page and rows that do not split across pages; each
  table and figure has a caption in the Caption style; the footer numbers the pages (PAGE and NUMPAGES
  fields); the cover page has the title and the document's details and no footer.
- Text from the model becomes runs of text and nothing else: no field, hyperlink or formula is ever made
  from it, whatever it holds (``=HYPERLINK(...)``, ``{{x}}``, ``<script>`` are text). Table rows are built
  as XML directly (python-docx's cell API takes time quadratic in a table's size).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlcase.paper.model import Bullets, Document, Figure, KeyFigures, Paragraph, Section, Table

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

FONT = "Arial"  # LibreOffice shows it as the metric-compatible Liberation Sans
BLUE = "005EB8"  # NHS blue, for headings
HEADER_FILL = "E8EDEE"
LABEL_FILL = "F0F4F5"
MISSING_COLOUR = "7A4A00"
PAGE_WIDTH_CM, PAGE_HEIGHT_CM, MARGIN_CM = 21.0, 29.7, 2.5
TEXT_WIDTH_TWIPS = int((PAGE_WIDTH_CM - 2 * MARGIN_CM) / 2.54 * 1440)
TOC_LEVELS = 2
CELL_MARGIN_TWIPS = 72  # left and right, inside each table cell (Word's default is 108)
CHARACTER_CM = 0.17  # about the width of a character of 8.5 pt Arial bold: a column fits its longest word
SHORT_CELL = 26  # characters: a column whose every cell is this short keeps each cell on one line
KEPT_TOGETHER = 12  # a table of at most this many rows is kept on one page; a longer one keeps its first rows
MISSING_STYLE, NOTE_STYLE, TABLE_TEXT_STYLE = "xlcase Missing", "xlcase Note", "xlcase Table text"
KEY_TEXT_STYLE = "xlcase Key figure"
_LANGUAGE = "en-GB"


def render_docx(document: Document, path: str | Path) -> None:
    """Write ``document`` as a .docx file at ``path`` (a temporary file of xlcase.atomic)."""
    from docx import Document as new_document

    word = new_document()
    _styles(word)
    _page_setup(word)
    _cover(word, document)
    _contents(word, document)
    for level, section in document.walk():
        _section(word, level, section)
    _properties(word, document)
    word.save(str(path))


# --- XML helpers -------------------------------------------------------------------------------------------------

def _el(tag: str, **attributes: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _run(text: str, *, bold: bool = False) -> Any:
    """A w:r holding ``text`` as one w:t: text, whatever it contains (lxml escapes it)."""
    from docx.oxml.ns import qn

    run = _el("w:r")
    if bold:
        properties = _el("w:rPr")
        properties.append(_el("w:b"))
        run.append(properties)
    t = _el("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    return run


def _field(paragraph: Any, instruction: str, shown: str) -> None:
    """A field made by xlcase (PAGE, NUMPAGES): begin, its instruction, its saved result, end."""
    _field_begin(paragraph, instruction)
    paragraph._p.append(_run(shown))
    paragraph._p.append(_field_end())


def _field_begin(paragraph: Any, instruction: str) -> None:
    """The start of a field: its instruction (always xlcase's own, never case text), then its saved result."""
    from docx.oxml.ns import qn

    begin = _el("w:r")
    begin.append(_el("w:fldChar", fldCharType="begin"))
    code = _el("w:r")
    instr = _el("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    code.append(instr)
    separate = _el("w:r")
    separate.append(_el("w:fldChar", fldCharType="separate"))
    for element in (begin, code, separate):
        paragraph._p.append(element)


def _field_end() -> Any:
    end = _el("w:r")
    end.append(_el("w:fldChar", fldCharType="end"))
    return end


# --- styles and page -------------------------------------------------------------------------------------------

def _fonts(word: WordDocument) -> None:
    """Arial everywhere, in place of the template's theme fonts; British English for spelling."""
    from docx.oxml.ns import qn

    root = word.styles.element
    for fonts in root.iter(qn("w:rFonts")):
        for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{attribute}"), None)
        for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{attribute}"), FONT)
    defaults = root.find(qn("w:docDefaults"))
    run_defaults = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
    if run_defaults is not None:
        for language in run_defaults.findall(qn("w:lang")):
            run_defaults.remove(language)
        run_defaults.append(_el("w:lang", val=_LANGUAGE, eastAsia=_LANGUAGE, bidi="ar-SA"))


def _styles(word: WordDocument) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    _fonts(word)
    styles = word.styles
    normal = styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.12
    for name, size, before in (("Heading 1", 16, 18), ("Heading 2", 12.5, 12)):
        style = styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor.from_string(BLUE)
        colour = style.element.rPr.find(qn("w:color"))
        for attribute in ("themeColor", "themeShade"):
            colour.attrib.pop(qn(f"w:{attribute}"), None)
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(6)
    title = styles["Title"]
    title.font.size = Pt(26)
    title.font.color.rgb = RGBColor.from_string(BLUE)
    caption = styles["Caption"]
    caption.font.size = Pt(9)
    caption.font.bold = True
    caption.font.color.rgb = RGBColor.from_string("1D1D1B")
    caption.paragraph_format.space_before = Pt(6)
    caption.paragraph_format.space_after = Pt(3)
    for name, size, italic, colour in ((MISSING_STYLE, 10.5, True, MISSING_COLOUR), (NOTE_STYLE, 8.5, False, "425563"),
                                       (TABLE_TEXT_STYLE, 8.5, False, "1D1D1B"), (KEY_TEXT_STYLE, 10, False, "1D1D1B")):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.font.italic = italic
        style.font.color.rgb = RGBColor.from_string(colour)
    for name in (TABLE_TEXT_STYLE, KEY_TEXT_STYLE):
        styles[name].paragraph_format.space_after = Pt(0)
        styles[name].paragraph_format.line_spacing = 1.0
    for level in range(1, TOC_LEVELS + 1):
        style = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.paragraph_format.left_indent = Pt(14 * (level - 1))
        style.paragraph_format.space_after = Pt(2)


def _page_setup(word: WordDocument) -> None:
    from docx.shared import Cm

    section = word.sections[0]
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
    section.left_margin = section.right_margin = Cm(MARGIN_CM)
    section.top_margin = section.bottom_margin = Cm(MARGIN_CM)
    section.different_first_page_header_footer = True  # the cover has no footer


def _footer(word: WordDocument, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = word.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph._p.append(_run(f"{text}  ·  Page "))
    _field(paragraph, "PAGE", "1")
    paragraph._p.append(_run(" of "))
    _field(paragraph, "NUMPAGES", "1")
    for run in paragraph.runs:
        run.font.size = Pt(8.5)


# --- content ---------------------------------------------------------------------------------------------------

def _cover(word: WordDocument, document: Document) -> None:
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    for _ in range(4):
        word.add_paragraph()
    title = word.add_paragraph(style="Title")
    title._p.append(_run(document.cover.title))
    subtitle = word.add_paragraph(style="Subtitle")
    subtitle._p.append(_run(document.cover.subtitle))
    subtitle.paragraph_format.space_after = Pt(30)
    _key_figures(word, document.cover.details)
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _footer(word, document.footer)


def _contents(word: WordDocument, document: Document) -> None:
    """A table of contents field whose saved result lists the headings (page numbers come when Word updates it)."""
    from docx.enum.text import WD_BREAK

    heading = word.add_paragraph(style="TOC Heading")
    heading._p.append(_run("Contents"))
    entries = [(level, section.title) for level, section in document.walk() if level <= TOC_LEVELS]
    first = word.add_paragraph(style="toc 1")
    _field_begin(first, f'TOC \\o "1-{TOC_LEVELS}" \\h \\z \\u')
    paragraphs = [first] + [word.add_paragraph(style=f"toc {level}") for level, _ in entries[1:]]
    for paragraph, (level, title) in zip(paragraphs, entries):
        paragraph.style = word.styles[f"toc {level}"]
        paragraph._p.append(_run(title))
    paragraphs[-1]._p.append(_field_end())
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _section(word: WordDocument, level: int, section: Section) -> None:
    heading = word.add_paragraph(style=f"Heading {min(level, 2)}")
    heading._p.append(_run(section.title))
    for block in section.blocks:
        if isinstance(block, Paragraph):
            _paragraph(word, block)
        elif isinstance(block, Bullets):
            _bullets(word, block)
        elif isinstance(block, Table):
            _table(word, block)
        elif isinstance(block, Figure):
            _figure(word, block)
        elif isinstance(block, KeyFigures):
            _key_figures(word, block)


def _paragraph(word: WordDocument, block: Paragraph) -> None:
    style = {"body": "Normal", "note": NOTE_STYLE, "missing": MISSING_STYLE}[block.kind]
    paragraph = word.add_paragraph(style=style)
    for run in block.runs:
        paragraph._p.append(_run(run.text, bold=run.strong))


def _bullets(word: WordDocument, block: Bullets) -> None:
    style = "List Number" if block.numbered else "List Bullet"
    paragraphs = []
    for item in block.items:
        paragraph = word.add_paragraph(style=style)
        paragraph._p.append(_run(item))
        paragraphs.append(paragraph)
    if block.numbered and paragraphs:
        _restart_numbering(word, paragraphs)


def _restart_numbering(word: WordDocument, paragraphs: list[Any]) -> None:
    """Number this list from 1: a new numbering instance of the List Number style's list, starting again."""
    from docx.oxml.ns import qn

    numbering = word.part.numbering_part.element
    style_num = word.styles["List Number"].element.pPr.find(f"{qn('w:numPr')}/{qn('w:numId')}").get(qn("w:val"))
    abstract = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == style_num) \
        .find(qn("w:abstractNumId")).get(qn("w:val"))
    new_id = str(max(int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))) + 1)
    num = _el("w:num", numId=new_id)
    num.append(_el("w:abstractNumId", val=abstract))
    override = _el("w:lvlOverride", ilvl="0")
    override.append(_el("w:startOverride", val="1"))
    num.append(override)
    numbering.append(num)
    for paragraph in paragraphs:
        properties = paragraph._p.get_or_add_pPr()
        numbered = _el("w:numPr")
        numbered.append(_el("w:ilvl", val="0"))
        numbered.append(_el("w:numId", val=new_id))
        properties.append(numbered)


def _caption(word: WordDocument, text: str, *, keep_with_next: bool) -> None:
    paragraph = word.add_paragraph(style="Caption")
    paragraph._p.append(_run(text))
    paragraph.paragraph_format.keep_with_next = keep_with_next


def _widths(weights: list[float], minimums: list[float] | None = None) -> list[int]:
    """Column widths in twips: shares of the text width by weight, each at least its minimum (in twips), so
    that no header word or figure is broken across lines while the page has room."""
    least = minimums or [0.0] * len(weights)
    if sum(least) >= TEXT_WIDTH_TWIPS:
        return [int(TEXT_WIDTH_TWIPS * m / sum(least)) for m in least]
    fixed: set[int] = set()
    while True:
        room = TEXT_WIDTH_TWIPS - sum(least[i] for i in fixed)
        share = sum(w for i, w in enumerate(weights) if i not in fixed) or 1.0
        widths = [least[i] if i in fixed else room * w / share for i, w in enumerate(weights)]
        short = {i for i, w in enumerate(widths) if i not in fixed and w < least[i]}
        if not short:
            return [int(w) for w in widths]
        fixed |= short


def _minimum(block: Table, column: int) -> float:
    """The narrowest a column may be, in twips: its header's longest word, and its longest cell when every cell
    is short (figures, labels such as 'Incremental PV benefits'), so that those stay on one line."""
    longest = max(map(len, block.header[column].split()), default=0)
    cells = max((len(row[column]) for row in block.rows), default=0)
    if block.is_numeric(column) or cells <= SHORT_CELL:
        longest = max(longest, cells)
    return (longest * CHARACTER_CM) / 2.54 * 1440 + 2 * CELL_MARGIN_TWIPS


def _new_table(word: WordDocument, widths: list[int]) -> Any:
    from docx.oxml.ns import qn

    table = word.add_table(rows=0, cols=len(widths))
    table.style = word.styles["Table Grid"]
    tbl = table._tbl

    properties = tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout", "w:tblCellMar"):
        for old in properties.findall(qn(tag)):
            properties.remove(old)
    margins = _el("w:tblCellMar")
    for side in ("left", "right"):
        margins.append(_el(f"w:{side}", w=str(CELL_MARGIN_TWIPS), type="dxa"))
    look = properties.find(qn("w:tblLook"))  # the schema's order: tblStyle, tblW, ..., tblLayout, tblCellMar, tblLook
    for element in (_el("w:tblW", w=str(sum(widths)), type="dxa"), _el("w:tblLayout", type="fixed"), margins):
        if look is not None:
            look.addprevious(element)
        else:
            properties.append(element)
    for column, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(width))
    return tbl


def _row(cells: list[str], widths: list[int], style_id: str, *, header: bool = False, keep: bool = False,
         right: list[bool] | None = None, fills: list[str | None] | None = None,
         bold: list[bool] | None = None) -> Any:
    """One table row as XML: each cell one paragraph of one run of text."""
    row = _el("w:tr")
    properties = _el("w:trPr")
    properties.append(_el("w:cantSplit"))
    if header:
        properties.append(_el("w:tblHeader"))
    row.append(properties)
    for n, (value, width) in enumerate(zip(cells, widths)):
        cell = _el("w:tc")
        cell_properties = _el("w:tcPr")
        cell_properties.append(_el("w:tcW", w=str(width), type="dxa"))
        fill = HEADER_FILL if header else (fills[n] if fills else None)
        if fill:
            cell_properties.append(_el("w:shd", val="clear", color="auto", fill=fill))
        cell.append(cell_properties)
        paragraph = _el("w:p")
        paragraph_properties = _el("w:pPr")
        paragraph_properties.append(_el("w:pStyle", val=style_id))
        if header or keep:
            paragraph_properties.append(_el("w:keepNext"))
        if right and right[n]:
            paragraph_properties.append(_el("w:jc", val="right"))
        paragraph.append(paragraph_properties)
        paragraph.append(_run(value, bold=header or bool(bold and bold[n])))
        cell.append(paragraph)
        row.append(cell)
    return row


def _table(word: WordDocument, block: Table) -> None:
    _caption(word, block.label, keep_with_next=True)
    columns = range(len(block.header))
    widths = _widths([block.width(i) for i in columns], [_minimum(block, i) for i in columns])
    tbl = _new_table(word, widths)
    right = [block.is_numeric(i) for i in columns]
    style_id = word.styles[TABLE_TEXT_STYLE].style_id
    tbl.append(_row(list(block.header), widths, style_id, header=True, right=right))
    last = len(block.rows) - 1
    kept = last if last < KEPT_TOGETHER else 2  # rows (from the first) kept with the row after them
    for n, cells in enumerate(block.rows):
        bold = [True] * len(cells) if block.total_row and n == last else None
        tbl.append(_row(list(cells), widths, style_id, keep=n < kept, right=right, bold=bold))
    if block.note:
        note = word.add_paragraph(style=NOTE_STYLE)
        note._p.append(_run(block.note))
    else:
        word.add_paragraph(style=NOTE_STYLE)


def _key_figures(word: WordDocument, block: KeyFigures) -> None:
    widths = _widths([1.3, 2.7])
    tbl = _new_table(word, widths)
    style_id = word.styles[KEY_TEXT_STYLE].style_id
    for label, value in block.items:
        tbl.append(_row([label, value], widths, style_id, fills=[LABEL_FILL, None], bold=[True, False]))
    word.add_paragraph(style=NOTE_STYLE)


def _figure(word: WordDocument, block: Figure) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    paragraph = word.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = True
    run = paragraph.add_run()
    shape = run.add_picture(io.BytesIO(block.png), width=Cm(block.width_cm))
    shape._inline.docPr.set("descr", block.description)
    shape._inline.docPr.set("name", f"Figure {block.number}")
    _caption(word, block.label, keep_with_next=False)


def _properties(word: WordDocument, document: Document) -> None:
    properties = word.core_properties
    properties.title = document.title
    properties.author = document.author
    properties.subject = document.subject
    properties.comments = "Written by xlcase paper from the business case and its Green Book appraisal."
    properties.last_modified_by = "xlcase"
    properties.keywords = "business case; assistant practitioners; Green Book"
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    properties.created = properties.modified = now
    properties.revision = 1
    package = word.part.package
    for key, relationship in list(package.rels.items()):  # python-docx's template carries a blank page's preview
        if relationship.reltype.endswith("/thumbnail"):
            del package.rels[key]
