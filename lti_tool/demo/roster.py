"""The demo LMS's own course and people: what a real platform keeps in its user tables (§7)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from ..platforms.claims import Role


class DemoRole(enum.StrEnum):
    """The course role a demo person has in the demo LMS."""

    INSTRUCTOR = "instructor"
    #: A site administrator of the LMS (Moodle sends the system and institution Administrator
    #: roles with Instructor): the tool's administration console opens for them.
    ADMINISTRATOR = "administrator"
    MENTOR = "mentor"
    LEARNER = "learner"


#: The LIS role each demo role sends in the id_token.
ROLE_URIS = {
    DemoRole.INSTRUCTOR: Role.INSTRUCTOR,
    DemoRole.ADMINISTRATOR: Role.INSTRUCTOR,
    DemoRole.MENTOR: Role.MENTOR,
    DemoRole.LEARNER: Role.LEARNER,
}

ROLE_LABELS = {
    DemoRole.INSTRUCTOR: _l("Instructor"),
    DemoRole.ADMINISTRATOR: _l("Site administrator"),
    DemoRole.MENTOR: _l("Mentor"),
    DemoRole.LEARNER: _l("Learner"),
}


@dataclass(frozen=True)
class DemoPerson:
    """A person of the demo LMS, launched into the tool under their ``subject``."""

    subject: str
    given_name: str
    family_name: str
    email: str
    role: DemoRole
    #: The language of the person's LMS account (what their launches send as locale).
    language: str

    @property
    def name(self) -> str:
        """Full name, as the LMS shows it."""
        return f"{self.given_name} {self.family_name}"

    @property
    def is_staff(self) -> bool:
        """Whether the person teaches the course (and may add activities)."""
        return self.role in (DemoRole.INSTRUCTOR, DemoRole.ADMINISTRATOR)

    @property
    def lti_roles(self) -> list[str]:
        """The roles claim of the person's launches."""
        roles = [str(ROLE_URIS[self.role])]
        if self.role == DemoRole.ADMINISTRATOR:
            roles += [str(Role.SYSTEM_ADMINISTRATOR), str(Role.INSTITUTION_ADMINISTRATOR)]
        return roles

    @property
    def profile(self) -> dict[str, Any]:
        """The name and email claims of the person's launches."""
        return {
            "name": self.name,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "email": self.email,
        }


#: The demo course, as the context claim carries it (Moodle sends the short type name).
COURSE: dict[str, Any] = {
    "id": "demo-course-101",
    "label": "MENTOR-101",
    "title": "Mentoring tra pari · Peer mentoring",
    "type": ["CourseSection"],
}


def _person(subject: str, given: str, family: str, role: DemoRole, language: str) -> DemoPerson:
    email = f"{given}.{family}@example.org".lower().replace(" ", "")
    return DemoPerson(subject, given, family, email, role, language)


PEOPLE: tuple[DemoPerson, ...] = (
    _person("demo-101", "Laura", "Conti", DemoRole.INSTRUCTOR, "it"),
    _person("demo-102", "James", "Whitfield", DemoRole.INSTRUCTOR, "en"),
    _person("demo-103", "Ada", "Marchetti", DemoRole.ADMINISTRATOR, "en"),
    _person("demo-201", "Francesca", "Moretti", DemoRole.MENTOR, "it"),
    _person("demo-202", "Alessandro", "Gallo", DemoRole.MENTOR, "it"),
    _person("demo-203", "Sarah", "Mitchell", DemoRole.MENTOR, "en"),
    _person("demo-204", "David", "Thompson", DemoRole.MENTOR, "en"),
    _person("demo-301", "Giulia", "Rossi", DemoRole.LEARNER, "it"),
    _person("demo-302", "Marco", "Bianchi", DemoRole.LEARNER, "it"),
    _person("demo-303", "Chiara", "Esposito", DemoRole.LEARNER, "it"),
    _person("demo-304", "Luca", "Romano", DemoRole.LEARNER, "it"),
    _person("demo-305", "Sofia", "Ricci", DemoRole.LEARNER, "it"),
    _person("demo-306", "Emily", "Carter", DemoRole.LEARNER, "en"),
    _person("demo-307", "Oliver", "Bennett", DemoRole.LEARNER, "en"),
    _person("demo-308", "Hannah", "Wright", DemoRole.LEARNER, "en"),
)

_BY_SUBJECT = {person.subject: person for person in PEOPLE}


def find_person(subject: str | None) -> DemoPerson | None:
    """Return the demo person with this subject, if any."""
    return _BY_SUBJECT.get(subject or "")


@dataclass(frozen=True)
class DemoMentorProfile:
    """What a demo mentor offers, as they would fill it in on their profile page (§4.1)."""

    headline: str
    bio: str
    topics: tuple[str, ...]
    languages: tuple[str, ...]
    contact_modes: tuple[str, ...]
    roles_offered: tuple[str, ...]
    capacity: int = 3
    is_busy: bool = False


#: The demo mentor pool: varied topics, languages and contact modes, one of them busy.
MENTOR_PROFILES: dict[str, DemoMentorProfile] = {
    "demo-201": DemoMentorProfile(
        headline="Formatrice per adulti, vent'anni di corsi serali",
        bio="Accompagno chi torna a studiare da adulto: organizzare il tempo, ritrovare il metodo.",
        topics=("adult education", "study skills", "time management"),
        languages=("it", "en"),
        contact_modes=("video", "in_person", "phone"),
        roles_offered=("companion", "advisor"),
    ),
    "demo-202": DemoMentorProfile(
        headline="Community manager e formatore online",
        bio="Aiuto a trovare e coinvolgere persone online: gruppi, piattaforme, comunicazione.",
        topics=("social media", "online communities", "digital skills"),
        languages=("it",),
        contact_modes=("video", "written"),
        roles_offered=("knowledge_broker", "broker"),
        capacity=2,
    ),
    "demo-203": DemoMentorProfile(
        headline="Career coach for career changers",
        bio="I help adults who change careers to name their skills and plan the next step.",
        topics=("career change", "job search", "study skills"),
        languages=("en", "de"),
        contact_modes=("phone", "video"),
        roles_offered=("advisor", "initiator"),
    ),
    "demo-204": DemoMentorProfile(
        headline="Instructional designer and volunteer mentor",
        bio="Writing, planning a project, and learning to learn online.",
        topics=("instructional design", "writing", "project planning"),
        languages=("en", "fr"),
        contact_modes=("written", "video"),
        roles_offered=("knowledge_broker",),
        capacity=1,
        is_busy=True,
    ),
}

#: The mentorship in progress that the demo starts with: mentee, mentor and what they agreed.
DEMO_MENTORSHIP: dict[str, Any] = {
    "mentee": "demo-301",
    "mentor": "demo-201",
    "request": {
        "question": "Sono tornata a studiare dopo dieci anni e faccio fatica a organizzarmi.",
        "ideas": "Vorrei un piano settimanale realistico tra lavoro, famiglia e corso.",
        "expectations": "Qualcuno con cui fare il punto ogni due settimane.",
        "preferred_mode": "video",
    },
    "proposal": "Un primo colloquio in video di mezz'ora, poi decidiamo insieme come proseguire.",
    "agreement": {
        "goals": "Un piano di studio settimanale; finire il primo modulo entro due mesi.",
        "contact_modes": ["video", "phone"],
        "frequency": "Ogni due settimane, 45 minuti",
        "other_commitments": "Avvisare con un giorno di anticipo se un incontro salta.",
    },
    "first_contact": {"mode": "video", "duration_minutes": 40, "days_ago": 3},
}
