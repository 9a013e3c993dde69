"""What every page relies on: the signed-in membership, view guards and the error pages."""

from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

#: The largest id the id columns hold on every database (INTEGER on PostgreSQL).
LARGEST_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` in every route: a number beyond any id is no page (404), never a 500.

    The pattern stops at 10 digits, so a longer number matches no route at all (404 whatever
    the method); 10-digit numbers beyond the largest id are refused by ``max``.
    """

    regex = r"\d{1,10}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Register the bounded ``int`` converter, the text guard and the error pages.

    The converter must be in place before any blueprint adds its routes: core registers first.
    """
    from flask_wtf.csrf import CSRFError

    from ..refusals import NotAllowed, Refusal
    from ..text import refuse_control_characters
    from .errors import (
        ROLE_LABELS,
        handle_csrf_error,
        handle_http_error,
        handle_not_allowed,
        handle_refusal,
    )

    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_control_characters)
    app.jinja_env.globals["course_role_label"] = ROLE_LABELS.get
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Refusal, handle_refusal)
    app.register_error_handler(NotAllowed, handle_not_allowed)
