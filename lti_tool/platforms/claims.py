"""LTI 1.3 claim, role, message and scope identifiers: the only place they are spelled out."""

from enum import StrEnum

LTI_VERSION = "1.3.0"

_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


class Claim(StrEnum):
    """Claims of an LTI 1.3 id_token the tool reads or writes."""

    MESSAGE_TYPE = _CLAIM + "message_type"
    VERSION = _CLAIM + "version"
    DEPLOYMENT_ID = _CLAIM + "deployment_id"
    TARGET_LINK_URI = _CLAIM + "target_link_uri"
    RESOURCE_LINK = _CLAIM + "resource_link"
    ROLES = _CLAIM + "roles"
    CONTEXT = _CLAIM + "context"
    CUSTOM = _CLAIM + "custom"
    LAUNCH_PRESENTATION = _CLAIM + "launch_presentation"
    TOOL_PLATFORM = _CLAIM + "tool_platform"
    DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
    NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
    AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


class MessageType(StrEnum):
    """LTI message types the tool accepts or sends."""

    RESOURCE_LINK = "LtiResourceLinkRequest"
    DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
    DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"


class Scope(StrEnum):
    """OAuth 2 scopes of the LTI Advantage services."""

    LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
    LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
    RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
    SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


_LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


class Role(StrEnum):
    """LIS role URIs the tool maps to its own roles (SPEC §1)."""

    INSTRUCTOR = _LIS + "membership#Instructor"
    TEACHING_ASSISTANT = _LIS + "membership/Instructor#TeachingAssistant"
    CONTENT_DEVELOPER = _LIS + "membership#ContentDeveloper"
    ADMINISTRATOR = _LIS + "membership#Administrator"
    LEARNER = _LIS + "membership#Learner"
    MENTOR = _LIS + "membership#Mentor"
    SYSTEM_ADMINISTRATOR = _LIS + "system/person#Administrator"
    INSTITUTION_ADMINISTRATOR = _LIS + "institution/person#Administrator"


#: Prefix of the Mentor sub-roles (``membership/Mentor#Advisor`` and so on).
MENTOR_SUBROLE_PREFIX = _LIS + "membership/Mentor#"
#: Prefix of the Instructor sub-roles (``membership/Instructor#TeachingAssistant`` and so on).
INSTRUCTOR_SUBROLE_PREFIX = _LIS + "membership/Instructor#"

#: The context-type URI a course has; Moodle sends the short name ``CourseSection`` instead.
CONTEXT_TYPE_COURSE_SECTION = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection"

DEEP_LINKING_CONTENT_TYPE = "ltiResourceLink"
