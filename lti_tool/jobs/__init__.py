"""The job runner above the domains: ``flask --app lti_tool jobs run-due`` and ``jobs worker``.

It calls the domains' steps (reminders, expiries, e-mails, scores, roster pages, retention);
no domain imports this package.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the ``jobs`` command group to ``flask``."""
    from . import cli

    cli.init_app(app)
