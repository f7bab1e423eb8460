"""人民调解协议书 as a PDF with Chinese text (fpdf2; the Chinese font is loaded by `gridgov.utils.pdffonts`)."""

from __future__ import annotations

from fpdf import FPDF

from gridgov.matters.models import MediationAgreement
from gridgov.utils.pdffonts import FONT_NAME, add_cjk_font


class _AgreementPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT_NAME, size=9)
        self.cell(0, 8, f"第 {self.page_no()} 页", align="C")


def _blank(value: str) -> str:
    return value.strip() or "—"


def agreement_pdf(agreement: MediationAgreement) -> bytes:
    pdf = _AgreementPDF(format="A4")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=20)
    add_cjk_font(pdf)
    pdf.set_title(f"人民调解协议书 {agreement.number}")
    pdf.set_creator("gridgov")
    pdf.add_page()

    pdf.set_font(FONT_NAME, size=20)
    pdf.cell(0, 14, "人民调解协议书", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_NAME, size=11)
    pdf.cell(0, 8, agreement.number, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    def heading(text: str) -> None:
        pdf.ln(2)
        pdf.set_font(FONT_NAME, size=12)
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_NAME, size=11)

    def para(text: str) -> None:
        pdf.multi_cell(0, 7, _blank(text), new_x="LMARGIN", new_y="NEXT")

    heading("当事人")
    for party in agreement.parties:
        bits = [f"{party.get('role') or '当事人'}：{party.get('name', '')}"]
        if party.get("address"):
            bits.append(f"住址：{party['address']}")
        if party.get("contact"):
            bits.append(f"联系方式：{party['contact']}")
        para("　".join(bits))

    matter = agreement.matter
    heading("事项")
    para(f"{matter.reference}　{matter.title}（{matter.category.name}）")
    heading("纠纷主要事实、争议事项")
    para(agreement.facts)
    heading("经调解，自愿达成如下协议")
    para(agreement.terms)
    heading("履行方式、时限")
    para(agreement.performance)
    pdf.ln(2)
    para(
        "本协议一式三份，当事人、人民调解委员会各持一份。"
        "经人民调解委员会调解达成的、有民事权利义务内容的调解协议，具有法律约束力，当事人应当按照约定履行。"
    )

    pdf.ln(6)
    names = [p.get("name", "") for p in agreement.parties]
    for name in names:
        pdf.cell(0, 10, f"当事人（签名）：{name}　　________________", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 10, f"调解员（签名）：{agreement.mediator_names}　　________________", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.cell(0, 8, f"{agreement.organisation}（盖章）", align="R", new_x="LMARGIN", new_y="NEXT")
    signed = agreement.signed_on
    pdf.cell(0, 8, f"{signed.year}年{signed.month}月{signed.day}日", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
