"""The yearly briefing as an editable Word file (python-docx): offices edit it, print it and stamp it.

Real styles, so that Word's navigation pane and a table of contents see the structure: the title in the Title
style, each section a Heading 1, paragraphs in Normal (first line indented by two characters, justified),
tables in Table Grid with a header row that repeats on a new page. Fonts are the ones every Chinese Windows
has (宋体 for the title, 黑体 for headings, 仿宋 for the text); the footer numbers the pages; the end leaves the
signature and stamp lines (寨坝镇综治中心（盖章） / 年 月 日). The file is the same bytes for the same briefing on
the same day (its dates and the zip entries' times are that day).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from gridgov.stats.briefing import Briefing, Paragraph, Table

TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋"
TABLE_FONT = "宋体"
BODY = 14  # pt (四号)
BLACK = RGBColor(0, 0, 0)
MUTED = RGBColor(0x59, 0x59, 0x59)
HEAD_FILL = "ECEFF3"


def _fonts(element, name: str) -> None:
    """Set the Latin and East Asian fonts of a style's or a run's properties (dropping theme fonts)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _language(style) -> None:
    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _no_border(style) -> None:
    ppr = style.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is not None:
        ppr.remove(border)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY)
    normal.font.color.rgb = BLACK
    _fonts(normal.element, BODY_FONT)
    _language(normal)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)

    title = doc.styles["Title"]
    title.font.size = Pt(22)
    title.font.bold = True
    title.font.color.rgb = BLACK
    _fonts(title.element, TITLE_FONT)
    _no_border(title)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)

    heading = doc.styles["Heading 1"]
    heading.font.size = Pt(16)
    heading.font.bold = False
    heading.font.color.rgb = BLACK
    _fonts(heading.element, HEADING_FONT)
    heading.paragraph_format.space_before = Pt(12)
    heading.paragraph_format.space_after = Pt(6)
    heading.paragraph_format.keep_with_next = True


def _page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in ((_("第 "), None), (None, "PAGE"), (_(" 页 / 共 "), None), (None, "NUMPAGES"), (_(" 页"), None)):
        if field:
            simple = OxmlElement("w:fldSimple")
            simple.set(qn("w:instr"), f" {field} ")
            run = OxmlElement("w:r")
            value = OxmlElement("w:t")
            value.text = "1"
            run.append(value)
            simple.append(run)
            footer._p.append(simple)
        else:
            run = footer.add_run(text)
            run.font.size = Pt(10.5)


def _text_width(doc) -> int:
    section = doc.sections[0]
    return section.page_width - section.left_margin - section.right_margin


def _shade(cell, fill: str) -> None:
    props = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    props.append(shading)


def _repeat_header(row) -> None:
    props = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    props.append(header)


def _cell_text(cell, text: str, *, align, size: float = 10.5, font: str = TABLE_FONT) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    _fonts(run._r, font)


def _table(doc, table: Table) -> None:
    caption = doc.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(6)
    run = caption.add_run(table.caption)
    run.font.size = Pt(10.5)
    _fonts(run._r, HEADING_FONT)

    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    total, width = sum(table.widths), _text_width(doc)
    widths = [int(width * w / total) for w in table.widths]
    for i, name in enumerate(table.header):
        cell = grid.rows[0].cells[i]
        _cell_text(cell, name, align=WD_ALIGN_PARAGRAPH.CENTER if i else WD_ALIGN_PARAGRAPH.LEFT, font=HEADING_FONT)
        _shade(cell, HEAD_FILL)
    _repeat_header(grid.rows[0])
    for r, cells in enumerate(table.rows, start=1):
        for i, run in enumerate(cells):
            align = WD_ALIGN_PARAGRAPH.RIGHT if table.numeric[i] else WD_ALIGN_PARAGRAPH.LEFT
            _cell_text(grid.rows[r].cells[i], run.text, align=align)
    for row in grid.rows:
        for i, cell in enumerate(row.cells):
            cell.width = widths[i]
    doc.add_paragraph().paragraph_format.line_spacing = 0.8


def _paragraph(doc, block: Paragraph) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if block.kind == "note":
        run = paragraph.add_run(block.text)
        run.font.size = Pt(10.5)
        run.font.color.rgb = MUTED
        paragraph.paragraph_format.space_before = Pt(6)
        return
    paragraph.paragraph_format.first_line_indent = Pt(2 * BODY)
    paragraph.add_run(block.text)


def _stable(data: bytes, day: dt.date) -> bytes:
    """The same package with every entry dated ``day`` (python-docx stamps each with the second it was saved)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(day.year, day.month, day.day, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def render(briefing: Briefing) -> bytes:
    doc = Document()
    _styles(doc)
    _page(doc)
    made = dt.datetime.combine(briefing.made_on, dt.time.min)
    props = doc.core_properties
    props.title = briefing.title
    props.subject = briefing.lines[0]
    props.author = props.last_modified_by = briefing.issuer
    props.created = props.modified = made
    props.revision = 1
    props.comments = props.keywords = props.category = ""

    doc.add_paragraph(briefing.title, style="Title")
    for line in briefing.lines:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.font.size = Pt(12)
        run.font.color.rgb = MUTED
    for section in briefing.sections:
        doc.add_heading(section.heading, level=1)
        for block in section.blocks:
            if isinstance(block, Table):
                _table(doc, block)
            else:
                _paragraph(doc, block)

    for _blank in range(2):
        doc.add_paragraph()
    for text in (_("%(issuer)s（盖章）") % {"issuer": briefing.issuer}, _("年　　月　　日")):
        paragraph = doc.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(2 * BODY)
    out = io.BytesIO()
    doc.save(out)
    return _stable(out.getvalue(), briefing.made_on)
