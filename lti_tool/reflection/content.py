"""The words of section 5.1: the default reflection questions and the online-outreach guide.

Written as the project's own text from the facts of the mentoring guide's section 5.1
("Social media and online communication"); every paragraph is translatable (§5, §7 languages).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class Audience(enum.StrEnum):
    """Who answers a reflection question (§5): mentors (and staff), mentees, staff, everyone."""

    MENTORS = "mentors"
    MENTEES = "mentees"
    STAFF = "staff"
    EVERYONE = "everyone"


AUDIENCE_LABELS: dict[Audience, LazyString] = {
    Audience.MENTORS: _l("Mentors and staff"),
    Audience.MENTEES: _l("Mentees"),
    Audience.STAFF: _l("Staff"),
    Audience.EVERYONE: _l("Everyone"),
}

#: The default questions, in the order they are asked, each with its audience. Section 5.1's
#: two questions speak to mentors ("think about your group of mentees"); mentees get their
#: own (written from the standards seed §3.1), which staff may reword, retire or add to.
DEFAULT_QUESTIONS: dict[str, tuple[Audience, LazyString]] = {
    "reach_mentees": (
        Audience.MENTORS,
        _l("Think about your group of mentees. What do you think is the right way to reach them?"),
    ),
    "platform_choice": (
        Audience.MENTORS,
        _l(
            "Reflect on your way of mentoring. Which platform do you think suits the mentoring "
            "programme you want to offer best?"
        ),
    ),
    "mentee_question": (
        Audience.MENTEES,
        _l(
            "Think about the question or problem you bring to the mentoring. What do you want "
            "to have clarified or achieved by its end?"
        ),
    ),
    "mentee_know_how": (
        Audience.MENTEES,
        _l(
            "Which part of your mentor's professional know-how interests you most, and how will "
            "you make use of it?"
        ),
    ),
}


@dataclass(frozen=True)
class GuideSection:
    """One part of the guide: a heading, paragraphs, and optionally numbered steps or a list."""

    key: str
    heading: LazyString
    paragraphs: tuple[LazyString, ...] = ()
    steps: tuple[LazyString, ...] = ()
    items: tuple[LazyString, ...] = ()
    after: tuple[LazyString, ...] = field(default=())


GUIDE_TITLE = _l("Finding your mentees online")
GUIDE_INTRO = _l(
    "Social media and online communication: should a mentor use them? This guide explains why "
    "mentoring works online too, and where mentors find their mentees on the internet."
)

GUIDE: tuple[GuideSection, ...] = (
    GuideSection(
        "why",
        _l("Why online mentoring works"),
        paragraphs=(
            _l(
                "Mentoring is first of all a genuine relationship between people: reflective "
                "conversations, brainstorming, usually one person with one other. That closeness "
                "is what makes it valuable, and it does not disappear when the conversation "
                "happens online."
            ),
            _l(
                "Mentoring has moved from handing down knowledge to learning and growing "
                "together through conversation, in a relationship of trust that runs both ways: "
                "each side contributes, learns and develops, personally and professionally. "
                "Online mentoring can be just as close and effective."
            ),
        ),
    ),
    GuideSection(
        "flexibility",
        _l("Flexibility for adult learners"),
        paragraphs=(
            _l(
                "In 2016, about one in five adults in Europe with a low level of education named "
                "distance and the lack of suitable learning offers among the obstacles to "
                "learning. Flexibility matters a great deal when we offer learning to adults."
            ),
            _l(
                "The 2016 Council Recommendation on Upskilling Pathways describes three steps: "
                "an assessment of skills, a tailored, flexible learning offer of good quality, "
                "and the validation and recognition of the skills gained."
            ),
            _l(
                "Distance learning makes education more flexible: instead of arranging work and "
                "family around their studies, learners fit their studies around their "
                "commitments."
            ),
            _l(
                "Digital change has opened mentoring to the whole world: mentor and mentee no "
                "longer need to live in the same place or country. They meet from home, at the "
                "time that suits both, and the offer of distance learning has kept growing, "
                "especially since the COVID-19 pandemic."
            ),
        ),
    ),
    GuideSection(
        "reach",
        _l("Reaching the mentees who need you"),
        paragraphs=(
            _l(
                "Today we can connect with people in another country or even on another "
                "continent, so mentors should know the online tools that reach mentees. Many "
                "platforms gather people who are eager to learn."
            ),
            _l(
                "When a programme is meant for young people at a serious disadvantage, remember "
                "that they are often not so eager to learn. Then promote mentoring in an "
                "appealing way that catches their attention, where they already are: on the "
                "social networks that are popular with young people."
            ),
        ),
    ),
    GuideSection(
        "social_groups",
        _l("Mentorship in social network groups"),
        paragraphs=(
            _l(
                "Facebook is a well-known social network that many professionals use. Selected "
                "groups there offer a mentorship feature: members choose a mentoring partner "
                "within the group and get one-to-one support from another member. A mentorship "
                "can last up to ten weeks; afterwards both can still see what they shared. "
                "Members must be adults to offer or ask for mentoring."
            ),
            _l("To become a mentor on Facebook:"),
        ),
        steps=(
            _l(
                "From your Feed, click “Groups” in the menu on the left and select your group. "
                "If you do not see “Groups”, click “See more”. (Join groups related to the "
                "mentoring you want to offer: you will have more impact and success.)"
            ),
            _l("Click “Mentorship” under the cover photo."),
            _l("Click “Become a Mentor” on the right."),
            _l(
                "Add some information about yourself and the topics you want to help others "
                "with, then click “Submit”."
            ),
            _l(
                "You are notified when people want to start a mentorship, and you decide whom "
                "to choose."
            ),
        ),
    ),
    GuideSection(
        "own_group",
        _l("Starting a mentoring group of your own"),
        paragraphs=(
            _l(
                "You can also create your own mentoring group on Facebook and offer mentoring "
                "there. The steps:"
            ),
        ),
        steps=(
            _l(
                "From your Feed, click “Groups” in the menu on the left and select your group. "
                "If you do not see “Groups”, click “See more”."
            ),
            _l("Click “Settings” in the menu on the left."),
            _l("Scroll down to select additional features."),
            _l(
                "To add mentorship, click “Add” next to “Mentorship”, then select a category "
                "and click “Save”."
            ),
            _l(
                "For more help, click “Learning Center” in the menu on the left of your "
                "Facebook group."
            ),
        ),
    ),
    GuideSection(
        "trainers",
        _l("A professional learning platform for trainers"),
        paragraphs=(
            _l(
                "LinkedIn Learning offers thousands of professional courses on the skills most "
                "in demand at your company. You can apply to join its team of passionate "
                "instructors who share their professional experience and knowledge with the "
                "whole world. You will work with some of the field's leading producers, "
                "directors and editors, so that your content is presented in the best light."
            ),
            _l("As a LinkedIn Learning instructor you can:"),
        ),
        items=(
            _l("help people reach their professional and personal goals;"),
            _l("learn valuable skills that you can apply to your working life;"),
            _l("benefit from the huge visibility the platform can offer."),
        ),
    ),
    GuideSection(
        "platforms",
        _l("Dedicated mentoring platforms"),
        paragraphs=(
            _l(
                "Many online mentoring platforms have appeared in recent years, even more since "
                "the COVID-19 pandemic. Mentors and mentees from all over the world meet there "
                "and build relationships of trust in which both grow. They make it easy to find "
                "mentees online."
            ),
        ),
        items=(
            _l(
                "Mentspot brings mentors and mentees together. Its idea: to get somewhere in "
                "life, work, study or relationships, guidance from a mentor matters, and finding "
                "one should be simple for every field."
            ),
            _l(
                "EPIC mentors (Educate, Propel, Inspire, Communicate) focuses on lifelong "
                "learning through mentoring, with more than 1,400 categories of mentoring "
                "programmes in which you can register as a mentor."
            ),
            _l(
                "Chronus is mentoring software that helps people learn and grow while sharing "
                "strategic methods; it connects people across hybrid workplaces and offers "
                "varied programmes for different needs and audiences."
            ),
        ),
        after=(
            _l(
                "Which of these fits you depends on your mentees and on your programme: the "
                "reflection questions help you decide."
            ),
        ),
    ),
)
