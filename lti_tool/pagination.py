"""Pages of long lists, all with Flask-SQLAlchemy's ``Pagination`` interface (``items``,
``page``, ``pages``, ``total``, ``has_prev``, ``has_next``, ``prev_num``, ``next_num``): templates
page through every list alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_sqlalchemy.pagination import Pagination

from .extensions import db


def paginate(statement: Any, page: int, per_page: int) -> Pagination:
    """Return one page of a select of one model; a page past the end shows the last page."""
    result = db.paginate(
        statement, page=max(page, 1), per_page=per_page, max_per_page=None, error_out=False
    )
    if result.page > 1 and result.page > result.pages:
        result = db.paginate(
            statement, page=max(result.pages, 1), per_page=per_page, max_per_page=None
        )
    return result


class ListPage(Pagination):
    """One page of rows the caller fetched itself (rows of several tables, ranked search hits)."""

    def __init__(self, items: Iterable[Any], *, page: int, per_page: int, total: int) -> None:
        self._given = list(items)
        self._given_total = total
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False)

    def _query_items(self) -> list[Any]:
        return self._given

    def _query_count(self) -> int:
        return self._given_total
