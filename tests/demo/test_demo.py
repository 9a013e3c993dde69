"""The built-in demo LMS: real LTI 1.3 launches and deep linking from its course page (§7)."""

from __future__ import annotations

import json
import re
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import pytest
from sqlalchemy import func, select

from lti_tool import create_app, http
from lti_tool.config import DEFAULTS, ConfigError
from lti_tool.demo import platform
from lti_tool.demo.background import start_background
from lti_tool.demo.history import INTAKE
from lti_tool.demo.roster import COURSE, DEMO_MENTORSHIP, MENTOR_PROFILES, PEOPLE, find_person
from lti_tool.demo.seed import seed_demo
from lti_tool.extensions import db
from lti_tool.jobs.runner import run_due
from lti_tool.mentoring import requests as mentoring
from lti_tool.mentoring.models import (
    Agreement,
    ContactLog,
    ContactRequest,
    Mentorship,
    MentorshipStatus,
)
from lti_tool.mentors.access import can_receive_requests
from lti_tool.mentors.models import MentorProfile, MentorStatus
from lti_tool.models_base import utcnow
from lti_tool.people.models import Course, CourseRole, Membership, User
from lti_tool.platforms.models import Deployment, Registration
from lti_tool.reflection import operations as reflection
from lti_tool.reflection import queries as reflection_queries
from lti_tool.staff.assignment import propose_matches
from lti_tool.staff.models import RosterSync
from lti_tool.staff.roster import start_roster_sync
from tests.conftest import TOOL_BASE_URL, count_rows
from tests.support import keys
from tests.support.html import form_attributes, input_values
from tests.support.wsgi_transport import WSGITransport

LEARNER = "demo-301"  # Giulia Rossi
STAFF = "demo-101"  # Laura Conti
SEEDED = {
    "registration": 1,
    "deployment": 1,
    "course": 1,
    "user_account": len(PEOPLE),
    "membership": len(PEOPLE),
}


@pytest.fixture(scope="session")
def demo_instance(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An instance folder for the demo LMS's key, shared by the session (keys are slow)."""
    return str(tmp_path_factory.mktemp("demo-instance"))


@pytest.fixture
def demo(app, demo_instance, snapshots):
    """The tool in demo mode, seeded, reaching its own endpoints in-process over HTTP."""
    app.config["DEMO_MODE"] = True
    app.instance_path = demo_instance
    http.session().mount(TOOL_BASE_URL, WSGITransport(app))
    snapshots.once((__name__, "demo"), seed_demo)
    return app


def _path(url: str) -> str:
    """The path and query of a URL on the tool's own host."""
    parts = urlsplit(url)
    assert parts.scheme + "://" + parts.netloc == TOOL_BASE_URL, url
    return parts.path + ("?" + parts.query if parts.query else "")


def _auto_post(page: Any) -> tuple[str, dict[str, str]]:
    """Return the action and fields of an auto-submitting form page."""
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    assert 'document.getElementById("auto-post").submit()' in text
    return form_attributes(text)[0]["action"], input_values(text)


def _submit_launcher(client: Any, **choices: str) -> Any:
    """Fill the demo page's launcher as a visitor would and submit it into the tool frame."""
    page = client.get("/demo/").get_data(as_text=True)
    form = form_attributes(page)[0]
    assert form["target"] == "tool"
    assert re.search(r'<iframe name="tool" title="[^"]+"', page)
    data = {
        "csrf_token": input_values(page)["csrf_token"],
        "link": "demo-link-home",
        "locale": "en",
        **choices,
    }
    return client.post(form["action"], data=data)


def _continue_url(cookie_check: str) -> str:
    """Where the cookie check's script goes in a browser that keeps cookies."""
    return json.loads(re.search(r"var continueUrl = (\".*?\");", cookie_check).group(1))


def _authorization_request(client: Any, **choices: str) -> dict[str, str]:
    """Run the launcher and the tool's login (with its cookie check); return the auth request."""
    login_url, fields = _auto_post(_submit_launcher(client, launch="1", **choices))
    assert login_url == TOOL_BASE_URL + "/lti/login"
    assert fields["iss"] == platform.ISSUER
    assert fields["client_id"] == platform.CLIENT_ID
    assert fields["lti_deployment_id"] == platform.DEPLOYMENT_ID
    assert fields["target_link_uri"] == TOOL_BASE_URL + "/lti/launch"
    cookie_check = client.post(_path(login_url), data=fields).get_data(as_text=True)
    # What the cookie check's script does in a browser that keeps cookies.
    redirect = client.get(_continue_url(cookie_check))
    assert redirect.status_code == 302
    location = urlsplit(redirect.headers["Location"])
    assert location.path == "/demo/auth"
    return dict(parse_qsl(location.query))


def _launch(client: Any, person: str, **choices: str) -> tuple[Any, dict[str, Any]]:
    """Launch a demo person into the tool; return the tool's answer and the id_token's claims."""
    auth = _authorization_request(client, person=person, **choices)
    redirect_uri, fields = _auto_post(client.get("/demo/auth?" + urlencode(auth)))
    assert redirect_uri == TOOL_BASE_URL + "/lti/launch"
    assert fields["state"] == auth["state"]
    claims = jwt.decode(fields["id_token"], options={"verify_signature": False})
    return client.post(_path(redirect_uri), data=fields), claims


def test_demo_pages_answer_404_outside_demo_mode(app, client):
    assert app.config["DEMO_MODE"] is False
    for url in ("/demo/", "/demo/jwks.json", "/demo/auth", "/demo/return"):
        assert client.get(url).status_code == 404, url
    for url in ("/demo/launch", "/demo/deep-link-return", "/demo/token"):
        assert client.post(url).status_code == 404, url


def test_the_demo_lms_page_has_a_plain_title_and_answers_the_frames_storage_once(demo, client):
    """The platform's storage script runs once, in the page (not in its title or header):
    twice, every message of the tool's frame would be answered twice."""
    page = client.get("/demo/").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None and title.group(1).startswith("Demo LMS ·"), title
    assert "<script" not in title.group(1)
    assert page.count('addEventListener("message"') == 1


def test_seeding_twice_gives_the_same_data(demo):
    seed_demo()
    db.session.commit()

    assert count_rows(Registration, Deployment, Course, User, Membership) == SEEDED
    registration = db.session.scalar(select(Registration))
    assert (registration.issuer, registration.client_id) == (platform.ISSUER, platform.CLIENT_ID)
    assert registration.keyset_url == TOOL_BASE_URL + "/demo/jwks.json"
    assert registration.product_family_code == "demo"
    assert db.session.scalar(select(Deployment)).is_active
    roles = [m.role for m in db.session.scalars(select(Membership))]
    assert (roles.count(CourseRole.STAFF), roles.count(CourseRole.MENTOR)) == (3, 4)
    assert roles.count(CourseRole.LEARNER) == len(PEOPLE) - 7
    giulia = db.session.scalar(select(User).filter_by(subject=LEARNER))
    assert (giulia.name, giulia.email) == ("Giulia Rossi", "giulia.rossi@example.org")
    assert db.session.scalar(select(Course)).title == COURSE["title"]


def test_the_demo_starts_with_a_mentor_pool_and_a_mentorship_in_progress(demo):
    seed_demo()  # a second time: nothing is added twice
    db.session.commit()

    profiles = db.session.scalars(select(MentorProfile)).all()
    assert len(profiles) == len(MENTOR_PROFILES)
    assert all(profile.status == MentorStatus.APPROVED for profile in profiles)
    assert len({language for p in profiles for language in p.languages}) >= 3
    assert len({topic for p in profiles for topic in p.topics}) >= 8
    assert [p.is_busy for p in profiles].count(True) == 1
    mentorship = db.session.scalar(select(Mentorship))
    assert count_rows(ContactRequest, Mentorship, Agreement, ContactLog) == {
        "contact_request": 1,
        "mentorship": 1,
        "agreement": 1,
        "contact_log": 1,
    }
    assert mentorship.status == MentorshipStatus.ACTIVE
    assert mentorship.mentee.user.subject == DEMO_MENTORSHIP["mentee"]
    agreement = db.session.scalar(select(Agreement))
    assert agreement.mentee_confirmed_at and agreement.mentor_confirmed_at


def test_suggested_matching_has_pairs_to_propose_in_the_demo(demo):
    staff = db.session.scalar(select(Membership).join(User).where(User.subject == STAFF))

    proposal, _, _ = propose_matches(staff)

    learners_without_a_mentor = len([p for p in PEOPLE if p.role == "learner"]) - 1
    assert len(proposal.pairs) + len(proposal.unmatched) == learners_without_a_mentor
    assert len(proposal.pairs) >= 2  # the free places of the three mentors taking mentees


def test_a_demo_learner_finds_the_seeded_mentors_who_take_mentees(demo, client):
    response, _ = _launch(client, "demo-302")  # Marco Bianchi, no mentor yet
    standards_url = client.get(f"/course/{db.session.scalar(select(Course.id))}/mentors").headers[
        "Location"
    ]
    page = client.get(standards_url).get_data(as_text=True)
    client.post(
        standards_url,
        data={"csrf_token": input_values(page)["csrf_token"], "accept": "y", "of_age": "y"},
    )

    search = client.get(f"/course/{db.session.scalar(select(Course.id))}/mentors")
    text = search.get_data(as_text=True)
    assert search.status_code == 200
    for subject, offer in MENTOR_PROFILES.items():
        name = find_person(subject).name
        assert (name in text) is (not offer.is_busy), name


def test_seeding_follows_the_server_to_another_port(demo):
    demo.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5055"
    seed_demo()
    db.session.commit()

    assert count_rows(Registration, Deployment, Course, User, Membership) == SEEDED
    registration = db.session.scalar(select(Registration))
    assert registration.auth_login_url == "http://127.0.0.1:5055/demo/auth"
    assert registration.keyset_url == "http://127.0.0.1:5055/demo/jwks.json"


def test_demo_page_lists_people_activities_and_the_tool_frame(demo, client):
    page = client.get("/demo/", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert COURSE["title"] in page
    for person in PEOPLE:
        assert f'<span class="demo-name">{person.name}</span>' in page
    assert page.count('class="demo-role">Learner<') == 8
    assert page.count('class="demo-role">Mentor<') == 4
    assert page.count('class="demo-role">Instructor<') == 2
    assert '<option value="demo-link-reflection">Reflection: reaching mentees online' in page
    assert '<iframe name="tool" title="Mentoring tool"' in page


def test_learner_launch_from_the_demo_page_reaches_the_learner_home(demo, client):
    response, claims = _launch(client, LEARNER, locale="it")

    assert response.status_code == 303
    home = client.get(response.headers["Location"])
    text = home.get_data(as_text=True)
    assert home.status_code == 200
    assert 'data-testid="user-name">Giulia Rossi<' in text
    assert 'data-testid="course">Mentoring tra pari · Peer mentoring<' in text
    assert count_rows(Registration, Deployment, Course, User, Membership) == SEEDED
    membership = db.session.scalar(select(Membership).join(User).where(User.subject == LEARNER))
    assert membership.role == CourseRole.LEARNER
    assert membership.user.locale == "it"


def test_the_id_token_looks_like_moodles(demo, client):
    auth = _authorization_request(client, person=STAFF, link="demo-link-reflection")
    _, fields = _auto_post(client.get("/demo/auth?" + urlencode(auth)))
    token = fields["id_token"]

    key = platform.platform_key()
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    claims = jwt.decode(
        token, key.private_key.public_key(), algorithms=["RS256"], audience=platform.CLIENT_ID
    )
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    assert claims["exp"] - claims["iat"] == 60
    assert claims["nonce"] == auth["nonce"]
    assert claims["sub"] == STAFF
    assert (claims["given_name"], claims["family_name"]) == ("Laura", "Conti")
    assert claims[lti + "roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
    assert claims[lti + "context"]["type"] == ["CourseSection"]
    assert claims[lti + "resource_link"]["id"] == "demo-link-reflection"
    assert claims[lti + "custom"] == {"activity": "reflection"}
    assert claims[lti + "launch_presentation"] == {
        "document_target": "iframe",
        "locale": "en",
        "return_url": TOOL_BASE_URL + "/demo/return",
    }
    assert claims[lti + "tool_platform"]["product_family_code"] == "demo"
    assert claims[lti + "deployment_id"] == "1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"redirect_uri": "https://evil.example/lti/launch"}, "redirect URI is not registered"),
        ({"response_mode": "query"}, "response mode is not form_post"),
        ({"client_id": "someone-else"}, "client id is not the tool"),
        ({"nonce": ""}, "nonce is missing"),
        ({"login_hint": "demo-302"}, "login hint does not match"),
        ({"lti_message_hint": "forged"}, "login is unknown, expired or used already"),
    ],
)
def test_authorization_requests_are_checked(demo, client, change, message):
    auth = _authorization_request(client, person=LEARNER)

    answer = client.get("/demo/auth?" + urlencode({**auth, **change}))

    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert "id_token" not in answer.get_data(as_text=True)


def test_an_authorization_request_is_answered_once(demo, client):
    auth = _authorization_request(client, person=LEARNER)
    assert client.get("/demo/auth?" + urlencode(auth)).status_code == 200

    again = client.get("/demo/auth?" + urlencode(auth))

    assert again.status_code == 400
    assert "used already" in again.get_data(as_text=True)


def test_the_launcher_needs_its_csrf_token(demo, client):
    response = client.post("/demo/launch", data={"person": LEARNER, "link": "demo-link-home"})

    assert response.status_code == 400
    assert "The demo page has expired" in response.get_data(as_text=True)


def test_learners_cannot_start_deep_linking(demo, client):
    response = _submit_launcher(client, person=LEARNER, deep_link="1")

    assert response.status_code == 400
    assert "Only course staff can add activities" in response.get_data(as_text=True)


def _deep_link_picker(client: Any) -> str:
    """Start deep linking as staff from the demo page; return the tool's picker URL."""
    login_url, fields = _auto_post(_submit_launcher(client, person=STAFF, deep_link="1"))
    cookie_check = client.post(_path(login_url), data=fields).get_data(as_text=True)
    location = urlsplit(client.get(_continue_url(cookie_check)).headers["Location"])
    redirect_uri, fields = _auto_post(client.get("/demo/auth?" + location.query))
    claims = jwt.decode(fields["id_token"], options={"verify_signature": False})
    settings = claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
    assert settings == {
        "deep_link_return_url": TOOL_BASE_URL + "/demo/deep-link-return",
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": True,
        "auto_create": False,
    }
    response = client.post(_path(redirect_uri), data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def test_staff_deep_linking_round_trip_places_activities_in_the_demo_course(demo, client):
    picker_url = _deep_link_picker(client)
    picker = client.get(picker_url).get_data(as_text=True)

    returned = client.post(
        picker_url,
        data={
            "csrf_token": input_values(picker)["csrf_token"],
            "evaluation-selected": "y",
            "evaluation-title": "Valutazione finale",
            "reflection-selected": "y",
            "reflection-title": "Reflect on reaching mentees",
        },
    )
    return_url = form_attributes(returned.get_data(as_text=True))[0]["action"]
    assert return_url == TOOL_BASE_URL + "/demo/deep-link-return"
    placed = client.post(_path(return_url), data=input_values(returned.get_data(as_text=True)))

    assert placed.status_code == 200
    text = placed.get_data(as_text=True)
    assert "Activities added to the course" in text
    assert "Valutazione finale" in text and "Reflect on reaching mentees" in text
    links = platform.placed_links()
    assert [(link.activity, link.title) for link in links] == [
        ("reflection", "Reflect on reaching mentees"),
        ("evaluation", "Valutazione finale"),
    ]
    evaluation = next(link for link in links if link.activity == "evaluation")
    assert f'<option value="{evaluation.id}">Valutazione finale</option>' in client.get(
        "/demo/"
    ).get_data(as_text=True)

    response, claims = _launch(client, "demo-306", link=evaluation.id)
    assert claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["id"] == evaluation.id
    opened = client.get(response.headers["Location"])
    assert opened.status_code == 302
    assert "/open/evaluation?link_id=" in opened.headers["Location"]  # the person's own form
    page = client.get(opened.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Emily Carter" in page  # the launched learner, asked to accept the standards first


def test_deep_link_return_refuses_a_token_the_tool_did_not_sign(demo, client):
    forged = jwt.encode(
        {
            "iss": platform.CLIENT_ID,
            "aud": [platform.ISSUER],
            "iat": int(utcnow().timestamp()),
            "exp": int(utcnow().timestamp()) + 600,
            "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
            "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "1",
            "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [
                {"type": "ltiResourceLink", "title": "Forged", "custom": {"activity": "home"}}
            ],
        },
        keys.load_private_key(keys.private_pem("attacker")),
        algorithm="RS256",
        headers={"kid": "tool-key-1"},
    )

    answer = client.post("/demo/deep-link-return", data={"JWT": forged})

    assert answer.status_code == 400
    assert "failed verification" in answer.get_data(as_text=True)
    assert platform.placed_links() == []


def test_demo_jwks_publishes_the_public_key_only(demo, client):
    key_set = client.get("/demo/jwks.json").get_json()

    assert [key["kid"] for key in key_set["keys"]] == [platform.platform_key().kid]
    assert {"kty", "n", "e"} <= set(key_set["keys"][0])
    assert "d" not in key_set["keys"][0]


def test_the_demo_key_is_kept_in_the_instance_folder(demo, demo_instance, client):
    assert client.get("/demo/jwks.json").status_code == 200  # made on first use if missing

    pem = (Path(demo_instance) / platform.KEY_FILE).read_text()
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert (Path(demo_instance) / platform.KEY_FILE).stat().st_mode & 0o077 == 0


def test_demo_command_migrates_seeds_and_serves_threaded(demo, runner, monkeypatch):
    served: list[tuple[Any, ...]] = []

    class Server:
        def serve_forever(self):
            served.append(("served",))

        def server_close(self):
            served.append(("closed",))

    def make_server(*args, **kwargs):
        served.append((args, kwargs))
        return Server()

    monkeypatch.setattr("lti_tool.demo.cli.make_server", make_server)
    demo.config.update(DEMO_MODE=False, PUBLIC_BASE_URL=DEFAULTS["PUBLIC_BASE_URL"])
    port = _free_port()

    result = runner.invoke(args=["demo", "--port", str(port)])

    assert result.exit_code == 0, result.output
    assert f"Demo LMS ready: open http://127.0.0.1:{port}/demo/" in result.output
    assert f"http://127.0.0.1:{port}/demo/outbox" in result.output
    assert demo.config["DEMO_MODE"] is True
    assert demo.config["PUBLIC_BASE_URL"] == f"http://127.0.0.1:{port}"
    (args, kwargs), *rest = served
    assert args[:2] == ("127.0.0.1", port) and kwargs["threaded"] is True
    assert rest == [("served",), ("closed",)]
    past = len(INTAKE) + 1  # the demo command also plays the course's ten past weeks
    assert count_rows(Registration, Deployment, Course, User, Membership) == {
        **SEEDED,
        "user_account": SEEDED["user_account"] + past,
        "membership": SEEDED["membership"] + past,
    }
    keyset_url = db.session.scalar(select(Registration.keyset_url))
    assert keyset_url == f"http://127.0.0.1:{port}/demo/jwks.json"


def test_demo_command_checks_its_port_before_saying_ready(demo, runner):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = runner.invoke(args=["demo", "--port", str(port)])

    assert result.exit_code != 0
    assert "Demo LMS ready" not in result.output
    assert f"Port {port} on 127.0.0.1 is not free" in result.output
    assert f"make demo DEMO_PORT={port + 1}" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_demo_command_refuses_production_mode(database_url, tmp_path):
    production = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": "production-secret",
        "DATABASE_URL": database_url,
        "CACHE_TYPE": "RedisCache",
        "CACHE_DIR": str(tmp_path),
    }
    with pytest.raises(ConfigError, match="Demo mode is on in production mode"):
        create_app({**production, "DEMO_MODE": True})

    result = create_app(production).test_cli_runner().invoke(args=["demo"])

    assert result.exit_code != 0
    assert "never runs in production mode" in result.output


def test_find_person_knows_only_the_demo_people():
    assert find_person(LEARNER).name == "Giulia Rossi"
    assert find_person("nobody") is None
    assert find_person(None) is None


# --- Acceptance: the demo shows every part (roster, scores, e-mails) -------------------------


def _membership_of(subject: str) -> Membership:
    return db.session.scalar(
        select(Membership).join(User).where(User.subject == subject, Membership.is_active)
    )


def test_roster_sync_reads_the_demo_course_incl_people_who_never_launched(demo, client):
    response, claims = _launch(client, STAFF, link="demo-link-dashboard")
    nrps = claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"]
    assert nrps["context_memberships_url"] == TOOL_BASE_URL + "/demo/nrps/memberships"
    assert client.get(response.headers["Location"]).status_code in (200, 302)

    sync = start_roster_sync(_membership_of(STAFF))
    db.session.commit()
    run_due()

    db.session.expire_all()
    finished = db.session.get(RosterSync, sync.id)
    assert finished.status == "done", (finished.problem, finished.detail)
    assert finished.members_seen == len(PEOPLE)  # nobody but Laura has launched
    page = client.get(f"/course/{finished.course_id}/staff/roster")
    assert page.status_code == 200
    assert str(len(PEOPLE)) in page.get_data(as_text=True)


def test_a_completion_score_reaches_the_demo_gradebook(demo, client):
    response, claims = _launch(client, LEARNER, link="demo-link-reflection")
    ags = claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]
    assert ags["lineitems"] == TOOL_BASE_URL + "/demo/ags/lineitems"
    client.get(response.headers["Location"])
    learner = _membership_of(LEARNER)
    reflection.ensure_default_questions(learner.course_id)
    for question in reflection_queries.progress_of(learner).items:
        reflection.submit_answer(
            learner, question.question, text="On Instagram.", share_with_partner=False,
            share_with_staff=False,
        )  # fmt: skip
    db.session.commit()
    assert "No grade item yet" in client.get("/demo/gradebook").get_data(as_text=True)

    run_due()

    gradebook = client.get("/demo/gradebook").get_data(as_text=True)
    assert 'data-testid="line-item"' in gradebook
    row = gradebook.split(f'data-testid="score-{LEARNER}">')[1].split("</tr>")[0]
    assert "Giulia Rossi" in row and "100.0 / 100.0" in row.replace("100 /", "100.0 /")
    assert "Completed, FullyGraded" in row


def test_a_request_in_the_demo_puts_the_mentors_email_on_the_outbox_page(demo, client):
    demo.config["DEMO_JOB_INTERVAL_SECONDS"] = 0.2
    assert "No e-mail yet" in client.get("/demo/outbox").get_data(as_text=True)
    background = start_background(demo)
    try:
        learner = _membership_of("demo-306")  # Emily Carter, no mentor yet
        mentor = next(
            profile
            for profile in db.session.scalars(
                select(MentorProfile).filter_by(course_id=learner.course_id)
            )
            if can_receive_requests(profile)
        )
        name = mentor.membership.user.display_name
        address = mentor.membership.user.email
        mentoring.send_request(
            learner, mentor, question="How do I start mentoring online?", ideas="A group",
            expectations="Advice", preferred_mode="video",
        )  # fmt: skip
        db.session.commit()

        # No command: the demo's own job thread delivers it (waiting is not the assertion).
        page = ""
        for _attempt in range(600):
            page = client.get("/demo/outbox").get_data(as_text=True)
            if "Emily Carter" in page:
                break
            threading.Event().wait(0.1)
    finally:
        background.stop()

    emails = page.split('data-testid="emails">')[1].split('<li class="card">')
    [about_emily] = [email for email in emails if "Emily Carter" in email]
    assert f"{name} &lt;{address}&gt;" in about_emily  # the mentor's e-mail about her request


def test_the_demo_has_ten_weeks_of_history_for_its_charts(demo):
    from datetime import date

    from lti_tool.demo.history import seed_history
    from lti_tool.staff.overview import progress_weeks

    course = db.session.scalar(select(Course))
    assert seed_history(course) is True
    db.session.commit()
    assert seed_history(course) is False  # once only

    weeks = progress_weeks(course.id, date.today(), weeks=11)[:-1]  # the ten before this one
    assert len(weeks) == 10
    for week in weeks:
        assert week.started + week.contacts + week.concluded > 0, week
    assert sum(week.concluded for week in weeks) >= 10
    statuses = [m.status for m in db.session.scalars(select(Mentorship))]
    assert statuses.count(MentorshipStatus.CONCLUDED) >= 10
    assert MentorshipStatus.ACTIVE in statuses
    expired = db.session.scalars(select(ContactRequest).filter_by(status="expired")).all()
    assert len(expired) == 1
    history_learners = db.session.scalar(
        select(func.count()).select_from(User).where(User.subject.like("demo-past-%"))
    )
    assert history_learners == len(INTAKE) + 1
