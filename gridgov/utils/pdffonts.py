"""The Chinese font of every PDF the product prints (fpdf2 embedding a subset of Noto Sans CJK SC).

fpdf2 embeds CFF-flavoured OpenType (Debian's fonts-noto-cjk collection) as a CID font subset, so a page of
Chinese text is some tens of KB and needs no browser. The mediation agreement (`gridgov.matters.pdf`) and the
yearly briefing (`gridgov.stats.briefing_pdf`) load the font here. ``GRIDGOV_PDF_CJK_FONT`` points elsewhere
(another OpenType collection whose third face is Simplified Chinese, or a single font with
``GRIDGOV_PDF_CJK_FONT_INDEX`` set to 0).
"""

from __future__ import annotations

import os
from functools import lru_cache

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SC_INDEX = 2  # the collection holds JP, KR, SC, TC, HK; SC is the third
FONT_NAME = "NotoSansCJKSC"


@lru_cache(maxsize=1)
def font_path() -> str:
    from django.conf import settings

    path = getattr(settings, "GRIDGOV_PDF_CJK_FONT", DEFAULT_FONT)
    if not os.path.exists(path):
        raise RuntimeError(f"缺少中文字体文件：{path}（请安装 fonts-noto-cjk）")
    return path


def font_index() -> int:
    from django.conf import settings

    return int(getattr(settings, "GRIDGOV_PDF_CJK_FONT_INDEX", SC_INDEX))


def add_cjk_font(pdf) -> str:
    """Register the Chinese font on an fpdf2 document; returns its family name for ``set_font``."""
    pdf.add_font(FONT_NAME, fname=font_path(), collection_font_number=font_index())
    return FONT_NAME
