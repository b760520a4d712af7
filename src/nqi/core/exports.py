"""Excel (xlsx) exports for lists and dashboards."""

import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(sheets) -> bytes:
    """sheets: list of (title, columns, rows)."""
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    for title, columns, rows in sheets:
        ws = wb.create_sheet(title=str(title)[:31])
        ws.append([str(c) for c in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(list(row))
        for i, column in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(str(column)) * 2 + 4))
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename, title, rows, columns=None, sheets=None):
    content = workbook_bytes(sheets or [(title, columns, rows)])
    response = HttpResponse(content, content_type=XLSX)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
