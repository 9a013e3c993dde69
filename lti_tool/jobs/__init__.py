"""The job runner above the domains (§7): reminders, expiries, e-mail and score delivery, roster
sync, retention — run by ``jobs run-due`` (cron) or the long-running ``jobs worker``.

The domains never import this package; it imports them.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the ``jobs`` commands and wake the workers when new work is committed."""
    from . import cli, wake

    cli.init_app(app)
    wake.init_app(app)
