"""Parsing core of the spot-check results import (监督抽查结果导入): file -> validated records.

    from nqi.inspections.importing import ImportParser, dedup_key

    with ImportParser(path, mapping={3: "city"}) as parser:   # mapping: optional user override
        for record in parser.records(progress=callback):        # streams ParsedRecord
            ...                                                 # (or record_batches(10000): column-wise)
        parser.summary.to_json()                                # counts, errors, mapping, unknown columns

`preview_file(path)` gives what the upload page shows before importing; `parse_file(path)` returns
(list of records, summary) for small files. Nothing here touches the database.
"""

from .fields import FIELDS, FIELDS_BY_KEY, REQUIRED_KEYS, Field, match_header
from .parser import (
    ColumnInfo,
    DuplicateRow,
    ImportParser,
    ImportSummary,
    MappingError,
    ParsedRecord,
    RecordBatch,
    RowError,
    RowOutcome,
    dedup_key,
    parse_file,
    preview_file,
)
from .readers import FileFormatError, detect_format, open_reader

__all__ = [
    "FIELDS", "FIELDS_BY_KEY", "REQUIRED_KEYS", "ColumnInfo", "DuplicateRow", "Field", "FileFormatError",
    "ImportParser", "ImportSummary", "MappingError", "ParsedRecord", "RecordBatch", "RowError", "RowOutcome", "dedup_key",
    "detect_format", "match_header", "open_reader", "parse_file", "preview_file",
]
