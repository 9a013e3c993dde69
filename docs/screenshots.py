"""``make screenshots``: drive the demo in Debian's Chromium and write the README's pictures.

Starts the tool with its demo LMS on a free port (a throw-away SQLite database), launches a
learner, a mentor and a staff member through real LTI launches, and writes PNGs of the pages a
newcomer asks about into ``docs/``. Never downloads a browser: Chromium comes from Debian.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from lti_tool import create_app
from lti_tool.demo.cli import prepare_demo
from tests.browser.browsing import CHROMIUM, CHROMIUM_ARGS, free_port

DOCS = Path(__file__).resolve().parent
WIDTH, HEIGHT = 1100, 760


def _serve(folder: Path) -> str:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(
        {
            "SECRET_KEY": "screenshots",
            "DATABASE_URL": "sqlite:///" + str(folder / "demo.sqlite3"),
            "CACHE_TYPE": "SimpleCache",
            "STORAGE_DIR": str(folder / "files"),
            "PUBLIC_BASE_URL": base_url,
            "RATE_LIMITS_ENABLED": False,
        }
    )
    app.instance_path = str(folder)
    with app.app_context():
        prepare_demo(app, "127.0.0.1", port)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return base_url


def _launch(page: Page, base_url: str, person: str) -> str:
    """Launch the person from the demo LMS; return their course's address in the tool."""
    page.goto(base_url + "/demo/")
    page.get_by_label(person).check()
    page.get_by_label("Language of the course").select_option("en")
    page.get_by_role("button", name="Launch", exact=True).click()
    frame = page.frame_locator('iframe[name="tool"]')
    expect(frame.get_by_text(person).first).to_be_visible(timeout=20_000)
    base, rest = page.frame(name="tool").url.split("/course/", 1)
    return f"{base}/course/{rest.split('/')[0]}/"


def _shot(page: Page, url: str, name: str) -> None:
    page.goto(url)
    page.screenshot(path=str(DOCS / name), full_page=False)
    print(f"wrote docs/{name}")


def main() -> int:
    """Write the screenshots; return the exit status."""
    if not Path(CHROMIUM).exists():
        print(f"Chromium is missing at {CHROMIUM}: run `make browser` first.", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="screenshots-") as folder:
        base_url = _serve(Path(folder))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for person, pages in (
                (
                    "Giulia Rossi",
                    [("", "learner-home.png"), ("mentors?q=", "search.png")],
                ),
                ("Francesca Moretti", [("mentorships/1/contacts/2", "preparation.png")]),
                ("James Whitfield", [("staff/", "staff-dashboard.png")]),
            ):
                context = browser.new_context(
                    locale="en-US", viewport={"width": WIDTH, "height": HEIGHT}
                )
                course_url = _launch(context.new_page(), base_url, person)
                page = context.new_page()
                for path, name in pages:
                    _shot(page, course_url + path, name)
                context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
