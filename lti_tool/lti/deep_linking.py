"""Deep-linking responses: the chosen activities as ``ltiResourceLink`` items (§6)."""

from __future__ import annotations

from typing import Any

from pylti1p3.deep_link import DeepLink

from ..platforms.claims import DEEP_LINKING_CONTENT_TYPE, Claim
from .activities import Activity

LINE_ITEM_TAG = "completion"
#: Platforms whose deep-linking return page hands the items to the frame that asked for them
#: (Moodle's ``contentitem_return.php`` calls ``parent.processContentItemReturnData``): opened
#: anywhere else, the return reaches no form.
RETURNS_INTO_PARENT_FRAME = frozenset({"moodle"})


def content_item(
    activity: Activity,
    *,
    title: str,
    launch_url: str,
    score_maximum: int | None = None,
) -> dict[str, Any]:
    """Return the ``ltiResourceLink`` item that places one activity, with an optional line item."""
    item: dict[str, Any] = {
        "type": DEEP_LINKING_CONTENT_TYPE,
        "title": title,
        "text": str(activity.description),
        "url": launch_url,
        "custom": {"activity": activity.key},
    }
    if score_maximum is not None:
        item["lineItem"] = {
            "scoreMaximum": score_maximum,
            "label": title,
            "resourceId": activity.key,
            "tag": LINE_ITEM_TAG,
        }
    return item


class ItemsDeepLink(DeepLink):
    """pylti1p3's deep link, sending ready-made content items and no empty ``data`` claim."""

    def response_jwt(self, items: list[dict[str, Any]]) -> str:
        """Return the signed ``LtiDeepLinkingResponse`` carrying ``items``."""
        message = self.get_message_jwt([])
        message[Claim.CONTENT_ITEMS] = items
        if message.get("https://purl.imsglobal.org/spec/lti-dl/claim/data") is None:
            message.pop("https://purl.imsglobal.org/spec/lti-dl/claim/data", None)
        return self.encode_jwt(message)

    @property
    def settings(self) -> dict[str, Any]:
        """The platform's deep-linking settings of the request."""
        return dict(self._deep_link_settings)

    @property
    def accepts_multiple(self) -> bool:
        """Whether the platform takes several items in one response."""
        value = self._deep_link_settings.get("accept_multiple", True)
        return value not in (False, "false")


def returns_into_parent_frame(claims: dict[str, Any], product_family_code: str | None) -> bool:
    """Tell whether the platform's return page needs the content-selection frame (Moodle).

    The launch's ``tool_platform`` claim names the product; the registration's product family
    (from dynamic registration) stands in when the claim is missing.
    """
    platform = claims.get(Claim.TOOL_PLATFORM)
    family = platform.get("product_family_code") if isinstance(platform, dict) else None
    family = family if isinstance(family, str) and family else product_family_code
    return (family or "").strip().lower() in RETURNS_INTO_PARENT_FRAME


def deep_link_of(launch: Any) -> ItemsDeepLink:
    """Return the deep link of a restored deep-linking launch."""
    body = launch.get_launch_data()
    return ItemsDeepLink(
        launch.registration,
        body[Claim.DEPLOYMENT_ID],
        body[Claim.DEEP_LINKING_SETTINGS],
    )
