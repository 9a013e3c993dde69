"""``python -m benchmark``: the tool beside its baselines, interleaved, through gunicorn.

Every comparison runs A B A B … in the same run (median of ``--repeats``); ratios are what
carry over between machines. Figures only, never pass/fail. See ``benchmark/README.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask_migrate import upgrade
from sqlalchemy import text

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.lti.keys import generate_private_key_pem
from lti_tool.mentors import search_statements as mentor_search
from lti_tool.mentors.search_criteria import make_criteria
from tests.support.statements import counting

from . import data, load, platform

SECRET = "benchmark-" + uuid.uuid4().hex
SEARCH_COURSE = "bench-search"
PAGE_COURSE = "bench-page"
STAFF_COURSE = "bench-dashboard"
SHAPES = {
    "no criteria": {},
    "topic + language": {"topics": ["Leadership"], "languages": ["it"]},
    "topic + language + mode + word": {
        "topics": ["Career change"],
        "languages": ["en"],
        "modes": ["video"],
        "text": data.COMMON_WORD,
    },
    "rare word": {"text": data.RARE_WORD},
    "common word": {"text": "work"},
}


def _query(criteria: dict[str, Any]) -> str:
    args: list[tuple[str, str]] = [("q", criteria.get("text", ""))]
    args += [("topic", topic) for topic in criteria.get("topics", ())]
    args += [("lang", code) for code in criteria.get("languages", ())]
    args += [("mode", mode) for mode in criteria.get("modes", ())]
    return urlencode(args)


def _line(label: str, *cells: str) -> None:
    print(f"  {label:<40}" + "".join(f"{cell:>16}" for cell in cells), flush=True)


def _rate(value: float) -> str:
    return f"{value:,.0f}/s"


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


class Bench:
    """One database: the tool and the peer under gunicorn, the platform, the in-process app."""

    def __init__(self, database_url: str, args: argparse.Namespace) -> None:
        self.args = args
        self.url = database_url
        self.dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
        self.prefix = f"bench-{uuid.uuid4().hex[:12]}:"
        port = load.free_port()
        self.app = create_app(
            {
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "RATE_LIMITS_ENABLED": False,
                "SECRET_KEY": SECRET,
                "DATABASE_URL": database_url,
                "CACHE_TYPE": "RedisCache",
                "CACHE_REDIS_URL": args.redis_url,
                "CACHE_KEY_PREFIX": self.prefix,
            }
        )
        self.context = self.app.app_context()
        self.context.push()
        self._fresh_schema()
        self.platform = platform.Platform()
        data.registration()
        data.set_keyset_url(self.platform.jwks_url)
        tool_pem = generate_private_key_pem(2048)
        self.folder = Path(tempfile.mkdtemp(prefix="bench-"))
        empty_config = self.folder / "config.toml"
        empty_config.write_text("")
        env = {
            "LTI_TOOL_SECRET_KEY": SECRET,
            "LTI_TOOL_DATABASE_URL": database_url,
            "LTI_TOOL_CACHE_TYPE": "RedisCache",
            "LTI_TOOL_CACHE_REDIS_URL": args.redis_url,
            "LTI_TOOL_CACHE_KEY_PREFIX": self.prefix,
            "LTI_TOOL_CONFIG": str(empty_config),
            # One client on loopback is the whole cohort: per-address limits would refuse it.
            "LTI_TOOL_RATE_LIMITS_ENABLED": "false",
            "LTI_TOOL_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        }
        self.tool = load.Server("lti_tool:create_app()", env, "tool", port=port)
        from cryptography.hazmat.primitives import serialization

        from lti_tool.lti.keys import load_private_key

        peer_config = {
            "secret_key": SECRET,
            "database_url": database_url.replace("postgresql://", "postgresql+psycopg://", 1),
            "issuer": platform.ISSUER,
            "client_id": platform.CLIENT_ID,
            "deployment_id": platform.DEPLOYMENT_ID,
            "auth_login_url": platform.AUTH_LOGIN_URL,
            "auth_token_url": platform.AUTH_TOKEN_URL,
            "platform_jwks": self.platform.jwks,
            "tool_private_pem": tool_pem,
            "tool_public_pem": load_private_key(tool_pem)
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode(),
        }
        self.peer = load.Server(
            "benchmark.peer:create()", {"BENCH_PEER_CONFIG": json.dumps(peer_config)}, "peer"
        )
        self.cookies: dict[str, str] = {}
        self.homes: dict[str, str] = {}

    def _fresh_schema(self) -> None:
        if self.dialect == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade()

    def close(self) -> None:
        for server in (self.tool, self.peer):
            server.stop()
        try:
            from redis import Redis

            client = Redis.from_url(self.args.redis_url)
            keys = list(client.scan_iter(match=self.prefix + "*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
        except Exception as error:  # noqa: BLE001 - clean-up only
            print(f"  (could not remove the benchmark's cache keys: {error})")
        db.session.remove()
        self.context.pop()

    # --- sessions -------------------------------------------------------------------------

    def learner(self, context_id: str, subject: str, *, staff: bool = False) -> tuple[str, str]:
        """Launch one person into a course through the tool; return (cookie, home path)."""
        key = f"{context_id}/{subject}"
        if key not in self.cookies:
            response = self.platform.launch_once(
                self.tool.url, user=subject, context_id=context_id, staff=staff
            )
            assert response.status_code == 303, (response.status_code, response.text[:500])
            self.cookies[key] = "; ".join(f"{c.name}={c.value}" for c in response.cookies)
            self.homes[key] = urlsplit(response.headers["Location"]).path
            if not staff:
                data.accept(data.course_of(context_id), subject)
        return self.cookies[key], self.homes[key]

    def _client(self, cookie: str) -> Any:
        """An in-process client with the cookies of a launched browser (to count statements)."""
        client = self.app.test_client()
        for pair in cookie.split("; "):
            name, _sep, value = pair.partition("=")
            client.set_cookie(name, value)
        return client

    # --- 1. login and launch ----------------------------------------------------------------

    def launch_section(self) -> None:
        args = self.args
        print(
            f"\n1. Login redirect and launch POST ({self.dialect}; {load.GENERATOR}; "
            f"median of {args.repeats}, {args.seconds:.0f} s each; ratios: median of the "
            "repeats' ratios, their range in brackets)"
        )
        users = [f"returning-{n}" for n in range(50)]
        # Warm: every user launched once (a returning person), JWKS fetched and cached.
        for user in users:
            self.platform.launch_once(self.tool.url, user=user, context_id=PAGE_COURSE)
        # The 9:00 cohort: people who launched yesterday, each launching once in a run, so
        # every launch records its new last launch (a write), unlike a relaunch within minutes.
        daily = [f"daily-{n}" for n in range(args.launches)]
        self._launch_each(daily)
        target = self.tool.url + "/lti/launch"
        tool_login = "/lti/login?" + self.platform.login_query("returning-1", target)
        peer_login = "/login?" + self.platform.login_query("returning-1", self.peer.url + "/launch")
        results: dict[str, list[load.Load]] = {}
        for _ in range(args.repeats):
            for name, server, path in (
                ("tool login", self.tool, tool_login),
                ("peer login", self.peer, peer_login),
                ("bare Flask", self.peer, "/bare"),
            ):
                results.setdefault(name, []).append(
                    load.run_load(server.url, path=path, seconds=args.seconds)
                )
            for name, server, login_path, launch_path, people in (
                ("tool launch", self.tool, "/lti/login", "/lti/launch", users),
                ("tool launch, first of the day", self.tool, "/lti/login", "/lti/launch", daily),
                ("peer launch", self.peer, "/login", "/launch", users),
            ):
                if people is daily:
                    data.launched_yesterday(daily)
                requests_file = self.platform.launches(
                    server.url,
                    login_path,
                    launch_path,
                    args.launches,
                    users=people,
                    context_id=PAGE_COURSE,
                    out=self.folder / f"{name}.txt",
                )
                results.setdefault(name, []).append(
                    load.run_load(
                        server.url,
                        path=launch_path,
                        request_file=requests_file,
                        seconds=args.seconds,
                    )
                )
        best = {name: load.median_load(runs) for name, runs in results.items()}
        _line("", "rate", "p50", "p99", "refused")
        for name, figures in best.items():
            _line(
                name, _rate(figures.rate), _ms(figures.p50), _ms(figures.p99), str(figures.refused)
            )
        # This machine's speed drifts within seconds (every process's CPU per request moves
        # together): each repeat's runs are adjacent, so a ratio is taken per repeat and the
        # median of those is printed, with their range.
        for label, tool_name, base_name in (
            ("login: tool / peer", "tool login", "peer login"),
            ("login: tool / bare Flask", "tool login", "bare Flask"),
            ("launch: tool / peer (relaunch within minutes)", "tool launch", "peer launch"),
            (
                "launch: tool / peer (first of the day: writes)",
                "tool launch, first of the day",
                "peer launch",
            ),
            ("launch: tool / bare Flask", "tool launch", "bare Flask"),
        ):
            ratios = sorted(
                tool.rate / base.rate
                for tool, base in zip(results[tool_name], results[base_name], strict=True)
            )
            _line(
                label,
                f"{ratios[len(ratios) // 2]:.2f} ×",
                f"({ratios[0]:.2f}–{ratios[-1]:.2f})",
            )
        if best["tool launch"].refused or best["peer launch"].refused:
            print("  (refused launches: more requests than prepared logins; raise --launches)")
        self._launch_statements(users[0])

    def _launch_each(self, users: list[str]) -> None:
        """Log in and launch each person once through the tool (HTTP)."""
        import requests

        requests_file = self.platform.launches(
            self.tool.url,
            "/lti/login",
            "/lti/launch",
            len(users),
            users=users,
            context_id=PAGE_COURSE,
            out=self.folder / "warm.txt",
        )
        with requests.Session() as http:
            for _method, path, cookie, body in load.read_request_file(requests_file):
                answer = http.post(
                    self.tool.url + path,
                    data=body,
                    headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
                    allow_redirects=False,
                )
                assert answer.status_code == 303, answer.text[:300]

    def _launch_statements(self, user: str) -> None:
        """Statements and commits of one login + launch of a returning person, in-process:
        their first launch of the day (it records the last launch) and a relaunch. A commit is
        a transaction that wrote, committed, or a write committed by itself (autocommit)."""
        client = self.app.test_client()
        target = self.tool.url + "/lti/launch"
        data.launched_yesterday([user])
        batched = "lti_tool_last_launches" in self.app.extensions
        for label in (
            "first of the day" + (" (last launch: batch)" if batched else ""),
            "relaunch",
        ):
            with counting() as seen:
                answer = client.get("/lti/login?" + self.platform.login_query(user, target))
                query = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
                token = self.platform.id_token(
                    query["nonce"], user=user, context_id=PAGE_COURSE, target=target
                )
                response = client.post(
                    "/lti/launch", data={"id_token": token, "state": query["state"]}
                )
            _line(
                f"in-process login + launch, {label}",
                f"{len(seen['statements'])} statements",
                f"{len(seen['commits'])} commit(s)",
                f"HTTP {response.status_code}",
            )

    # --- 2. a learner's page ----------------------------------------------------------------

    def page_section(self) -> None:
        args = self.args
        print(
            f"\n2. A learner's page after launch vs a bare Jinja page with one query "
            f"({self.dialect})"
        )
        cookie, home = self.learner(PAGE_COURSE, "page-learner")
        course_id = data.course_of(PAGE_COURSE).id
        results: dict[str, list[load.Load]] = {}
        for _ in range(args.repeats):
            results.setdefault("tool learner home", []).append(
                load.run_load(self.tool.url, path=home, cookie=cookie, seconds=args.seconds)
            )
            results.setdefault("bare Jinja page + 1 query", []).append(
                load.run_load(self.peer.url, path=f"/page/{course_id}", seconds=args.seconds)
            )
        best = {name: load.median_load(runs) for name, runs in results.items()}
        _line("", "rate", "p50", "p99", "refused")
        for name, figures in best.items():
            _line(
                name, _rate(figures.rate), _ms(figures.p50), _ms(figures.p99), str(figures.refused)
            )
        ratio = best["tool learner home"].rate / best["bare Jinja page + 1 query"].rate
        _line("tool / bare page", f"{ratio:.2f} ×")
        client = self._client(cookie)
        with counting() as seen:
            status = client.get(home).status_code
        _line(f"statements of {home} (in-process)", str(len(seen["statements"])), f"HTTP {status}")

    # --- 3. mentor search -------------------------------------------------------------------

    def search_section(self) -> None:
        args = self.args
        print(
            f"\n3. Mentor search over HTTP ({self.dialect}; 2 connections, one per worker); "
            f"in-db = the same statements executed in-process"
        )
        cookie, _home = self.learner(SEARCH_COURSE, "search-learner")
        course = data.course_of(SEARCH_COURSE)
        course_id = course.id
        in_course = 0
        total = 0
        others = 0
        for size in args.mentors:
            started = time.perf_counter()
            wanted_in_course = min(size, args.course_cap)
            if wanted_in_course > in_course:
                data.seed_pool(course, wanted_in_course - in_course, start=total)
                total += wanted_in_course - in_course
                in_course = wanted_in_course
            while total < size:
                others += 1
                extra = min(args.course_cap, size - total)
                data.seed_pool(data.other_course(others), extra, start=total)
                total += extra
            # The first searches right after a bulk load, before any statistics exist (the
            # first search after start once took 29 s): in-process, every shape once.
            cold = {
                shape: load.timed(lambda c=criteria: self._search_statements(course_id, c), 1)[0]
                for shape, criteria in SHAPES.items()
            }
            data.analyse()
            print(
                f"  {size:,} mentors ({in_course:,} in the searched course, "
                f"{others} other courses); seeded in {time.perf_counter() - started:.0f} s"
            )
            _line("", "p50", "p95", "p99", "in-db p50", "in-db p95", "SQL/page")
            client = self._client(cookie)
            for shape, criteria in SHAPES.items():
                path = f"/course/{course_id}/mentors?{_query(criteria)}"
                runs = [
                    # One connection per worker: the page's own response time. More would
                    # measure the queue (a request waiting for a busy worker), which is the
                    # rate's business, not the page's.
                    load.run_load(
                        self.tool.url, path=path, cookie=cookie, seconds=args.seconds, connections=2
                    )
                    for _ in range(args.repeats)
                ]
                http = load.median_load(runs)
                in_db = load.timed(lambda c=criteria: self._search_statements(course_id, c), 30)
                with counting() as seen:
                    answer = client.get(path)
                page = answer.get_data(as_text=True)
                found = page.split('role="status">', 1)[-1].split(".", 1)[0].strip()
                _line(
                    f"{shape} [{found[:30]}]",
                    _ms(http.p50),
                    _ms(http.p95),
                    _ms(http.p99),
                    _ms(statistics.median(in_db)),
                    _ms(sorted(in_db)[int(0.95 * len(in_db))]),
                    str(len(seen["statements"])) + (" !" if http.refused else ""),
                )
            _line(
                "first search of each shape before ANALYZE",
                *(f"{value:.0f} ms" for value in cold.values()),
            )
        if args.plans:
            self.plans(course_id)

    def plans(self, course_id: int) -> None:
        """Print the plan of every search shape's page statement (docs/performance.md)."""
        print(f"\n  Query plans of the search page statements ({self.dialect}):")
        for shape, criteria in SHAPES.items():
            chosen = self._criteria(course_id, criteria)
            page, _count = mentor_search.statements(chosen, self.dialect)
            self._plan(shape, page)
        db.session.rollback()

    def _plan(self, label: str, statement: Any) -> None:
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        if self.dialect == "sqlite":
            lines = [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
        else:
            lines = [
                row[0]
                for row in db.session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF) {compiled}"))
            ]
        print(f"  -- {label}")
        for line in lines:
            print("     " + line[:160])

    def _criteria(self, course_id: int, criteria: dict[str, Any]) -> Any:
        return make_criteria(
            course_id,
            criteria.get("text", ""),
            criteria.get("topics", ()),
            criteria.get("languages", ()),
            criteria.get("modes", ()),
            (),
            False,
        )

    def _search_statements(self, course_id: int, criteria: dict[str, Any]) -> None:
        chosen = make_criteria(
            course_id,
            criteria.get("text", ""),
            criteria.get("topics", ()),
            criteria.get("languages", ()),
            criteria.get("modes", ()),
            (),
            False,
        )
        # What the page runs: the page statement (it carries the count of candidates), and
        # the bounded count only when it does not (no criteria, or no row).
        page, count, values = mentor_search.prepared(chosen, self.dialect)
        rows = db.session.execute(page, values).all()
        if not rows or rows[0].total is None:
            db.session.execute(count, values).all()
        db.session.rollback()

    # --- 4. dashboard ---------------------------------------------------------------------

    def dashboard_section(self) -> None:
        args = self.args
        print(
            f"\n4. Staff dashboard and CSV export, {args.learners:,} learners and "
            f"{args.cohort_mentors} mentors ({self.dialect})"
        )
        cookie, _home = self.learner(STAFF_COURSE, "staff-person", staff=True)
        course = data.course_of(STAFF_COURSE)
        data.cohort(course, args.learners, args.cohort_mentors)
        pages = {
            "dashboard": f"/course/{course.id}/staff/",
            "dashboard, filtered + searched": (
                f"/course/{course.id}/staff/?state=contacts&q=learner&page=2"
            ),
            "CSV export (progress)": f"/course/{course.id}/staff/export/progress.csv",
        }
        client = self._client(cookie)
        if args.plans:
            from lti_tool.staff import cohort as staff_cohort

            coh = staff_cohort._cohort_select(course.id).cte("cohort").prefix_with("MATERIALIZED")
            filtered = staff_cohort._filtered(coh, None, "").subquery("filtered")
            self._plan(
                "dashboard cohort statement (before ANALYZE)",
                staff_cohort._overview_statement(coh, filtered, 1),
            )
            db.session.rollback()
        for moment in ("right after the bulk load (no ANALYZE)", "after ANALYZE"):
            if moment.startswith("after"):
                data.analyse()
            print(f"  {moment}:")
            _line("", "p50", "p95", "rate", "SQL/page", "bytes")
            for name, path in pages.items():
                runs = [
                    load.run_load(
                        self.tool.url, path=path, cookie=cookie, seconds=args.seconds, connections=2
                    )
                    for _ in range(args.repeats)
                ]
                http = load.median_load(runs)
                with counting() as seen:
                    answer = client.get(path)
                _line(
                    name,
                    _ms(http.p50),
                    _ms(http.p95),
                    _rate(http.rate),
                    str(len(seen["statements"]))
                    + ("" if answer.status_code == 200 else f" HTTP {answer.status_code}"),
                    f"{len(answer.get_data()):,}",
                )

    # --- 5. jobs ------------------------------------------------------------------------------

    def jobs_section(self) -> None:
        from aiosmtpd.controller import Controller

        args = self.args
        print(
            f"\n5. jobs run-due over {args.jobs:,} due e-mails to a real SMTP server "
            f"(aiosmtpd on loopback; {self.dialect})"
        )
        self.learner(PAGE_COURSE, "page-learner")
        received = [0]

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                received[0] += 1
                return "250 OK"

        controller = Controller(Handler(), hostname="127.0.0.1", port=load.free_port())
        controller.start()
        try:
            self.app.config.update(
                MAIL_SERVER="127.0.0.1",
                MAIL_PORT=controller.port,
                MAIL_USE_TLS=False,
                MAIL_USE_SSL=False,
                MAIL_USERNAME=None,
            )
            queued_before = data.queued_emails()
            data.due_emails(data.course_of(PAGE_COURSE), args.jobs)
            data.analyse()
            due = data.queued_emails()
            runner = self.app.test_cli_runner()
            runs = 0
            started = time.perf_counter()
            with counting() as seen:
                while data.queued_emails() and runs < args.max_runs:
                    result = runner.invoke(args=["jobs", "run-due"])
                    runs += 1
                    if result.exit_code != 0:
                        print(f"  run-due failed: {result.output[-500:]}")
                        break
                    db.session.remove()
            seconds = time.perf_counter() - started
            left = data.queued_emails()
            _line(
                "e-mails due at the start",
                f"{due:,}",
                f"({args.jobs:,} generated, {queued_before:,} queued by earlier sections)",
            )
            _line("e-mails received by the SMTP server", f"{received[0]:,}")
            _line("runs of run-due", str(runs), f"{left:,} left")
            _line(
                "wall time",
                f"{seconds:.1f} s",
                f"{1000 * seconds / max(1, received[0]):.2f} ms/item",
            )
            _line(
                "SQL statements per item (incl. counting)",
                f"{len(seen['statements']) / max(1, received[0]):.2f}",
            )
        finally:
            controller.stop()

    # --- 6. memory ---------------------------------------------------------------------------

    def rss_section(self) -> None:
        args = self.args
        print(f"\n6. Worker RSS after {args.rss_requests:,} requests ({self.dialect})")
        cookie, home = self.learner(PAGE_COURSE, "page-learner")
        before = self.tool.worker_rss_mb()
        peer_before = self.peer.worker_rss_mb()
        for server, path, page_cookie in ((self.tool, home, cookie), (self.peer, "/bare", "")):
            done = 0
            while done < args.rss_requests:
                figures = load.run_load(
                    server.url,
                    path=path,
                    cookie=page_cookie,
                    seconds=max(1.0, args.seconds),
                    max_requests=args.rss_requests - done,
                )
                done += figures.requests
        after = self.tool.worker_rss_mb()
        peer_after = self.peer.worker_rss_mb()
        fmt = lambda sizes: " / ".join(f"{size:.0f}" for size in sizes) + " MB"  # noqa: E731
        _line("", "before", "after")
        _line("tool workers (learner home page)", fmt(before), fmt(after))
        _line("bare Flask workers (peer app)", fmt(peer_before), fmt(peer_after))

    # --- profile (acceptance 6) ---------------------------------------------------------------

    def profile_section(self) -> None:
        print("\nProfile: 100 logins + launches + learner pages in-process, after one warm-up")
        client = self.app.test_client()
        target = self.tool.url + "/lti/launch"

        def one(index: int) -> None:
            user = f"returning-{index % 50}"
            answer = client.get("/lti/login?" + self.platform.login_query(user, target))
            query = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
            token = self.platform.id_token(
                query["nonce"], user=user, context_id=PAGE_COURSE, target=target
            )
            response = client.post("/lti/launch", data={"id_token": token, "state": query["state"]})
            client.get(urlsplit(response.headers["Location"]).path)

        one(0)
        started = time.perf_counter()
        for index in range(1, 51):
            one(index)
        _line("in-process, one login + launch + page", _ms((time.perf_counter() - started) * 20))
        profiler = cProfile.Profile()
        profiler.enable()
        for index in range(1, 101):
            one(index)
        profiler.disable()
        print("  (the RSA signatures below, 100, are the benchmark platform's, not the tool's)")
        stats = pstats.Stats(profiler)
        watched = {
            "private key loaded from PEM": lambda f, n: n == "load_pem_private_key",
            "public key loaded from PEM/JWK": lambda f, n: (
                n in ("load_pem_public_key", "from_pem", "from_jwk")
            ),
            "HTTP requests sent (JWKS fetches)": lambda f, n: (
                f.endswith("requests/sessions.py") and n == "send"
            ),
            "Jinja templates compiled": lambda f, n: (
                f.endswith("jinja2/environment.py") and n == "_compile"
            ),
        }
        calls = dict.fromkeys(watched, 0)
        for (filename, _line_no, function), (_cc, ncalls, *_rest) in stats.stats.items():  # type: ignore[attr-defined]
            for label, matches in watched.items():
                if matches(filename, function):
                    calls[label] += ncalls
        for label in watched:
            _line(label + " (100 iterations)", str(calls[label]))
        for label, matches in watched.items():
            if calls[label]:
                out = io.StringIO()
                stats.stream = out  # type: ignore[attr-defined]
                names = [
                    key
                    for key in stats.stats
                    if matches(key[0], key[2])  # type: ignore[attr-defined]
                ]
                for key in names[:1]:
                    stats.print_callers(key[2])
                callers = [
                    line
                    for line in out.getvalue().splitlines()
                    if "<-" in line or "lti_tool" in line
                ]
                for line in callers[:4]:
                    print("      called from:", line.strip()[:140])
        out = io.StringIO()
        stats.stream = out  # type: ignore[attr-defined]
        stats.sort_stats("tottime").print_stats(8)
        print("  top functions by own time:")
        for line in out.getvalue().splitlines()[-12:]:
            if line.strip():
                print("   ", line[:150])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmark", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("BENCHMARK_DATABASE_URL"),
        help="also run on this PostgreSQL database (ALL ITS TABLES ARE DROPPED)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--sections", default="launch,page,search,dashboard,jobs,rss,profile")
    parser.add_argument("--mentors", default=None, help="search sizes, e.g. 10000,100000,1000000")
    parser.add_argument(
        "--course-cap",
        type=int,
        default=100_000,
        help="mentors in the searched course; the rest go to other courses",
    )
    parser.add_argument("--learners", type=int, default=None)
    parser.add_argument("--cohort-mentors", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--max-runs", type=int, default=200)
    parser.add_argument("--rss-requests", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--launches",
        type=int,
        default=None,
        help="logins prepared per launch run (more than a run consumes)",
    )
    parser.add_argument(
        "--plans", action="store_true", help="print the plans of the search and dashboard queries"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    quick = args.quick
    args.mentors = [
        int(size)
        for size in (args.mentors or ("10000" if quick else "10000,100000,1000000")).split(",")
    ]
    args.learners = args.learners or (500 if quick else 2000)
    args.jobs = args.jobs or (1000 if quick else 10_000)
    args.rss_requests = args.rss_requests or (2000 if quick else 10_000)
    args.seconds = args.seconds or (2.0 if quick else 3.0)
    args.launches = args.launches or (2500 if quick else 4000)
    sections = args.sections.split(",")
    # Stopped with SIGTERM: leave through the finally clauses, which stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    print(
        f"Benchmark (figures, not pass/fail): gunicorn -w 2 sync, load by {load.GENERATOR}, "
        f"{args.repeats} interleaved repeats, {os.cpu_count()} CPUs"
    )
    urls = (
        [] if args.no_sqlite else [f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.sqlite3"]
    )
    if args.postgresql:
        urls.append(args.postgresql)
    for url in urls:
        bench = Bench(url, args)
        print(f"\n=== {bench.dialect} ===")
        try:
            for section in sections:
                getattr(bench, f"{section}_section")()
        finally:
            bench.close()


if __name__ == "__main__":
    main()
