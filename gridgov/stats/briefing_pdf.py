"""The yearly briefing as a PDF: A4, the Chinese font embedded (`gridgov.utils.pdffonts`), page numbers.

Chinese paragraphs are broken into lines here rather than by fpdf2 (which breaks at spaces, and Chinese has
none): a number (1,290 or 96.3%) is never cut, a line never starts with closing punctuation (，。、；：）)
nor ends with an opening one (（“), and every line but a paragraph's last is justified to the margin by
spacing its characters. Headings are drawn filled and stroked (a bold face would embed a second 20 MB font).
The file is the same bytes for the same briefing on the same day (its creation date is that day).
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, TextMode, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from gridgov.stats.briefing import Briefing, Table
from gridgov.utils.pdffonts import add_cjk_font

MARGIN = 20  # mm, left and right
TOP = 18
BOTTOM = 18
BODY = 11  # pt
LINE = 7  # mm a body line
INDENT = "\u3000\u3000"  # two ideographic spaces open a Chinese paragraph
INK = (33, 33, 33)
MUTED = (100, 100, 100)
RED = (190, 30, 45)
HEAD_FILL = (236, 239, 243)

CLOSING = set("，。、；：？！）》」』】”’%％…·,.;:!?)")
OPENING = set("（《「『【“‘(")
TOKEN = re.compile(r"[+\-]?\d[\d,.]*%?|[A-Za-z]+|\s+|.", re.S)


def _tokens(text: str) -> list[str]:
    """Pieces a line may not split: numbers and words whole, closing punctuation glued to what precedes it,
    opening punctuation to what follows."""
    out: list[str] = []
    pending = ""
    for piece in TOKEN.findall(text):
        if piece in CLOSING and out and not pending:
            out[-1] += piece
        elif piece in OPENING:
            pending += piece
        else:
            out.append(pending + piece)
            pending = ""
    if pending:
        out.append(pending)
    return out


def break_lines(width_of, text: str, width: float) -> list[str]:
    """Greedy line breaking of ``text`` into lines no wider than ``width`` (``width_of`` measures a string)."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if line and width_of(line + token) > width:
            lines.append(line)
            line = token.lstrip()
        else:
            line += token
    if line or not lines:
        lines.append(line)
    return lines


class _BriefingPDF(FPDF):
    def __init__(self, briefing: Briefing) -> None:
        super().__init__(format="A4")
        self.briefing = briefing
        self.font_name = add_cjk_font(self)
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM + 6)
        self.set_text_color(*INK)

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def footer(self) -> None:
        self.set_y(-BOTTOM)
        self.set_font(self.font_name, size=9)
        self.set_text_color(*MUTED)
        self.cell(0, 6, _("%(title)s　第 %(page)s 页 / 共 {nb} 页") % {"title": self.briefing.title,
                                                                   "page": self.page_no()}, align="C")  # fmt: skip
        self.set_text_color(*INK)

    def strong(self, size: float, text: str, align: str = "L", height: float = 9) -> None:
        """A heading: the regular face filled and stroked."""
        self.set_font(self.font_name, size=size)
        self.set_draw_color(*INK)
        self.set_line_width(size * 0.012)
        with self.local_context(text_mode=TextMode.FILL_STROKE):
            self.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: str, *, size: float = BODY, line: float = LINE, indent: bool = True) -> None:
        self.set_font(self.font_name, size=size)
        self.set_char_spacing(0)
        lines = break_lines(self.get_string_width, (INDENT if indent else "") + text, self.width)
        for i, one in enumerate(lines):
            if self.will_page_break(line):
                self.add_page()
            self.set_x(self.l_margin)
            spare = self.width - self.get_string_width(one)
            last = i == len(lines) - 1
            if not last and len(one) > 1 and 0 < spare < 3 * size / self.k:  # at most three characters short
                self.set_char_spacing(spare * self.k / (len(one) - 1))
            self.cell(self.width, line, one, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_char_spacing(0)

    def grid(self, table: Table) -> None:
        self.ln(1.5)
        self.set_font(self.font_name, size=10)
        if self.will_page_break(8 + 7 * min(len(table.rows) + 1, 4)):
            self.add_page()  # a caption and the first rows stay together
        self.cell(0, 7, table.caption, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.font_name, size=9.5)
        total = sum(table.widths)
        widths = tuple(self.width * w / total for w in table.widths)
        align = tuple("RIGHT" if n else "LEFT" for n in table.numeric)
        heading = FontFace(emphasis="", fill_color=HEAD_FILL)
        with self.table(
            col_widths=widths,
            width=self.width,
            line_height=5.4,
            text_align=align,
            headings_style=heading,
            wrapmode=WrapMode.CHAR,
            padding=(0.7, 1.6),
            borders_layout=TableBordersLayout.ALL,
        ) as grid:
            head = grid.row()
            for i, name in enumerate(table.header):
                head.cell(name, align="CENTER" if i else "LEFT")
            for cells in table.rows:
                row = grid.row()
                for run in cells:
                    row.cell(run.text)
        self.ln(2)

    def signature(self) -> None:
        self.ln(8)
        if self.will_page_break(24):
            self.add_page()
        self.set_font(self.font_name, size=BODY + 1)
        self.cell(0, 9, _("%(issuer)s（盖章）") % {"issuer": self.briefing.issuer}, align="R",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
        self.cell(0, 9, _("年　　月　　日"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(briefing: Briefing) -> bytes:
    pdf = _BriefingPDF(briefing)
    pdf.set_title(briefing.title)
    pdf.set_author(briefing.issuer)
    pdf.set_subject(briefing.lines[0])
    pdf.set_creator("gridgov")
    made = dt.datetime.combine(briefing.made_on, dt.time.min)
    pdf.set_creation_date(timezone.make_aware(made) if timezone.is_naive(made) else made)
    pdf.add_page()

    pdf.ln(4)
    pdf.strong(18, briefing.title, align="C", height=11)
    pdf.ln(1)
    pdf.set_text_color(*MUTED)
    for line in briefing.lines:
        pdf.set_font(pdf.font_name, size=9.5)
        pdf.multi_cell(0, 6, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(1.5)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(4)

    for section in briefing.sections:
        if pdf.will_page_break(9 + 2 * LINE):
            pdf.add_page()  # a heading keeps two lines of its text with it
        pdf.strong(13, section.heading)
        pdf.ln(0.5)
        for block in section.blocks:
            if isinstance(block, Table):
                pdf.grid(block)
            elif block.kind == "note":
                pdf.set_text_color(*MUTED)
                pdf.paragraph(block.text, size=9, line=5.5, indent=False)
                pdf.set_text_color(*INK)
            else:
                pdf.paragraph(block.text)
        pdf.ln(2)
    pdf.signature()
    return bytes(pdf.output())
