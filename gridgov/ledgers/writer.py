"""Writing a ledger workbook: a title row, the header row, one row per record, every cell a string.

The writer is rustpy-xlsxwriter (Rust's rust_xlsxwriter, constant memory, streamed from a generator): on the
same 100,000-row visits ledger its writing took about an eighth of the CPU of XlsxWriter's constant_memory mode
and a seventh of pyexcelerate's (3.4 and 2.9 times the rows per CPU-second end to end, query included), in no
more memory than XlsxWriter (pyexcelerate holds the whole sheet): `python -m bench.ledger_bench --compare`.
It writes every value as an inline string, never a formula; cells are also neutralised as the register export
does (`registers.excel.safe_text`: a leading = + - @ tab or CR gets a quote), so a copy into another sheet or a
CSV cannot run either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import rustpy_xlsxwriter

from gridgov.utils.xlsx import Column, safe_text

PROGRESS_EVERY = 1000  # rows between two progress reports
Progress = Callable[[int], None]


def _records(headers: list[str], rows: Iterable[list[str]], counter: list[int], progress: Progress | None) -> Iterator:
    count = 0
    for values in rows:
        count += 1
        yield {h: (safe_text(v) if v else None) for h, v in zip(headers, values, strict=True)}
        if progress is not None and not count % PROGRESS_EVERY:
            progress(count)
    counter[0] = count
    if not count:  # the writer takes the header row from the first record: an empty one writes it alone
        yield dict.fromkeys(headers)


def write_workbook(
    path: str,
    *,
    sheet_name: str,
    title: str,
    columns: tuple[Column, ...] | list[Column],
    rows: Iterable[list[str]],
    progress: Progress | None = None,
) -> int:
    """Write the workbook to ``path``; returns the number of records written."""
    headers = [c.header for c in columns]
    if len(set(headers)) != len(headers):
        raise ValueError("ledger headers must be unique")
    text = rustpy_xlsxwriter.Format().set_num_format("@")
    plain = rustpy_xlsxwriter.Format()
    counter = [0]
    rustpy_xlsxwriter.write_worksheet(
        _records(headers, rows, counter, progress),
        path,
        sheet_name=sheet_name[:31],
        header_row=1,
        merge_ranges=[
            (0, 0, 0, len(columns) - 1, safe_text(title), rustpy_xlsxwriter.Format().set_bold().set_font_size(14))
        ],
        freeze_row=2,
        column_widths=[float(c.width) for c in columns],
        column_formats=[text if c.text else plain for c in columns],
        header_format=rustpy_xlsxwriter.Format().set_bold().set_background_color("#F0F2F5").set_border("thin"),
    )
    return counter[0]
