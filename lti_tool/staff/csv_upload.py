"""What every staff CSV upload shares: reading the file, naming people, the all-or-none preview.

The assignment CSV (``mentee,mentor``) and the mentor designation CSV (``mentor``) both read
their files here, so that size limits, encodings, delimiters and the messages are the same.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ..people.models import Membership
from ..refusals import Refusal
from ..text import CONTROL_CHARACTERS_MESSAGE, has_control_characters

#: The largest CSV staff may upload, and its most rows.
MAX_CSV_BYTES = 512 * 1024
MAX_CSV_ROWS = 5000


class CsvRejected(Refusal):
    """The file, or some of its rows, cannot be saved; nothing was saved."""

    def __init__(self, message: str | None = None, checks: list[Any] | None = None) -> None:
        super().__init__(message or "")
        self.checks = checks or []


@dataclass
class CsvPreview:
    """The checked rows of an uploaded file, ready to show; each check has an ``error``."""

    checks: list[Any] = field(default_factory=list)

    @property
    def is_clean(self) -> bool:
        """Whether every row can be saved."""
        return all(check.error is None for check in self.checks)


def read_csv(
    content: bytes | str, columns: Sequence[str], header_message: str
) -> list[tuple[int, dict[str, str]]]:
    """Return each non-empty row as its line number and the named columns' stripped cells.

    The first line must name every column of ``columns`` (any case, any order, more allowed);
    ``,``, ``;`` and tabs are recognised. ``header_message`` says what the header must be.
    """
    if isinstance(content, bytes):
        if len(content) > MAX_CSV_BYTES:
            raise CsvRejected(_("The file is too large (at most 512 KB)."))
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise CsvRejected(_("Save the file as CSV in UTF-8 and upload it again.")) from error
    if not content.strip():
        raise CsvRejected(_("The file is empty."))
    if has_control_characters(content):  # uploads skip the request guard; PostgreSQL refuses NUL
        raise CsvRejected(str(CONTROL_CHARACTERS_MESSAGE))
    try:
        dialect: Any = csv.Sniffer().sniff(content[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(content), dialect)
    header = [cell.strip().lower() for cell in next(reader, [])]
    if any(column not in header for column in columns):
        raise CsvRejected(header_message)
    positions = {column: header.index(column) for column in columns}
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_CSV_ROWS:
            raise CsvRejected(_("Upload at most %(count)s rows at once.", count=MAX_CSV_ROWS))
        values = {
            column: cells[at].strip() if at < len(cells) else "" for column, at in positions.items()
        }
        rows.append((reader.line_num, values))
    if not rows:
        raise CsvRejected(_("The file has no rows under its header."))
    return rows


def one_person(
    people: Mapping[str, list[Membership]], ref: str, kind: str
) -> tuple[Membership | None, str | None]:
    """Return the one member an identifier names, or why it names nobody or several."""
    if not ref:
        return None, _("Give the %(kind)s's e-mail or LMS user id.", kind=kind)
    found = people.get(ref, [])
    if not found:
        return None, _("Nobody in this course has the e-mail or user id “%(ref)s”.", ref=ref)
    if len(found) > 1:
        return None, _("Several people share “%(ref)s”: use their LMS user id.", ref=ref)
    return found[0], None
