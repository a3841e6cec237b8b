"""The archival run's PDF report: the verdict at a glance, per-table results, source SQL and lineage.

Rendered on A4 with reportlab's platypus. Paragraph text is markup, so every piece of text that
comes from a user or a source (table names, SQL, errors) is escaped before it reaches one.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
    XPreformatted,
)

from archive_io.contracts.runs import RunRecord, TableResult, Verdict
from archive_io.tables.iceberg import ARCHIVED_AT_COLUMN, RUN_ID_COLUMN

# A restrained palette: navy for structure, green/red only for verdicts and errors.
NAVY = colors.HexColor("#1F2A44")
INK = colors.HexColor("#1F2328")
MUTED = colors.HexColor("#667085")
RULE = colors.HexColor("#C9CED6")
HEADER_BG = colors.HexColor("#ECEFF3")
CODE_BG = colors.HexColor("#F4F5F7")
GREEN = colors.HexColor("#1E7B34")
RED = colors.HexColor("#B42318")
ERROR_BG = colors.HexColor("#FEF3F2")
BAR = colors.HexColor("#3B5B8C")

MARGIN = 18 * mm
FRAME_PADDING = 6  # platypus frames pad their content by 6 pt on each side
FRAME_WIDTH = A4[0] - 2 * (MARGIN + FRAME_PADDING)
DASH = "—"
# Error texts can be whole stack traces; the report shows their head, the run record keeps all.
MAX_ERROR_CHARS = 4000
# Beyond this many bars the labels become unreadable; the chart shows the largest tables.
MAX_BARS = 30
# Above this many bars their value labels would collide.
MAX_LABELLED_BARS = 12
# A table's heading and SQL of at most this many lines are kept on one page; longer SQL splits.
SHORT_CODE_LINES = 30
# Room a heading needs below it, so that it never ends a page alone (platypus' keepWithNext
# turns into a KeepTogether, which moves content taller than a page to a page of its own).
HEADING_ROOM = 150


def _style(name: str, **overrides: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": "Helvetica", "fontSize": 9, "leading": 12, "textColor": INK}
    return ParagraphStyle(name, **{**base, **overrides})


_CELL: dict[str, Any] = {"fontSize": 8, "leading": 10}
S: dict[str, ParagraphStyle] = {
    "title": _style("title", fontName="Helvetica-Bold", fontSize=24, leading=29, textColor=NAVY),
    "subtitle": _style("subtitle", fontSize=10, leading=14, textColor=MUTED),
    "h1": _style(
        "h1", fontName="Helvetica-Bold", fontSize=14, leading=18, textColor=NAVY, spaceBefore=16, spaceAfter=6
    ),
    "h2": _style(
        "h2", fontName="Helvetica-Bold", fontSize=11, leading=14, textColor=NAVY, spaceBefore=12, spaceAfter=3
    ),
    "body": _style("body"),
    "note": _style("note", fontSize=8, leading=10, textColor=MUTED, spaceAfter=4),
    "label": _style("label", fontName="Helvetica-Bold", fontSize=8, leading=10, textColor=MUTED, spaceBefore=4),
    "cell": _style("cell", **_CELL),
    "cell_right": _style("cell_right", alignment=TA_RIGHT, **_CELL),
    "cell_mono": _style("cell_mono", fontName="Courier", **_CELL),
    "head": _style("head", fontName="Helvetica-Bold", textColor=NAVY, **_CELL),
    "head_right": _style("head_right", fontName="Helvetica-Bold", textColor=NAVY, alignment=TA_RIGHT, **_CELL),
    "fact_label": _style("fact_label", fontName="Helvetica-Bold", textColor=MUTED, **_CELL),
    "fact": _style("fact", fontSize=9, leading=11),
    "badge": _style(
        "badge", fontName="Helvetica-Bold", fontSize=20, leading=24, textColor=colors.white, alignment=TA_CENTER
    ),
    "badge_note": _style("badge_note", fontSize=8, leading=10, textColor=MUTED, alignment=TA_CENTER),
    "bullet": _style("bullet", leftIndent=12, bulletIndent=2, spaceAfter=2),
    # Indents keep the padded background inside the frame.
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
    "error": _style(
        "error",
        fontSize=8.5,
        leading=11,
        backColor=ERROR_BG,
        borderColor=RED,
        borderWidth=0.6,
        borderPadding=7,
        leftIndent=7,
        rightIndent=7,
        spaceBefore=10,
        spaceAfter=14,
    ),
}

# Courier is fixed-width: this many characters fit on a line of a code block.
CODE_CHARS = int((FRAME_WIDTH - 2 * 5 - 12) / stringWidth("M", "Courier", 8))


# --- formatting ---------------------------------------------------------------------------------


def _markup(text: object) -> str:
    """Text as Paragraph markup: escaped, its line breaks kept."""
    return escape(str(text)).replace("\n", "<br/>")


def _para(text: object, style: str) -> Paragraph:
    return Paragraph(_markup(text), S[style])


def _count(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


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
    for line in text.expandtabs(4).rstrip().splitlines() or [""]:
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


def _hex(colour: colors.Color) -> str:
    return f"#{colour.hexval()[2:]}"


def _error_box(title: str, entries: list[tuple[str, str]]) -> Paragraph:
    """A red-bordered box; a Paragraph rather than a Table so that a long error can split across pages."""
    body = "".join(f"<br/><b>{escape(label)}:</b> {_markup(_truncated(text))}" for label, text in entries)
    return Paragraph(f'<font color="{_hex(RED)}"><b>{escape(title)}</b></font>{body}', S["error"])


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
        if text and text not in (t for _, t in shown):
            shown.append((label, text))
    return shown


def _total_rows(record: RunRecord) -> int | None:
    counts = [t.rows_archived for t in record.tables.values() if t.rows_archived is not None]
    return sum(counts) if counts else None


def _split_identifier(identifier: str) -> tuple[str, str]:
    namespace, _, table = identifier.rpartition(".")
    return namespace, table


def _location(warehouse: str | None, identifier: str) -> str:
    # pyiceberg's default table location in a Glue catalog: <warehouse>/<namespace>.db/<table>.
    if not warehouse:
        return DASH
    namespace, table = _split_identifier(identifier)
    return f"{warehouse.rstrip('/')}/{namespace}.db/{table}"


def _athena_query(identifier: str, run_id: str) -> str:
    namespace, table = _split_identifier(identifier)
    quoted = ".".join('"' + part.replace('"', '""') + '"' for part in (namespace, table) if part)
    literal = run_id.replace("'", "''")
    return f"SELECT * FROM {quoted} WHERE {RUN_ID_COLUMN} = '{literal}' LIMIT 10;"


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
        return DASH
    colour = GREEN if verdict == Verdict.PASSED else RED
    return f'<font color="{_hex(colour)}"><b>{verdict.value}</b></font>'


# --- sections -----------------------------------------------------------------------------------

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
    title = [
        _para("Archival report", "title"),
        _para(f"{request.source_database}.{request.source_schema} · run {record.run_id}", "subtitle"),
    ]
    badge = [_badge(verdict), Spacer(1, 2 * mm), _para(_verdict_note(record, error), "badge_note")]
    header = Table([[title, badge]], colWidths=[FRAME_WIDTH - 60 * mm, 60 * mm])
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
    return [header, HRFlowable(width="100%", thickness=1, color=NAVY, spaceBefore=4 * mm, spaceAfter=5 * mm)]


def _facts_table(sections: list[tuple[str, list[list[Fact]]]]) -> Table:
    """Label/value pairs, two to a row; a row of one fact spans the width."""
    rows: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
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


def _cover(record: RunRecord, verdict: Verdict, generated_at: datetime, error: str | None) -> list[Any]:
    request = record.request
    retention_until = record.retention_until
    years = "year" if request.retention_policy == 1 else "years"
    run_facts: list[list[Fact]] = [
        [("Run id", record.run_id)],
        [("Status", record.status.value), ("Tables", str(len(record.tables)))],
        [("Created", _time(record.created_at)), ("Updated", _time(record.updated_at))],
        [("Rows archived", _count(_total_rows(record))), ("Generated", _time(generated_at))],
    ]
    if record.execution_arn:
        run_facts.append([("Execution", record.execution_arn)])
    request_facts: list[list[Fact]] = [
        [("Triggered by", request.triggered_by), ("Email", request.triggered_by_email)],
        [("Connection", request.glue_connection), ("Source", f"{request.source_database}.{request.source_schema}")],
        [
            ("Legal hold", "Yes" if request.legal_hold else "No"),
            ("Retention", f"{request.retention_policy} {years}, until {retention_until:%Y-%m-%d}"),
        ],
    ]
    flow: list[Any] = [*_header(record, verdict, error)]
    if errors := _run_errors(record, error):
        flow.append(_error_box("Run error", errors))
    flow.append(_facts_table([("Run", run_facts), ("Request", request_facts)]))
    return flow


def _results_section(record: RunRecord) -> list[Any]:
    flow: list[Any] = [CondPageBreak(HEADING_ROOM), _para("Tables", "h1")]
    if not record.tables:
        return [*flow, _para("The run has no tables.", "body")]
    heads = [
        ("Table", "head"),
        ("Rows archived", "head_right"),
        ("Source rows", "head_right"),
        ("Archive rows", "head_right"),
        ("Verdict", "head"),
        ("Seconds", "head_right"),
        ("Iceberg table", "head"),
    ]
    rows: list[list[Any]] = [[_para(text, style) for text, style in heads]]
    for table in record.tables.values():
        validation = table.validation
        seconds = _table_seconds(table)
        name = _markup(table.table_name)
        if table.error:
            name += f'<br/><font size="7" color="{_hex(RED)}">error, see below</font>'
        rows.append(
            [
                Paragraph(name, S["cell"]),
                _para(_count(table.rows_archived), "cell_right"),
                _para(_count(validation.source_rows if validation else None), "cell_right"),
                _para(_count(validation.archive_rows if validation else None), "cell_right"),
                Paragraph(_verdict_markup(validation.verdict if validation else None), S["cell"]),
                _para(DASH if seconds is None else f"{seconds:,.1f}", "cell_right"),
                _para(table.iceberg_table, "cell"),
            ]
        )
    total = [Paragraph("<b>Total</b>", S["cell"]), Paragraph(f"<b>{_count(_total_rows(record))}</b>", S["cell_right"])]
    rows.append([*total, "", "", "", "", ""])
    widths = [38 * mm, 19 * mm, 17 * mm, 17 * mm, 16 * mm, 16 * mm]
    table_grid = Table(rows, colWidths=[*widths, FRAME_WIDTH - sum(widths)], repeatRows=1)
    table_grid.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, NAVY),
                ("LINEBELOW", (0, 1), (-1, -2), 0.3, RULE),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, NAVY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return [*flow, table_grid]


def _chart_section(record: RunRecord) -> list[Any]:
    counted = [(t.table_name, t.rows_archived) for t in record.tables.values() if t.rows_archived is not None]
    if not counted:
        return []
    notes = []
    if len(counted) > MAX_BARS:
        counted = sorted(counted, key=lambda item: item[1], reverse=True)[:MAX_BARS]
        notes.append(f"The {MAX_BARS} largest of {len(record.tables)} tables.")
    if len(counted) < len(record.tables):
        notes.append("Tables with nothing archived are left out.")
    return [
        KeepTogether([_para("Rows archived per table", "h1"), _bar_chart(counted), *(_para(n, "note") for n in notes)])
    ]


def _bar_chart(counted: list[tuple[str, int]]) -> Drawing:
    names = [name if len(name) <= 18 else f"{name[:17]}…" for name, _ in counted]
    slanted = len(names) > 6 or any(len(n) > 12 for n in names)
    # Few tables get a narrower chart, so that bars stay bar-shaped.
    width = min(FRAME_WIDTH - 70, 70.0 * len(names))
    drawing = Drawing(FRAME_WIDTH, 190 if slanted else 160)
    chart = VerticalBarChart()
    chart.x, chart.y = (FRAME_WIDTH - width) / 2 + 15, 55 if slanted else 25
    chart.width, chart.height = width, 120
    chart.data = [[count for _, count in counted]]
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = (lambda value: f"{value:,.0f}") if len(counted) <= MAX_LABELLED_BARS else None
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 7
    chart.barLabels.fillColor = INK
    axis = chart.categoryAxis
    axis.categoryNames = names
    axis.strokeColor = RULE
    axis.labels.fontSize = 7
    axis.labels.fillColor = INK
    if slanted:
        axis.labels.angle = 35
        axis.labels.boxAnchor = "ne"
        axis.labels.dy = -2
    values = chart.valueAxis
    values.valueMin = 0
    if max(count for _, count in counted) < 5:
        values.valueMax, values.valueStep = 5, 1  # else the axis would show fractional rows
    values.labelTextFormat = lambda value: f"{value:,.0f}"
    values.labels.fontSize = 7
    values.labels.fillColor = MUTED
    values.strokeColor = RULE
    values.visibleGrid = True
    values.gridStrokeColor = HEADER_BG
    drawing.add(chart)
    return drawing


def _table_details(table: TableResult, lead: list[Any]) -> list[Any]:
    """The table's facts, SQL, validation failures and error; `lead` goes before, on the same page."""
    validation = table.validation
    facts = [
        f"Status <b>{escape(table.status.value)}</b>",
        f"Verdict {_verdict_markup(validation.verdict if validation else None)}",
        f"Rows archived <b>{_count(table.rows_archived)}</b>",
    ]
    if size := _size(table.bytes_archived):
        facts.append(f"Size <b>{size}</b>")
    header = [
        *lead,
        _para(table.table_name, "h2"),
        Paragraph(" · ".join(facts), S["body"]),
        _para(f"Columns ({len(table.columns)}): {', '.join(table.columns) or DASH}", "note"),
        _para("Source SQL", "label"),
    ]
    code, lines = _code(table.source_sql)
    if lines <= SHORT_CODE_LINES:
        flow: list[Any] = [KeepTogether([*header, code])]
    else:
        flow = [CondPageBreak(HEADING_ROOM), *header, code]
    if validation and validation.verdict == Verdict.FAILED:
        label = Paragraph(f'<font color="{_hex(RED)}">Validation failed</font>', S["label"])
        reasons = [
            Paragraph(_markup(reason), S["bullet"], bulletText="•")
            for reason in validation.reasons or ["No reason was recorded."]
        ]
        flow += [KeepTogether([label, reasons[0]]), *reasons[1:]]
    if table.error:
        flow.append(_error_box("Table error", [("Error", table.error)]))
    return flow


def _details_section(record: RunRecord) -> list[Any]:
    flow: list[Any] = []
    lead = [_para("Table details", "h1")]
    for table in record.tables.values():
        flow += _table_details(table, lead)
        lead = []
    return flow


def _lineage_section(record: RunRecord, warehouse: str | None) -> list[Any]:
    mono = '<font name="Courier">{}</font>'.format
    intro = (
        f"Every archived row carries the lineage columns {mono(escape(RUN_ID_COLUMN))}, this run's id, and "
        f"{mono(escape(ARCHIVED_AT_COLUMN))}, the time of its archival."
    )
    if warehouse:
        intro += (
            f" Warehouse: {mono(escape(warehouse))}. Locations are derived from it and the catalog's default layout "
            f"({mono('&lt;warehouse&gt;/&lt;namespace&gt;.db/&lt;table&gt;')}); the catalog holds the actual one."
        )
    else:
        intro += " The warehouse was not given, so no locations are shown."
    lead: list[Any] = [_para("Lineage", "h1"), Paragraph(intro, S["body"]), Spacer(1, 2 * mm)]
    flow: list[Any] = []
    for table in record.tables.values():
        identifier = table.iceberg_table
        facts = [
            ("Iceberg table", identifier),
            ("Snapshot id", DASH if table.snapshot_id is None else str(table.snapshot_id)),
            ("Location (derived)", _location(warehouse, identifier)),
            ("Athena query", _athena_query(identifier, record.run_id)),
        ]
        grid = Table(
            [[_para(label, "fact_label"), _para(value, "cell_mono")] for label, value in facts],
            colWidths=[32 * mm, FRAME_WIDTH - 32 * mm],
        )
        grid.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEABOVE", (0, 0), (-1, 0), 0.8, NAVY),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ]
            )
        )
        flow.append(KeepTogether([*lead, _para(table.table_name, "h2"), grid]))
        lead = []
    return [*lead, *flow]


def _footer(run_id: str) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN + FRAME_PADDING, 14 * mm, A4[0] - MARGIN - FRAME_PADDING, 14 * mm)
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"Archive-IO · run {run_id} · page {doc.page}")
        canvas.restoreState()

    return draw


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
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Archival report {record.run_id}",
        author="Archive-IO",
        subject=f"{verdict.value}: {record.request.source_database}.{record.request.source_schema}",
        creator="Archive-IO",
    )
    footer = _footer(record.run_id)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
