"""The archival run's PDF report: the verdict and its reasons first, then the evidence, then lineage.

Page by page: a cover (verdict, key figures, findings, the run and the request), a summary of
the tables with a chart of rows and throughput, one section per table (rows and checksums of
source and archive, schema differences, timing, the first differing rows, column aggregates,
the source purge, source SQL) and a lineage page (Iceberg table, snapshot, S3 location, Athena
queries). The source purge (opt-in) is told as an auditor asks of it: what was deleted from the
source, what was left there and why; it does not change the verdict, which is the validation's.

Rendered on A4 with reportlab's platypus. Paragraph text is markup, so every piece of text that
comes from a user or a source (table names, SQL, values, errors) is escaped before it reaches
one; characters the standard PDF fonts cannot draw are written as their code points.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    HRFlowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
    XPreformatted,
)

from archive_io.contracts.runs import (
    Checksum,
    ColumnComparison,
    DifferenceKind,
    PurgeResult,
    PurgeStatus,
    RowDifference,
    RunRecord,
    TableResult,
    Validation,
    Verdict,
)
from archive_io.tables.iceberg import ARCHIVED_AT_COLUMN, RUN_ID_COLUMN

# A restrained palette: navy for structure; green, amber and red only for verdicts, warnings and errors.
NAVY = colors.HexColor("#1F2A44")
INK = colors.HexColor("#1F2328")
MUTED = colors.HexColor("#667085")
RULE = colors.HexColor("#C9CED6")
HEADER_BG = colors.HexColor("#ECEFF3")
STRIPE_BG = colors.HexColor("#F7F8FA")
CODE_BG = colors.HexColor("#F4F5F7")
GREEN = colors.HexColor("#1E7B34")
GREEN_BG = colors.HexColor("#EDF7EF")
AMBER = colors.HexColor("#B54708")
AMBER_BG = colors.HexColor("#FFF8E6")
RED = colors.HexColor("#B42318")
ERROR_BG = colors.HexColor("#FEF3F2")
MISMATCH_BG = colors.HexColor("#FDE4E1")
INFO_BG = colors.HexColor("#F2F5FA")
BAR = colors.HexColor("#3B5B8C")
BAR_SPEED = colors.HexColor("#6C8EBF")

MARGIN = 18 * mm
FRAME_PADDING = 6  # platypus frames pad their content by 6 pt on each side
FRAME_WIDTH = A4[0] - 2 * (MARGIN + FRAME_PADDING)
DASH = "—"
# Error texts can be whole stack traces; the report shows their head, the run record keeps all.
MAX_ERROR_CHARS = 4000
# Beyond this many bars the labels become unreadable; the chart shows the largest tables.
MAX_BARS = 30
# A table's heading and SQL of at most this many lines are kept on one page; longer SQL splits.
SHORT_CODE_LINES = 30
# Room a heading needs below it, so that it never ends a page alone (platypus' keepWithNext
# turns into a KeepTogether, which moves content taller than a page to a page of its own).
HEADING_ROOM = 150
# The same for a sub-heading and the first rows of the table under it.
SUBHEADING_ROOM = 80
# A table cell cannot split across pages: the cover's findings are capped, the details list all.
COVER_TABLES = 12
COVER_REASONS = 4
COVER_REASON_CHARS = 240
# A differing value shows this much (the validation already cuts at 120 characters).
VALUE_CHARS = 160
# Column aggregates are compact: min/max/sum show this much.
AGGREGATE_CHARS = 48
# The request's tables as listed on the cover.
COVER_REQUESTED = 10
# A dry run's DELETE binds a chunk's keys, one marker each: the report shows its head and its end.
STATEMENT_CHARS = 320


def _style(name: str, **overrides: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": "Helvetica", "fontSize": 9, "leading": 12, "textColor": INK}
    return ParagraphStyle(name, **{**base, **overrides})


def _callout_style(name: str, background: colors.Color, border: colors.Color) -> ParagraphStyle:
    # Indents keep the padded background inside the frame.
    return _style(
        name,
        fontSize=8.5,
        leading=11,
        backColor=background,
        borderColor=border,
        borderWidth=0.6,
        borderPadding=7,
        leftIndent=7,
        rightIndent=7,
        spaceBefore=10,
        spaceAfter=12,
    )


_CELL: dict[str, Any] = {"fontSize": 8, "leading": 10}
_MONO: dict[str, Any] = {"fontName": "Courier", "fontSize": 7.5, "leading": 9.5}
S: dict[str, ParagraphStyle] = {
    "title": _style("title", fontName="Helvetica-Bold", fontSize=24, leading=29, textColor=NAVY),
    "subtitle": _style("subtitle", fontSize=10, leading=14, textColor=MUTED),
    "h1": _style(
        "h1", fontName="Helvetica-Bold", fontSize=14, leading=18, textColor=NAVY, spaceBefore=16, spaceAfter=6
    ),
    "h2": _style("h2", fontName="Helvetica-Bold", fontSize=11, leading=14, textColor=NAVY),
    "h3": _style("h3", fontName="Helvetica-Bold", fontSize=9, leading=12, textColor=NAVY, spaceBefore=10, spaceAfter=4),
    "body": _style("body"),
    "note": _style("note", fontSize=8, leading=10, textColor=MUTED, spaceAfter=4),
    "label": _style("label", fontName="Helvetica-Bold", fontSize=8, leading=10, textColor=MUTED, spaceBefore=4),
    "cell": _style("cell", **_CELL),
    "cell_right": _style("cell_right", alignment=TA_RIGHT, **_CELL),
    "cell_mono": _style("cell_mono", **_MONO),
    "cell_mono_right": _style("cell_mono_right", alignment=TA_RIGHT, **_MONO),
    "head": _style("head", fontName="Helvetica-Bold", textColor=NAVY, **_CELL),
    "head_right": _style("head_right", fontName="Helvetica-Bold", textColor=NAVY, alignment=TA_RIGHT, **_CELL),
    "fact_label": _style("fact_label", fontName="Helvetica-Bold", textColor=MUTED, **_CELL),
    "fact": _style("fact", fontSize=9, leading=11),
    "kpi": _style("kpi", fontName="Helvetica-Bold", fontSize=15, leading=18, textColor=NAVY, alignment=TA_CENTER),
    "kpi_label": _style("kpi_label", fontSize=7.5, leading=9, textColor=MUTED, alignment=TA_CENTER),
    "badge": _style(
        "badge", fontName="Helvetica-Bold", fontSize=20, leading=24, textColor=colors.white, alignment=TA_CENTER
    ),
    "badge_note": _style("badge_note", fontSize=8, leading=10, textColor=MUTED, alignment=TA_CENTER),
    "cell_bullet": _style("cell_bullet", leftIndent=9, bulletIndent=0, spaceAfter=1, **_CELL),
    "code": _style(
        "code",
        fontName="Courier",
        fontSize=8,
        leading=10,
        backColor=CODE_BG,
        borderPadding=5,
        leftIndent=5,
        rightIndent=5,
        spaceBefore=6,
        spaceAfter=8,
    ),
    "error": _callout_style("error", ERROR_BG, RED),
    "warning": _callout_style("warning", AMBER_BG, AMBER),
    "info": _callout_style("info", INFO_BG, RULE),
    "success": _callout_style("success", GREEN_BG, GREEN),
}
_CALLOUT_TITLE = {"error": RED, "warning": AMBER, "info": NAVY, "success": GREEN}

# Courier is fixed-width: this many characters fit on a line of a code block.
CODE_CHARS = int((FRAME_WIDTH - 2 * 5 - 12) / stringWidth("M", "Courier", 8))

# Rules shared by the report's data tables: a navy head, hairlines between rows, cells on top.
_GRID: list[tuple[Any, ...]] = [
    ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
    ("LINEBELOW", (0, 0), (-1, 0), 0.8, NAVY),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
]


# --- formatting ---------------------------------------------------------------------------------


def _drawable(char: str) -> bool:
    """Whether the standard PDF fonts draw it: Windows-1252, less control characters."""
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return False
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _printable(text: str, *, keep_lines: bool = True) -> str:
    """Text the fonts can draw: any other character as [U+XXXX] rather than a box that hides which it was.

    Line breaks and tabs stay when `keep_lines`; in a data value they are shown as \\n, \\t, \\r.
    """
    if text.isascii() and text.isprintable():
        return text
    shown = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for char in text:
        if _drawable(char) or (keep_lines and char in "\n\t"):
            out.append(char)
        else:
            out.append(shown.get(char) or f"[U+{ord(char):04X}]")
    return "".join(out)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _clip_middle(text: str, limit: int, tail: int = 60) -> str:
    """Text's head and its end, cut between words, where the end says as much as the head (a closing comment)."""
    if len(text) <= limit:
        return text
    head, end = text[: limit - tail - 3].rsplit(" ", 1)[0], text[-tail:].split(" ", 1)[-1]
    return f"{head} … {end}"


def _markup(text: object) -> str:
    """Text as Paragraph markup: drawable, escaped, its line breaks kept."""
    return escape(_printable(str(text))).replace("\n", "<br/>")


def _para(text: object, style: str) -> Paragraph:
    return Paragraph(_markup(text), S[style])


def _coloured(markup: str, colour: colors.Color, *, bold: bool = False) -> str:
    inner = f"<b>{markup}</b>" if bold else markup
    return f'<font color="{_hex(colour)}">{inner}</font>'


def _mono(markup: str) -> str:
    return f'<font name="Courier">{markup}</font>'


def _count(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def _seconds(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:,.1f} s" if value >= 10 else f"{value:.2f} s"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _rate(value: float | None) -> str:
    return DASH if value is None else f"{value:,.0f} rows/s"


def _utc(moment: datetime) -> datetime:
    # Naive datetimes in records are UTC by convention.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _time(moment: datetime) -> str:
    return f"{_utc(moment):%Y-%m-%d %H:%M:%S} UTC"


def _truncated(text: str) -> str:
    if len(text) <= MAX_ERROR_CHARS:
        return text
    return f"{text[:MAX_ERROR_CHARS]}\n… ({len(text) - MAX_ERROR_CHARS:,} more characters)"


def _code_text(text: str) -> str:
    """Hard-wrap code to the block's width (XPreformatted keeps lines as they are); continuations are indented."""
    lines: list[str] = []
    for line in _printable(text).expandtabs(4).rstrip().splitlines() or [""]:
        indent = line[: min(len(line) - len(line.lstrip()), CODE_CHARS // 2)]
        wrapped = textwrap.wrap(
            line.strip(), CODE_CHARS, initial_indent=indent, subsequent_indent=f"{indent}  ", break_on_hyphens=False
        )
        lines.extend(wrapped or [""])
    return "\n".join(lines)


def _code(text: str) -> tuple[XPreformatted, int]:
    """The code block and its number of lines."""
    wrapped = _code_text(text)
    return XPreformatted(escape(wrapped), S["code"]), wrapped.count("\n") + 1


def _code_flow(heading: list[Any], text: str) -> list[Any]:
    """A code block under its heading: on one page when it is short; a long one splits, after the heading."""
    code, lines = _code(text)
    if lines <= SHORT_CODE_LINES:
        return [KeepTogether([*heading, code])]
    return [CondPageBreak(SUBHEADING_ROOM), *heading, code]


def _hex(colour: colors.Color) -> str:
    return f"#{colour.hexval()[2:]}"


def _callout(tone: str, title: str, body: str) -> Paragraph:
    """A bordered box of `tone` (error, warning, info, success) with a title and body markup.

    A Paragraph rather than a Table so that a long one can split across pages.
    """
    return Paragraph(f"{_coloured(escape(title), _CALLOUT_TITLE[tone], bold=True)}<br/>{body}", S[tone])


def _apart() -> list[Any]:
    """What goes between two callouts so that their borders do not touch.

    A frame spaces two flowables by the larger of the first's space after and the second's space before,
    which is less than two callouts' paddings; with a spacer between them, the two spaces add up.
    """
    return [Spacer(1, 0)]


def _indented(text: str) -> str:
    """Markup that keeps each line's indentation (a paragraph would drop it), as in a traceback."""
    lines = []
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        lines.append("&nbsp;" * (len(line) - len(stripped)) + _markup(stripped))
    return "<br/>".join(lines)


def _error_box(title: str, entries: list[tuple[str, str]]) -> Paragraph:
    body = "<br/>".join(f"<b>{escape(label)}:</b> {_indented(_truncated(text))}" for label, text in entries)
    return _callout("error", title, body)


def _grid(
    rows: list[list[Any]], widths: list[float], extra: Iterable[tuple[Any, ...]] = (), *, head: bool = True
) -> Table:
    """A data table in the report's style; with a head row, it repeats on every page the table spans."""
    table = Table(rows, colWidths=widths, repeatRows=1 if head else 0)
    table.setStyle(TableStyle([*(_GRID if head else _GRID[2:]), *extra]))
    return table


def _heads(*heads: tuple[str, str]) -> list[Paragraph]:
    return [_para(text, style) for text, style in heads]


def _subsection(title: str, *flowables: Any) -> list[Any]:
    return [CondPageBreak(SUBHEADING_ROOM), _para(title, "h3"), *flowables]


# --- checksums and values -----------------------------------------------------------------------


def _checksum_sum(checksum: Checksum | None) -> str:
    # The exact sum of 60-bit hashes: a big integer, in full, grouped by thousands.
    return DASH if checksum is None else f"{checksum.sum:,}"


def _checksum_xor(checksum: Checksum | None) -> str:
    # bit_xor of 60-bit hashes: always 15 hex digits.
    return DASH if checksum is None else f"0x{checksum.xor:015x}"


def _value(text: str | None, limit: int = VALUE_CHARS) -> str:
    """A source or archive value as markup: control characters visible, undrawable ones as code points."""
    if text is None:
        return _coloured("null", MUTED)
    return escape(_clip(_printable(text, keep_lines=False), limit))


def _value_pair(source: str, archive: str) -> tuple[str, str]:
    """Both values as markup; two that would look alike (trailing spaces, say) are shown as Python literals."""
    # A paragraph collapses runs of spaces and drops them at a line's ends.
    if " ".join(source.split()) == " ".join(archive.split()) and source != archive:
        return _value(repr(source)), _value(repr(archive))
    return _value(source), _value(archive)


def _key_columns(columns: list[str]) -> str:
    """A primary key's columns as markup, in the code font."""
    return _mono(", ".join(escape(_printable(column)) for column in columns))


def _key(difference: RowDifference) -> str:
    return ", ".join(f"{_value(name, 40)} = {_value(value, 60)}" for name, value in difference.key.items())


# --- the run's facts ----------------------------------------------------------------------------


def _table_seconds(table: TableResult) -> float | None:
    validation_seconds = table.validation.seconds if table.validation else None
    parts = [s for s in (table.archive_seconds, validation_seconds) if s is not None]
    return sum(parts) if parts else None


def _passed(table: TableResult) -> bool:
    return table.validation is not None and table.validation.verdict == Verdict.PASSED


def _shown_verdict(record: RunRecord, error: str | None) -> Verdict:
    """PASSED only if every table validated PASSED and nothing else says the run failed."""
    passed = (
        bool(record.tables)
        and all(_passed(t) for t in record.tables.values())
        and not error
        and record.verdict != Verdict.FAILED
    )
    return Verdict.PASSED if passed else Verdict.FAILED


def _run_errors(record: RunRecord, error: str | None) -> list[tuple[str, str]]:
    entries = [("Error", error), ("Recorded error", record.error), ("Cause", record.cause)]
    shown: list[tuple[str, str]] = []
    for label, text in entries:
        # The flow's error is often "Error: Cause": a recorded part of it says nothing new.
        if text and not any(text in t for _, t in shown):
            shown.append((label, text))
    return shown


def _total_rows(record: RunRecord) -> int | None:
    counts = [t.rows_archived for t in record.tables.values() if t.rows_archived is not None]
    return sum(counts) if counts else None


def _total_bytes(record: RunRecord) -> int | None:
    sizes = [t.bytes_archived for t in record.tables.values() if t.bytes_archived is not None]
    return sum(sizes) if sizes else None


def _differing_rows(validation: Validation) -> int:
    return validation.missing_rows + validation.extra_rows + validation.changed_rows


def _checksums_equal(validation: Validation) -> bool | None:
    if validation.source_checksum is None or validation.archive_checksum is None:
        return None
    return validation.source_checksum == validation.archive_checksum


def _split_identifier(identifier: str) -> tuple[str, str]:
    namespace, _, table = identifier.rpartition(".")
    return namespace, table


def _location(warehouse: str | None, identifier: str) -> str:
    # pyiceberg's default table location in a Glue catalog: <warehouse>/<namespace>.db/<table>.
    if not warehouse:
        return DASH
    namespace, table = _split_identifier(identifier)
    return f"{warehouse.rstrip('/')}/{namespace}.db/{table}"


def _quoted(identifier: str) -> str:
    namespace, table = _split_identifier(identifier)
    return ".".join('"' + part.replace('"', '""') + '"' for part in (namespace, table) if part)


def _athena_queries(table: TableResult, run_id: str) -> str:
    """The run's rows now, and (Iceberg time travel) as the run's snapshot left them, whatever came after."""
    name, literal = _quoted(table.iceberg_table), run_id.replace("'", "''")
    queries = f"-- this run's rows\nSELECT * FROM {name}\nWHERE {RUN_ID_COLUMN} = '{literal}'\nLIMIT 10;"
    if table.snapshot_id is not None:
        expected = f": {table.rows_archived:,} expected" if table.rows_archived is not None else ""
        queries += (
            f"\n\n-- this run's rows in the snapshot it committed{expected}\n"
            f"SELECT count(*) FROM {name} FOR VERSION AS OF {table.snapshot_id}\n"
            f"WHERE {RUN_ID_COLUMN} = '{literal}';"
        )
    return queries


def _size(nbytes: int | None) -> str | None:
    if nbytes is None:
        return None
    size = float(nbytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return None  # unreachable: the loop returns at TB


def _verdict_markup(verdict: Verdict | None) -> str:
    if verdict is None:
        return _coloured("not validated", MUTED)
    return _coloured(verdict.value, GREEN if verdict == Verdict.PASSED else RED, bold=True)


def _equal_markup(equal: bool | None) -> str:
    if equal is None:
        return DASH
    return _coloured("equal", GREEN) if equal else _coloured("differs", RED, bold=True)


def _error_summary(error: str) -> str:
    """An error's telling line: a traceback's last (the exception), else the first."""
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    if not lines:
        return "an error was recorded"
    return lines[-1] if lines[0].startswith("Traceback") else lines[0]


def _table_findings(table: TableResult) -> list[str]:
    """What is wrong with a table or needs the reader's attention, as plain sentences; none when it passed."""
    validation = table.validation
    findings: list[str] = []
    if table.error:
        findings.append(f"archival failed: {_error_summary(table.error)}")
    if validation is None:
        if not table.error:
            findings.append(f"not validated (status {table.status.value})")
        return findings
    if validation.verdict == Verdict.FAILED:
        findings += validation.reasons or ["validation failed; no reason was recorded"]
    return findings


# --- source purge -------------------------------------------------------------------------------

# A purge that did not finish: a re-run of it goes on after its last committed chunk.
_UNFINISHED = {
    PurgeStatus.RUNNING: "did not finish",
    PurgeStatus.STOPPED: "was stopped by the run's stop flag",
    PurgeStatus.TIMED_OUT: "reached its time limit",
}
_RESUMES = "a re-run continues where it stopped"
_LEFT_WHY = "they changed in the source after the extraction"


def _purge_asked(record: RunRecord, table_name: str) -> bool:
    """Whether the request asked for the table's source purge."""
    try:
        return record.request.purges(table_name)
    except StopIteration:  # a table the request does not list: the request's setting
        return record.request.purge_source


def _purged_tables(record: RunRecord) -> list[str]:
    return [t.table_name for t in record.request.source_table if record.request.purges(t.table_name)]


def _purge_shown(record: RunRecord) -> bool:
    """Whether the report speaks of the source purge: it was asked, or a table has a result of one."""
    return bool(_purged_tables(record)) or any(t.purge is not None for t in record.tables.values())


def _purge_rows(purge: PurgeResult) -> str:
    """Rows deleted (or that a dry run would delete), left in place and already gone, as a sentence."""
    dry = purge.status == PurgeStatus.DRY_RUN
    why = " (changed in the source since the extraction)" if purge.rows_left else ""
    return (
        f"{purge.rows_deleted:,} {'would be deleted' if dry else 'deleted'} · "
        f"{purge.rows_left:,} {'would be left' if dry else 'left'} in place{why} · "
        f"{purge.rows_absent:,} already gone from the source"
    )


def _purge_findings(record: RunRecord, table: TableResult) -> list[str]:
    """What of a table's source purge needs the reader's attention, as plain sentences."""
    purge = table.purge
    if purge is None:
        asked = _purge_asked(record, table.table_name)
        return ["source purge asked, but it did not run: nothing was deleted"] if asked else []
    if purge.status == PurgeStatus.REFUSED:
        return [f"source purge refused, nothing deleted: {purge.reason or 'no reason was recorded'}"]
    findings = []
    if purge.status in _UNFINISHED:
        findings.append(
            f"source purge {_UNFINISHED[purge.status]} after {_plural(purge.chunks, 'chunk')} "
            f"({purge.rows_deleted:,} rows deleted): {_RESUMES}"
        )
    if purge.rows_left:
        would = "would be " if purge.status == PurgeStatus.DRY_RUN else ""
        findings.append(f"{_plural(purge.rows_left, 'row')} {would}left in the source: {_LEFT_WHY}")
    return findings


# --- cover --------------------------------------------------------------------------------------

Fact = tuple[str, str]


def _badge(verdict: Verdict) -> Table:
    badge = Table([[_para(verdict.value, "badge")]], colWidths=[44 * mm], rowHeights=[14 * mm])
    badge.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), GREEN if verdict == Verdict.PASSED else RED),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ROUNDEDCORNERS", [5, 5, 5, 5]),
            ]
        )
    )
    return badge


def _verdict_note(record: RunRecord, error: str | None) -> str:
    passed = sum(_passed(t) for t in record.tables.values())
    note = f"{passed} of {len(record.tables)} tables passed validation"
    return f"{note}\nThe run reported an error" if _run_errors(record, error) else note


def _header(record: RunRecord, verdict: Verdict, error: str | None) -> list[Any]:
    request = record.request
    subtitle = f"{request.source_database}.{request.source_schema} · run {record.run_id}"
    badge = [_badge(verdict), Spacer(1, 2 * mm), _para(_verdict_note(record, error), "badge_note")]
    return title_block("Archival report", subtitle, badge)


def title_block(title: str, subtitle: str, badge: list[Any]) -> list[Any]:
    """The first page's title and subtitle, the verdict badge on their right, and a rule below."""
    header = Table(
        [[[_para(title, "title"), _para(subtitle, "subtitle")], badge]], colWidths=[FRAME_WIDTH - 60 * mm, 60 * mm]
    )
    header.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [header, HRFlowable(width="100%", thickness=1, color=NAVY, spaceBefore=4 * mm, spaceAfter=4 * mm)]


def _key_figures(record: RunRecord) -> Table:
    """Four figures at a glance: tables passed, rows archived, rows differing, duration."""
    tables = list(record.tables.values())
    validated = [t.validation for t in tables if t.validation is not None]
    differing = sum(_differing_rows(v) for v in validated)
    unlocalized = any(v.verdict == Verdict.FAILED and not v.localized for v in validated)
    passed = sum(_passed(t) for t in tables)
    seconds = (_utc(record.updated_at) - _utc(record.created_at)).total_seconds()
    figures = [
        (f"{passed} / {len(tables)}", "tables passed", GREEN if tables and passed == len(tables) else RED),
        (_count(_total_rows(record)), "rows archived", NAVY),
        (
            f"{differing:,}" + ("+" if unlocalized else "") if validated else DASH,
            "differing rows found" + (" (some tables cannot list them)" if unlocalized else ""),
            RED if differing or unlocalized else NAVY,
        ),
        (_duration(max(seconds, 0.0)), "run duration", NAVY),
    ]
    cells = [
        [Paragraph(_coloured(escape(value), colour), S["kpi"]), _para(label, "kpi_label")]
        for value, label, colour in figures
    ]
    width = FRAME_WIDTH / len(cells)
    strip = Table([cells], colWidths=[width] * len(cells))
    strip.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("LINEAFTER", (0, 0), (-2, -1), 0.5, RULE),
                ("BACKGROUND", (0, 0), (-1, -1), STRIPE_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return strip


def _findings_section(record: RunRecord) -> list[Any]:
    """The verdict's reasons, table by table, before any evidence; then what of the source purge needs attention."""
    return [_para("Findings", "h1"), *_verdict_findings(record), *_purge_findings_flow(record)]


def _purge_findings_flow(record: RunRecord) -> list[Any]:
    """A refused or unfinished purge and rows left in the source, table by table, in a box of their own."""
    found = [(t, f) for t in record.tables.values() if (f := _purge_findings(record, t))]
    if not found:
        return []
    lines = [
        f"• <b>{_markup(table.table_name)}</b>: {_markup(_clip(finding, COVER_REASON_CHARS))}"
        for table, findings in found[:COVER_TABLES]
        for finding in findings
    ]
    if len(found) > COVER_TABLES:
        lines.append(f"• and {len(found) - COVER_TABLES} more tables: see the table details")
    title = "Source purge (not part of the verdict, which is about validation)"
    return [*_apart(), _callout("warning", title, "<br/>".join(lines))]


def _verdict_findings(record: RunRecord) -> list[Any]:
    flow: list[Any] = []
    tables = list(record.tables.values())
    if not tables:
        return [*flow, _callout("error", "No tables", "The run has no tables, so nothing was archived.")]
    failing = [(t, f) for t in tables if (f := _table_findings(t))]
    if not failing:
        body = (
            f"All {len(tables)} tables passed validation: for each, the archive holds the rows the source query "
            "selected, with equal row counts, equal checksums over every row, no blocking schema difference "
            "and equal column aggregates. The evidence is in the table details."
        )
        return [*flow, _callout("success", "Every table matches its source", body)]
    rows: list[list[Any]] = [_heads(("Table", "head"), ("Verdict", "head"), ("Reasons", "head"))]
    for table, findings in failing[:COVER_TABLES]:
        shown = [Paragraph(_markup(_clip(f, COVER_REASON_CHARS)), S["cell_bullet"], bulletText="•") for f in findings]
        if len(findings) > COVER_REASONS:
            more = f"and {len(findings) - COVER_REASONS} more: see the table's details"
            shown = [*shown[:COVER_REASONS], _para(more, "note")]
        validation = table.validation
        warning = validation is not None and validation.source_changed
        name = f"<b>{_markup(table.table_name)}</b>"
        if warning:
            name += "<br/>" + _coloured('<font size="7">source changed since extraction</font>', AMBER)
        rows.append(
            [
                Paragraph(name, S["cell"]),
                Paragraph(_verdict_markup(validation.verdict if validation else None), S["cell"]),
                shown,
            ]
        )
    extra: list[tuple[Any, ...]] = [("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE)]
    flow.append(_grid(rows, [40 * mm, 20 * mm, FRAME_WIDTH - 60 * mm], extra))
    notes = []
    if len(failing) > COVER_TABLES:
        notes.append(f"{len(failing) - COVER_TABLES} more tables did not pass: see the table details.")
    if passing := [t.table_name for t in tables if not _table_findings(t)]:
        listed = ", ".join(passing[:COVER_REQUESTED]) + (" …" if len(passing) > COVER_REQUESTED else "")
        notes.append(f"Passed ({len(passing)}): {listed}")
    return [*flow, Spacer(1, 1 * mm), *(_para(n, "note") for n in notes)]


def _facts_table(sections: list[tuple[str, list[list[Fact]]]]) -> Table:
    """Label/value pairs, two to a row; a row of one fact spans the width."""
    rows: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        # The labels' smaller type sits on the values' baseline.
        ("TOPPADDING", (0, 0), (0, -1), 5),
        ("TOPPADDING", (2, 0), (2, -1), 5),
    ]
    for title, fact_rows in sections:
        here = len(rows)
        commands += [("SPAN", (0, here), (-1, here)), ("BACKGROUND", (0, here), (-1, here), HEADER_BG)]
        rows.append([_para(title, "head"), "", "", ""])
        for facts in fact_rows:
            cells: list[Any] = []
            for label, value in facts:
                cells += [_para(label, "fact_label"), _para(value, "fact")]
            if len(facts) == 1:
                commands.append(("SPAN", (1, len(rows)), (-1, len(rows))))
                cells += ["", ""]
            rows.append(cells)
    label_width = 27 * mm
    value_width = FRAME_WIDTH / 2 - label_width
    table = Table(rows, colWidths=[label_width, value_width, label_width, value_width])
    table.setStyle(TableStyle(commands))
    return table


def _requested_tables(record: RunRecord) -> str:
    """What was asked for: each table with its condition, or that a query or the whole table was."""
    shown = []
    for table in record.request.source_table[:COVER_REQUESTED]:
        if table.query:
            shown.append(f"{table.table_name} (own query)")
        elif table.condition:
            shown.append(f"{table.table_name} where {_clip(table.condition, 60)}")
        else:
            shown.append(f"{table.table_name} (all rows)")
    more = len(record.request.source_table) - COVER_REQUESTED
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def _purge_request_facts(record: RunRecord) -> list[list[Fact]]:
    """Whether the source purge was asked, of which tables, and how it deletes."""
    request, asked = record.request, _purged_tables(record)
    if not asked:
        return [[("Source purge", "Not asked: the source keeps the archived rows")]]
    names = [t.table_name for t in request.source_table]
    if len(asked) == len(names):
        which = f"all {len(names)} tables" if len(names) > 1 else "its only table"
    elif request.purge_source:
        which = f"{len(asked)} of {len(names)} tables, all but {_listed([n for n in names if n not in asked])}"
    else:
        which = f"{len(asked)} of {len(names)} tables: {_listed(asked)}"
    scope = "request-wide" if request.purge_source else "per table"
    text = f"Asked ({scope}) for {which}. Only the rows of a table that passed this run's validation are deleted."
    options = request.purge
    how = [
        f"chunks of {_plural(options.chunk_rows, 'row')}",
        f"pause {_seconds(options.sleep_seconds)} between chunks" if options.sleep_seconds else "no pause",
        f"time limit {_duration(options.max_seconds)}" if options.max_seconds is not None else "no time limit",
        "dry run: yes, nothing is deleted" if options.dry_run else "dry run: no",
    ]
    return [[("Source purge", text)], [("Purge options", " · ".join(how))]]


def _listed(names: list[str]) -> str:
    """Table names as the cover lists them: the first few, and how many more."""
    more = len(names) - COVER_REQUESTED
    return ", ".join(names[:COVER_REQUESTED]) + (f" and {more} more" if more > 0 else "")


def _purged_rows(record: RunRecord) -> list[Fact]:
    """What the run's purges deleted from the source and left in it, all tables together; a dry run deletes none."""
    purges = [p for t in record.tables.values() if (p := t.purge) is not None]
    done = [p for p in purges if p.status != PurgeStatus.DRY_RUN]
    deleted = f"{sum(p.rows_deleted for p in done):,} from the source"
    if dry := len(purges) - len(done):
        deleted += f" (none by the dry run of {_plural(dry, 'table')})"
    left = sum(p.rows_left for p in done)
    return [("Rows deleted", deleted), ("Rows left", f"{left:,}: changed since the extraction" if left else "0")]


def _cover(record: RunRecord, verdict: Verdict, generated_at: datetime, error: str | None) -> list[Any]:
    request = record.request
    retention_until = record.retention_until
    years = "year" if request.retention_policy == 1 else "years"
    retention = f"{request.retention_policy} {years}, until {retention_until:%Y-%m-%d}"
    run_facts: list[list[Fact]] = [
        [("Run id", record.run_id)],
        [("Status", record.status.value), ("Tables", str(len(record.tables)))],
        [("Created", _time(record.created_at)), ("Updated", _time(record.updated_at))],
        [("Rows archived", _count(_total_rows(record))), ("Size archived", _size(_total_bytes(record)) or DASH)],
        *([_purged_rows(record)] if _purge_shown(record) else []),
        [("Generated", _time(generated_at))],
    ]
    if record.execution_arn:
        run_facts.append([("Execution", record.execution_arn)])
    request_facts: list[list[Fact]] = [
        [("Triggered by", request.triggered_by), ("Email", request.triggered_by_email)],
        [("Requested", _time(record.created_at)), ("Connection", request.glue_connection)],
        [("Source", f"{request.source_database}.{request.source_schema}")],
        [("What", _requested_tables(record))],
        [
            ("Legal hold", "Yes: the archive may not be purged" if request.legal_hold else "No"),
            ("Retention", f"{retention} (held while the legal hold lasts)" if request.legal_hold else retention),
        ],
        *_purge_request_facts(record),
    ]
    flow: list[Any] = [*_header(record, verdict, error), _key_figures(record)]
    if errors := _run_errors(record, error):
        flow.append(_error_box("Run error", errors))
    flow += _findings_section(record)
    flow += [_para("Run and request", "h1"), _facts_table([("Run", run_facts), ("Request", request_facts)])]
    return flow


# --- tables summary and chart -------------------------------------------------------------------


def _schema_summary(validation: Validation) -> str:
    blocking = sum(d.blocking for d in validation.schema_differences)
    notes = len(validation.schema_differences) - blocking
    if blocking:
        return _coloured(f"{blocking} blocking", RED, bold=True)
    if notes:
        return _coloured(f"{notes} note{'s' if notes > 1 else ''}", AMBER)
    return _coloured("equal", GREEN)


def _results_section(record: RunRecord) -> list[Any]:
    flow: list[Any] = [CondPageBreak(HEADING_ROOM), _para("Tables", "h1")]
    if not record.tables:
        return [*flow, _para("The run has no tables.", "body")]
    heads = _heads(
        ("Table", "head"),
        ("Rows\narchived", "head_right"),
        ("Source\nrows", "head_right"),
        ("Archive\nrows", "head_right"),
        ("Checksum", "head"),
        ("Schema", "head"),
        ("Time", "head_right"),
        ("Source\npurge", "head"),
        ("Verdict", "head"),
    )
    rows: list[list[Any]] = [heads]
    for table in record.tables.values():
        validation = table.validation
        name = _markup(table.table_name)
        if table.error:
            name += "<br/>" + _coloured('<font size="7">error, see its details</font>', RED)
        rows_differ = validation is not None and validation.source_rows != validation.archive_rows
        archive_rows = _count(validation.archive_rows if validation else None)
        rows.append(
            [
                Paragraph(name, S["cell"]),
                _para(_count(table.rows_archived), "cell_right"),
                _para(_count(validation.source_rows if validation else None), "cell_right"),
                Paragraph(_coloured(archive_rows, RED, bold=True) if rows_differ else archive_rows, S["cell_right"]),
                Paragraph(_equal_markup(_checksums_equal(validation)) if validation else DASH, S["cell"]),
                Paragraph(_schema_summary(validation) if validation else DASH, S["cell"]),
                _para(_seconds(_table_seconds(table)), "cell_right"),
                Paragraph(_purge_summary(record, table), S["cell"]),
                Paragraph(_verdict_markup(validation.verdict if validation else None), S["cell"]),
            ]
        )
    total = [Paragraph("<b>Total</b>", S["cell"]), Paragraph(f"<b>{_count(_total_rows(record))}</b>", S["cell_right"])]
    rows.append([*total, "", "", "", "", "", "", ""])
    # Counts up to hundreds of millions fit the numeric columns on one line, and "deleted 10,000" the purge's;
    # narrower padding leaves the names room.
    widths = [19.5 * mm, 19.5 * mm, 19.5 * mm, 16.5 * mm, 16.5 * mm, 14 * mm, 21.5 * mm, 14 * mm]
    extra = [
        ("LINEBELOW", (0, 1), (-1, -2), 0.3, RULE),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, NAVY),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    notes = ["Time is the archival plus the validation of the table."]
    if _purge_shown(record):
        notes.append(
            "Source purge: the rows deleted from the source (in a dry run, the rows it would delete); rows left "
            f"were not deleted: {_LEFT_WHY}."
        )
    return [*flow, _grid(rows, [FRAME_WIDTH - sum(widths), *widths], extra), *(_para(n, "note") for n in notes)]


def _purge_summary(record: RunRecord, table: TableResult) -> str:
    """The source purge in a word and a count, and the rows it left, as markup."""
    purge = table.purge
    if purge is None:
        return _coloured("not run", MUTED) if _purge_asked(record, table.table_name) else DASH
    if purge.status == PurgeStatus.REFUSED:
        return _coloured("refused", AMBER, bold=True)
    deleted = f"deleted {purge.rows_deleted:,}"
    if purge.status == PurgeStatus.DRY_RUN:
        shown = f"dry run: {purge.rows_deleted:,}"
    elif purge.status in _UNFINISHED:  # what it deleted before it stopped
        shown = _coloured(purge.status.value.lower().replace("_", " "), AMBER, bold=True) + f"<br/>{deleted}"
    else:
        shown = deleted
    if purge.rows_left:
        shown += "<br/>" + _coloured(f"{purge.rows_left:,} left", AMBER)
    return shown


def _chart_section(record: RunRecord) -> list[Any]:
    counted = [t for t in record.tables.values() if t.rows_archived is not None]
    if not counted:
        return []
    notes = []
    if len(counted) < len(record.tables):
        notes.append("Tables with nothing archived are left out.")
    if len(counted) > MAX_BARS:
        counted = sorted(counted, key=lambda t: t.rows_archived or 0, reverse=True)[:MAX_BARS]
        notes.append(f"The {MAX_BARS} largest of {len(record.tables)} tables.")
    notes.append("Throughput is rows archived per second of the table's archival (extraction and Iceberg commit).")
    title = _para("Rows and throughput per table", "h1")
    return [KeepTogether([title, _bar_chart(counted), *(_para(n, "note") for n in notes)])]


def _bar_panel(
    x: float, width: float, values: list[float], labels: list[str], colour: colors.Color
) -> HorizontalBarChart:
    """One horizontal bar chart without a value axis: each bar carries its value as a label."""
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = x, 2, width, 15.0 * len(values)
    chart.data = [values]
    chart.bars[0].fillColor = colour
    chart.bars[0].strokeColor = None
    chart.barWidth = 10
    chart.groupSpacing = 5
    chart.barLabelFormat = "values"
    chart.barLabelArray = [labels]
    chart.barLabels.fontSize = 7
    chart.barLabels.fillColor = INK
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.categoryAxis.strokeColor = RULE
    chart.categoryAxis.visibleTicks = False
    chart.categoryAxis.visibleLabels = False
    chart.valueAxis.visible = False
    # Room right of the longest bar for its label.
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(max(values) * 1.35, 1.0)
    return chart


def _bar_chart(tables: list[TableResult]) -> Drawing:
    """Rows archived and rows per second side by side, one line per table, the first table on top."""
    ordered = list(reversed(tables))  # the category axis runs bottom-up
    label_width, gap, title_height = 100.0, 24.0, 16.0
    panel = (FRAME_WIDTH - label_width - gap) / 2
    height = 15.0 * len(ordered)
    drawing = Drawing(FRAME_WIDTH, height + title_height + 4)
    rows = [float(t.rows_archived or 0) for t in ordered]
    speeds = [float(t.rows_per_second or 0) for t in ordered]
    drawing.add(_bar_panel(label_width, panel, rows, [_count(t.rows_archived) for t in ordered], BAR))
    speed_labels = [DASH if t.rows_per_second is None else f"{t.rows_per_second:,.0f}" for t in ordered]
    drawing.add(_bar_panel(label_width + panel + gap, panel, speeds, speed_labels, BAR_SPEED))
    for index, table in enumerate(ordered):
        name = _clip(_printable(table.table_name, keep_lines=False), 24)
        label = String(label_width - 6, 2 + 15.0 * index + 5, name, fontName="Helvetica", fontSize=7.5)
        label.fillColor, label.textAnchor = INK, "end"
        drawing.add(label)
    for x, text in ((label_width, "Rows archived"), (label_width + panel + gap, "Rows per second")):
        drawing.add(String(x, height + 8, text, fontName="Helvetica-Bold", fontSize=8, fillColor=NAVY))
    return drawing


# --- table details ------------------------------------------------------------------------------


def _table_heading(table: TableResult) -> Table:
    """The table's name on the left, its verdict on the right, over a navy rule."""
    validation = table.validation
    verdict = Paragraph(_verdict_markup(validation.verdict if validation else None), S["head_right"])
    heading = Table([[_para(table.table_name, "h2"), verdict]], colWidths=[FRAME_WIDTH - 40 * mm, 40 * mm])
    heading.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.8, NAVY),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 12),
            ]
        )
    )
    return heading


def _kv_grid(facts: list[tuple[str, Paragraph]], label_width: float = 32 * mm) -> Table:
    """Label and value, one pair a row, between hairlines."""
    rows = [[_para(label, "fact_label"), value] for label, value in facts]
    extra = [("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE), ("LINEABOVE", (0, 0), (-1, 0), 0.3, RULE)]
    return _grid(rows, [label_width, FRAME_WIDTH - label_width], extra, head=False)


def _checksum_grid(validation: Validation) -> Table:
    """Rows and checksum of each side, one above the other so that digits line up, and whether they are equal."""
    source, archive = validation.source_checksum, validation.archive_checksum
    rows_equal = validation.source_rows == validation.archive_rows
    sum_equal = source.sum == archive.sum if source and archive else None
    xor_equal = source.xor == archive.xor if source and archive else None
    values = [
        (_count(validation.source_rows), _count(validation.archive_rows), rows_equal),
        (_checksum_sum(source), _checksum_sum(archive), sum_equal),
        (_checksum_xor(source), _checksum_xor(archive), xor_equal),
    ]
    rows: list[list[Any]] = [
        _heads(
            ("", "head"),
            ("Rows", "head_right"),
            ("Sum of row hashes", "head_right"),
            ("XOR of row hashes", "head_right"),
        ),
        [_para("Source", "fact_label"), *(_para(s, "cell_mono_right") for s, _, _ in values)],
        [_para("Archive", "fact_label"), *(_para(a, "cell_mono_right") for _, a, _ in values)],
        [_para("Comparison", "fact_label"), *(Paragraph(_equal_markup(eq), S["cell_right"]) for _, _, eq in values)],
    ]
    extra: list[tuple[Any, ...]] = [
        ("LINEBELOW", (0, 1), (-1, -2), 0.3, RULE),
        ("LINEABOVE", (0, -1), (-1, -1), 0.6, NAVY),
    ]
    extra += [
        ("BACKGROUND", (i, 2), (i, 2), MISMATCH_BG) for i, (_, _, eq) in enumerate(values, start=1) if eq is False
    ]
    return _grid(rows, [22 * mm, 26 * mm, FRAME_WIDTH - 92 * mm, 44 * mm], extra)


def _evidence_facts(table: TableResult, validation: Validation) -> Table:
    none = _coloured("none: differing rows cannot be localized", AMBER)
    key = _key_columns(validation.key_columns) if validation.key_columns else none
    archival = f"{_seconds(table.archive_seconds)} ({_rate(table.rows_per_second)})"
    parts = [
        f"source checksum {_seconds(seconds)}" if (seconds := validation.source_seconds) is not None else "",
        f"archive checksum {_seconds(seconds)}" if (seconds := validation.archive_seconds) is not None else "",
    ]
    checks = f" ({', '.join(p for p in parts if p)})" if any(parts) else ""
    facts = [
        ("Primary key", Paragraph(key, S["cell"])),
        ("Source read", _para(validation.source_read or "not recorded", "cell")),
        ("Engine", _para(_engine(table), "cell")),
        (
            "Time taken",
            Paragraph(f"archival {archival} · validation {_seconds(validation.seconds)}{checks}", S["cell"]),
        ),
    ]
    return _kv_grid(facts)


def _engine(table: TableResult) -> str:
    if table.engine is None:
        return "not recorded"
    name = {"spark": "Spark (Glue Spark job)", "single_node": "single-node (Arrow and pyiceberg)"}[table.engine.value]
    return f"{name}: {table.engine_reason}" if table.engine_reason else name


def _schema_flow(table: TableResult, validation: Validation) -> list[Any]:
    if not validation.schema_differences:
        columns = _plural(len(table.columns), "column")
        text = f"No difference: the archive has the source's {columns}, by name, type and nullability."
        return _subsection("Schema", _para(text, "body"))
    rows: list[list[Any]] = [_heads(("Column", "head"), ("Source", "head"), ("Archive", "head"), ("Effect", "head"))]
    for difference in validation.schema_differences:
        effect = _coloured("blocking: fails validation", RED, bold=True) if difference.blocking else "note only"
        rows.append(
            [
                _para(difference.column, "cell_mono"),
                _para(difference.source, "cell_mono"),
                _para(difference.archive, "cell_mono"),
                Paragraph(effect, S["cell"]),
            ]
        )
    extra = [("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE)]
    grid = _grid(rows, [50 * mm, 40 * mm, 40 * mm, FRAME_WIDTH - 130 * mm], extra)
    return _subsection("Schema differences", grid)


_KIND_COLOUR = {
    DifferenceKind.MISSING: RED,
    DifferenceKind.EXTRA: AMBER,
    DifferenceKind.DUPLICATED: AMBER,
    DifferenceKind.CHANGED: NAVY,
}
# A row in one side only, or more often in the archive: (source, archive) as words, not values.
_WHOLE_ROW = {
    DifferenceKind.MISSING: ("present", "absent"),
    DifferenceKind.EXTRA: ("absent", "present"),
    DifferenceKind.DUPLICATED: ("present", "present more times"),
}


def _differences_flow(validation: Validation) -> list[Any]:
    if not validation.localized:
        if validation.verdict == Verdict.PASSED:
            return []
        body = (
            "The table has no primary key, so the rows that differ cannot be localized: the counts, checksums and "
            "column aggregates above are the evidence. Compare the source with the archive by the run's query."
        )
        return _subsection("Differing rows", _callout("info", "Differing rows cannot be listed", body))
    if not validation.differences:
        if validation.verdict == Verdict.FAILED and _checksums_equal(validation) is False:
            return _subsection("Differing rows", _para("The checksums differ, but no differing row was found.", "body"))
        return []
    counts = [
        (validation.missing_rows, "missing from the archive"),
        (validation.extra_rows, "extra or duplicated in the archive"),
        (validation.changed_rows, "changed"),
    ]
    found = " · ".join(f"{n:,} {what}" for n, what in counts if n)
    listed, total = len(validation.differences), _differing_rows(validation)
    scope = f"the first {listed} are listed" if total > listed else "all are listed"
    rows: list[list[Any]] = [
        _heads(
            ("Kind", "head"), ("Key", "head"), ("Column", "head"), ("Source value", "head"), ("Archive value", "head")
        )
    ]
    extra: list[tuple[Any, ...]] = []
    for number, difference in enumerate(validation.differences):
        first = len(rows)
        kind = Paragraph(_coloured(difference.kind.value, _KIND_COLOUR[difference.kind], bold=True), S["cell"])
        key = Paragraph(_key(difference), S["cell_mono"])
        # Later lines of the row repeat its key, muted, so that a line carried to the next page still says whose.
        key_again = Paragraph(_coloured(_key(difference), MUTED), S["cell_mono"])
        if difference.kind in _WHOLE_ROW:
            source, archive = _WHOLE_ROW[difference.kind]
            whole = [Paragraph(f"<i>{escape(side)}</i>", S["cell"]) for side in (source, archive)]
            rows.append([kind, key, Paragraph("<i>whole row</i>", S["cell"]), *whole])
        else:
            for index, value in enumerate(difference.columns or []):
                source, archive = _value_pair(value.source, value.archive)
                rows.append(
                    [
                        kind if index == 0 else "",
                        key if index == 0 else key_again,
                        Paragraph(_value(value.column, 60), S["cell_mono"]),
                        Paragraph(source, S["cell_mono"]),
                        Paragraph(archive, S["cell_mono"]),
                    ]
                )
            unlisted = max(difference.columns_differing - len(difference.columns), 0)
            if unlisted or not difference.columns:
                more = f"and {unlisted} more columns differ" if unlisted else "the differing columns were not recorded"
                extra.append(("SPAN", (2, len(rows)), (-1, len(rows))))
                rows.append(
                    ["" if difference.columns else kind, "" if difference.columns else key, _para(more, "note"), "", ""]
                )
        if number % 2:
            extra.append(("BACKGROUND", (0, first), (-1, len(rows) - 1), STRIPE_BG))
        extra.append(("LINEBELOW", (0, len(rows) - 1), (-1, len(rows) - 1), 0.3, RULE))
    widths = [19 * mm, 30 * mm, 28 * mm]
    value_width = (FRAME_WIDTH - sum(widths)) / 2
    return _subsection(
        "Differing rows",
        _para(f"{_plural(total, 'row')} differ: {found}; {scope}.", "body"),
        Spacer(1, 2 * mm),
        _grid(rows, [*widths, value_width, value_width], extra),
    )


def _aggregate_cell(source: str | None, archive: str | None, style: str, *, agree: bool) -> Paragraph:
    """One value where the sides agree; else the source's (S) above the archive's (A)."""
    if agree:
        return Paragraph(DASH if source is None else _value(source, AGGREGATE_CHARS), S[style])
    lines = [f"<b>S</b> {_value(source, AGGREGATE_CHARS)}", f"<b>A</b> {_value(archive, AGGREGATE_CHARS)}"]
    return Paragraph(_coloured("<br/>".join(lines), RED), S[style])


def _aggregates_flow(columns: list[ColumnComparison]) -> list[Any]:
    if not columns:
        return []
    heads = [("Column", "head"), ("Type", "head"), ("Nulls", "head_right"), ("Min", "head"), ("Max", "head")]
    rows: list[list[Any]] = [_heads(*heads, ("Sum", "head"))]
    extra: list[tuple[Any, ...]] = [("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE)]
    for column in columns:
        here = len(rows)
        cells = []
        for position, name in enumerate(("nulls", "min", "max", "sum"), start=2):
            left, right = getattr(column.source, name), getattr(column.archive, name)
            # The validation compares numbers as numbers: a column that matches shows one value.
            agree = column.matches or left == right
            if not agree:
                extra.append(("BACKGROUND", (position, here), (position, here), MISMATCH_BG))
            source, archive = (None if v is None else str(v) for v in (left, right))
            style = "cell_mono_right" if name == "nulls" else "cell_mono"
            cells.append(_aggregate_cell(source, archive, style, agree=agree))
        name = _value(column.column, 60)
        if not column.matches:
            name = _coloured(f"<b>{name}</b>", RED)
            extra.append(("LINEBEFORE", (0, here), (0, here), 2, RED))
        rows.append([Paragraph(name, S["cell_mono"]), _para(column.type, "cell_mono"), *cells])
    widths = [34 * mm, 22 * mm, 14 * mm]
    rest = (FRAME_WIDTH - sum(widths)) / 3
    mismatched = sum(not c.matches for c in columns)
    summary = (
        f"{len(columns) - mismatched} of {_plural(len(columns), 'column')} agree in nulls, min, max and sum; "
        "where they differ, the source's value (S) is above the archive's (A)."
        if mismatched
        else f"Source and archive agree in nulls, min, max and sum of {_plural(len(columns), 'column')}."
    )
    return _subsection("Column aggregates", _para(summary, "note"), _grid(rows, [*widths, rest, rest, rest], extra))


def _validation_flow(table: TableResult, validation: Validation) -> list[Any]:
    """The validation's verdict and reasons, then its evidence."""
    flow: list[Any] = []
    if validation.verdict == Verdict.FAILED:
        reasons = "".join(f"<br/>• {_markup(reason)}" for reason in validation.reasons or ["No reason was recorded."])
        flow.append(_callout("error", "Validation failed", reasons[len("<br/>") :]))
    if validation.source_changed:
        body = (
            "The source changed after the extraction in the part of the table where rows differ. The rows listed "
            "compare the archive with the source as it is now, so some of them may be source changes, not "
            "archive errors."
        )
        flow += [*_apart(), _callout("warning", "Warning: the source changed after the extraction", body)]
    if not validation.key_columns:
        body = (
            "This table has no primary key, so differences between the source and the archive cannot be "
            "localized to rows; the row count, checksum and column aggregates still cover every row."
        )
        flow += [*_apart(), _callout("info", "No primary key", body)]
    flow += _subsection("Source and archive", _checksum_grid(validation), Spacer(1, 2 * mm))
    flow.append(_evidence_facts(table, validation))
    flow += _schema_flow(table, validation)
    flow += _differences_flow(validation)
    flow += _aggregates_flow(validation.columns)
    return flow


def _left_keys_flow(purge: PurgeResult) -> list[Any]:
    """The rows a purge left in place, by key: why, and the first of them."""
    would = "would be " if purge.status == PurgeStatus.DRY_RUN else ""
    listed = len(purge.left_keys)
    scope = f"the first {listed} are listed" if purge.rows_left > listed else "all are listed"
    body = (
        f"{_plural(purge.rows_left, 'row')} {would}left in place: {_LEFT_WHY}, so the archive does not hold them "
        f"as they are now, and the purge does not delete them. The archive keeps the rows as they were extracted."
    )
    if not listed:
        return [_callout("warning", "Rows left in the source", body + " Their keys were not recorded.")]
    names = purge.key_columns or list(purge.left_keys[0])
    rows: list[list[Any]] = [[_para(name, "head") for name in names]]
    rows += [[Paragraph(_value(key.get(name), 60), S["cell_mono"]) for name in names] for key in purge.left_keys]
    width = min(50 * mm, FRAME_WIDTH / len(names))
    extra = [("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE)]
    grid = _grid(rows, [width] * len(names), extra)
    grid.hAlign = "LEFT"
    return [_callout("warning", "Rows left in the source", f"{body} By key, {scope}:"), grid]


def _statements_flow(purge: PurgeResult) -> list[Any]:
    """A dry run's first DELETE statements, shortened: each binds a chunk's keys as parameters."""
    if not purge.statements:
        return []
    text = "\n\n".join(_clip_middle(statement, STATEMENT_CHARS) for statement in purge.statements)
    note = (
        f"The first {_plural(len(purge.statements), 'DELETE statement')} it would run, one a chunk; the keys are "
        "bound as parameters, and rows that changed since the extraction are left out."
    )
    return _code_flow([_para("Statements it would run", "label"), _para(note, "note")], text)


def _purge_flow(record: RunRecord, table: TableResult) -> list[Any]:
    """What the source purge deleted, what it left and why; nothing when it was not asked."""
    purge = table.purge
    if purge is None:
        if not _purge_asked(record, table.table_name):
            return []
        return _subsection(
            "Source purge", _para("Asked, but it did not run: nothing was deleted from the source.", "body")
        )
    if purge.status == PurgeStatus.REFUSED:
        body = (
            f"{_markup(purge.reason or 'No reason was recorded.')}<br/>A purge deletes only the rows of a table "
            "that passed this run's validation, by the table's primary key."
        )
        return _subsection("Source purge", _callout("warning", "Refused: nothing was deleted from the source", body))
    options = record.request.purge
    head: list[Any] = [_para("Source purge", "h3")]
    if purge.status == PurgeStatus.DRY_RUN:
        body = (
            "Each chunk's rows were locked and compared with the archive as a purge would, then rolled back: "
            "the counts below are what a purge would delete and leave."
        )
        head.append(_callout("info", "Dry run: nothing was deleted", body))
    elif purge.status in _UNFINISHED:
        body = (
            f"The purge {_UNFINISHED[purge.status]} after {_plural(purge.chunks, 'chunk')}: the rows deleted so far "
            f"are counted below, the table's other archived rows are still in the source; {_RESUMES}."
        )
        head.append(_callout("warning", "Source purge not finished", body))
    status = _coloured(purge.status.value, GREEN if purge.status == PurgeStatus.DONE else AMBER, bold=True)
    done = "rolled back" if purge.status == PurgeStatus.DRY_RUN else "committed"
    chunks = f"{purge.chunks:,} of up to {_plural(options.chunk_rows, 'row')}, each {done} on its own"
    limits = []
    if options.sleep_seconds:
        limits.append(f"pause {_seconds(options.sleep_seconds)} between chunks")
    if options.max_seconds is not None:
        limits.append(f"time limit {_duration(options.max_seconds)}")
    time_taken = _seconds(purge.seconds) + (f" ({', '.join(limits)})" if limits else "")
    facts = [
        ("Status", Paragraph(status, S["cell"])),
        ("Deleted by key", Paragraph(_key_columns(purge.key_columns) if purge.key_columns else DASH, S["cell"])),
        ("Rows", _para(_purge_rows(purge), "cell")),
        ("Chunks", _para(chunks, "cell")),
        ("Time taken", _para(time_taken, "cell")),
    ]
    # The heading, what the purge did and its counts on one page; the rows it left and its statements may split.
    flow: list[Any] = [KeepTogether([*head, _kv_grid(facts)])]
    if purge.rows_left:
        flow += _left_keys_flow(purge)
    return flow + _statements_flow(purge)


def _table_details(record: RunRecord, table: TableResult, lead: list[Any]) -> list[Any]:
    """The table's verdict and reasons, evidence, purge, SQL and error; `lead` goes before, on the same page."""
    validation = table.validation
    facts = [f"Status <b>{escape(table.status.value)}</b>", f"Rows archived <b>{_count(table.rows_archived)}</b>"]
    if size := _size(table.bytes_archived):
        facts.append(f"Size <b>{size}</b>")
    if table.snapshot_id is not None:
        facts.append(f"Snapshot <b>{table.snapshot_id}</b>")
    flow: list[Any] = [
        CondPageBreak(HEADING_ROOM),
        *lead,
        _table_heading(table),
        Spacer(1, 2 * mm),
        Paragraph(" · ".join(facts), S["body"]),
        _para(f"Columns ({len(table.columns)}): {', '.join(table.columns) or DASH}", "note"),
    ]
    if table.error:
        flow.append(_error_box("Table error", [("Error", table.error)]))
    if validation is not None:
        flow += _validation_flow(table, validation)
    elif not table.error:
        flow.append(
            _callout(
                "info",
                "Not validated",
                "The table has no validation result: its archive was not compared with the source.",
            )
        )
    flow += _purge_flow(record, table)
    return flow + _code_flow([_para("Source SQL", "h3")], table.source_sql)


def _details_section(record: RunRecord) -> list[Any]:
    flow: list[Any] = []
    guide = (
        "For each table: the verdict and its reasons, then the evidence. The checksum is (row count, exact sum, "
        "bit XOR) of a 60-bit hash of each row's canonical text: it does not depend on row order, and equal "
        "checksums mean equal rows. Values that the report's fonts cannot show are written as [U+XXXX], and "
        "control characters as \\n, \\t or \\r."
    )
    lead: list[Any] = [_para("Table details", "h1"), _para(guide, "note")]
    for table in record.tables.values():
        flow += _table_details(record, table, lead)
        lead = []
    return flow


# --- lineage ------------------------------------------------------------------------------------


def _lineage_section(record: RunRecord, warehouse: str | None) -> list[Any]:
    if not record.tables:
        return []
    intro = (
        f"Every archived row carries the lineage columns {_mono(escape(RUN_ID_COLUMN))}, this run's id, and "
        f"{_mono(escape(ARCHIVED_AT_COLUMN))}, the time of its archival. In Athena, the Iceberg namespace is the "
        "Glue database."
    )
    if any(t.iceberg_location is None for t in record.tables.values()):
        if warehouse:
            intro += (
                f" Where the catalog's location was not recorded, it is derived from the warehouse "
                f"{_mono(escape(warehouse))} and the catalog's default layout "
                f"({_mono('&lt;warehouse&gt;/&lt;namespace&gt;.db/&lt;table&gt;')})."
            )
        else:
            intro += " Where the catalog's location was not recorded, none is shown: the warehouse was not given."
    lead: list[Any] = [_para("Lineage", "h1"), Paragraph(intro, S["body"]), Spacer(1, 2 * mm)]
    flow: list[Any] = []
    for table in record.tables.values():
        identifier = table.iceberg_table
        location = _markup(table.iceberg_location or _location(warehouse, identifier))
        if table.iceberg_location is None and warehouse:
            location += " " + _coloured("(derived)", MUTED)
        facts = [
            ("Iceberg table", _para(identifier, "cell_mono")),
            ("Snapshot id", _para(DASH if table.snapshot_id is None else str(table.snapshot_id), "cell_mono")),
            ("S3 location", Paragraph(location, S["cell_mono"])),
            ("Rows of this run", _para(_count(table.rows_archived), "cell_mono")),
        ]
        code, _ = _code(_athena_queries(table, record.run_id))
        heading = _para(table.table_name, "h3")
        flow.append(KeepTogether([*lead, heading, _kv_grid(facts), _para("Query it in Athena", "label"), code]))
        lead = []
    # A page of its own; outside the KeepTogether, which would add a page break of its own before it.
    return [PageBreak(), *lead, *flow]


# --- pages --------------------------------------------------------------------------------------


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """Holds the pages back until the end, so that each can say "Page n of N"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for number, page in enumerate(self._held, start=1):
            self.__dict__.update(page)
            self.setFont("Helvetica", 7.5)
            self.setFillColor(MUTED)
            self.drawRightString(A4[0] - MARGIN - FRAME_PADDING, 10 * mm, f"Page {number} of {total}")
            super().showPage()
        super().save()


def _decorations(record: RunRecord, verdict: Verdict) -> tuple[Callable[[Any, Any], None], Callable[[Any, Any], None]]:
    """The first page's footer, and later pages' running head and footer."""
    left, right = MARGIN + FRAME_PADDING, A4[0] - MARGIN - FRAME_PADDING
    source = f"{record.request.source_database}.{record.request.source_schema}"

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(left, 14 * mm, right, 14 * mm)
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(left, 10 * mm, f"Archive-IO · archival report · run {record.run_id}")
        canvas.restoreState()

    def later(canvas: Any, doc: Any) -> None:
        footer(canvas, doc)
        canvas.saveState()
        top = A4[1] - 11 * mm
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(left, top, f"Archival report · {source}")
        canvas.setFont("Helvetica-Bold", 7.5)
        canvas.setFillColor(GREEN if verdict == Verdict.PASSED else RED)
        canvas.drawRightString(right, top, verdict.value)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(left, top - 3 * mm, right, top - 3 * mm)
        canvas.restoreState()

    return footer, later


def render_archival_report(
    record: RunRecord, *, generated_at: datetime, warehouse: str | None = None, error: str | None = None
) -> bytes:
    """The run's PDF report."""
    verdict = _shown_verdict(record, error)
    story = [
        *_cover(record, verdict, generated_at, error),
        *_results_section(record),
        *_chart_section(record),
        *_details_section(record),
        *_lineage_section(record, warehouse),
    ]
    first, later = _decorations(record, verdict)
    subject = f"{verdict.value}: {record.request.source_database}.{record.request.source_schema}"
    return build_pdf(story, title=f"Archival report {record.run_id}", subject=subject, first=first, later=later)


def build_pdf(
    story: list[Any],
    *,
    title: str,
    subject: str,
    first: Callable[[Any, Any], None] | None = None,
    later: Callable[[Any, Any], None] | None = None,
) -> bytes:
    """A4 pages with the report's margins, numbered "Page n of N"."""
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="Archive-IO",
        subject=subject,
        creator="Archive-IO",
    )
    hooks = {k: v for k, v in (("onFirstPage", first), ("onLaterPages", later)) if v is not None}
    document.build(story, canvasmaker=_NumberedCanvas, **hooks)
    return buffer.getvalue()
