"""``flask --app lti_tool demo``: migrate, seed and serve the tool with its built-in demo LMS."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import make_server

from ..config import DEFAULTS
from ..extensions import db
from .background import start_background
from .platform import platform_url
from .seed import seed_demo

PRODUCTION_REFUSAL = (
    "The demo LMS launches anyone into its course without a password: it never runs in "
    'production mode. Use a development configuration (environment = "development") to try it.'
)


def prepare_demo(app: Flask, host: str, port: int) -> str:
    """Switch demo mode on, migrate and seed the database; return the demo page's URL."""
    if app.config["ENVIRONMENT"] == "production":
        raise click.ClickException(PRODUCTION_REFUSAL)
    app.config["DEMO_MODE"] = True
    if app.config["PUBLIC_BASE_URL"] == DEFAULTS["PUBLIC_BASE_URL"]:
        app.config["PUBLIC_BASE_URL"] = f"http://{host}:{port}"
    elif urlsplit(app.config["PUBLIC_BASE_URL"]).netloc != f"{host}:{port}":
        click.echo(
            f"Note: public_base_url is {app.config['PUBLIC_BASE_URL']}; launches go there, "
            f"so it must reach this server on {host}:{port}."
        )
    upgrade()
    seed_demo(history=True)
    db.session.commit()
    return platform_url("demo.index")


@click.command("demo")
@click.option("--host", default=None, help="Address to serve on [default: demo_host, 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port to serve on [default: demo_port, 5000].")
@with_appcontext
def demo_command(host: str | None, port: int | None) -> None:
    """Run the tool with its built-in demo LMS: a course, its people, real LTI 1.3 launches."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    host = host or app.config["DEMO_HOST"]
    port = port or int(app.config["DEMO_PORT"])
    check_port(host, port)
    url = prepare_demo(app, host, port)
    # Threaded: a launch makes the tool fetch the demo LMS's keys from this same server.
    # The server binds its port before the demo says it is ready.
    server = make_server(host, port, app, threaded=True)
    background = start_background(app)
    click.echo(f"Demo LMS ready: open {url}  (Ctrl+C stops it)")
    click.echo(
        "Due jobs run every "
        f"{app.config['DEMO_JOB_INTERVAL_SECONDS']} s; the e-mails the tool sends appear on "
        f"{platform_url('demo.outbox')}"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        background.stop()


def check_port(host: str, port: int) -> None:
    """Refuse to start, saying how to choose another port, when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise click.ClickException(
                f"Port {port} on {host} is not free ({error.strerror}). Choose another port: "
                f"make demo DEMO_PORT={port + 1}  (or: flask --app lti_tool demo --port "
                f"{port + 1}, or demo_port in config.toml)."
            ) from None
