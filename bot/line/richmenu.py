"""Deploying @IAO's rich menu through line-bot-sdk: create, upload to the data host, make default, idempotently.

LINE cannot replace a rich menu's image, so a changed menu is a new rich menu (named by the digest of its
definition and image, bot/line/richmenu_model.py); the stale one is deleted once the new one is the default.
Steps: https://developers.line.biz/en/docs/messaging-api/using-rich-menus/ (create, upload to api-data.line.me,
set default).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuRequest,
)

from bot.line.richmenu_model import NAME_PREFIX, DeployReport, LineRefused, RichMenuDraft

TIMEOUT = (3.0, 30.0)  # connect, read seconds of every rich-menu call


@dataclass(frozen=True)
class LineApis:
    """The two clients a deploy needs: the Messaging API host and the data host (images)."""

    api: MessagingApi
    blob: MessagingApiBlob


@contextmanager
def line_apis(access_token: str, base_url: str, data_url: str) -> Iterator[LineApis]:
    """Real line-bot-sdk clients; the blob client gets its own host, as LINE serves images from api-data."""
    with ApiClient(Configuration(access_token=access_token, host=base_url.rstrip("/"))) as main, \
            ApiClient(Configuration(access_token=access_token, host=data_url.rstrip("/"))) as data:
        try:
            yield LineApis(MessagingApi(main), MessagingApiBlob(data))
        except ApiException as exc:
            body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
            raise LineRefused(f"LINE answered {exc.status} {exc.reason}: {body[:500]}") from None


def _status(exc: ApiException) -> int:
    return int(exc.status or 0)


def current_default(apis: LineApis) -> str | None:
    """The default rich menu's id, or None (LINE answers 404 when there is none)."""
    try:
        return apis.api.get_default_rich_menu_id(_request_timeout=TIMEOUT).rich_menu_id
    except ApiException as exc:
        if _status(exc) == 404:
            return None
        raise


def _image_of(apis: LineApis, rich_menu_id: str) -> bytes | None:
    """The image attached to a rich menu, or None when none was uploaded (404)."""
    try:
        return bytes(apis.blob.get_rich_menu_image(rich_menu_id, _request_timeout=TIMEOUT))
    except ApiException as exc:
        if _status(exc) == 404:
            return None
        raise


def deploy(apis: LineApis, draft: RichMenuDraft, *, dry_run: bool = False) -> DeployReport:
    """Make `draft` the default rich menu: create and upload it unless it exists, delete @IAO's stale ones."""
    menus = apis.api.get_rich_menu_list(_request_timeout=TIMEOUT).richmenus or []
    ours = [m for m in menus if (m.name or "").startswith(NAME_PREFIX)]
    others = [m.rich_menu_id for m in menus if not (m.name or "").startswith(NAME_PREFIX)]
    same = next((m for m in ours if m.name == draft.name), None)
    report = DeployReport(same.rich_menu_id if same else None, others=others)
    if same is None:
        report.created = report.uploaded = True
        if not dry_run:
            request = RichMenuRequest.from_dict(draft.definition)
            apis.api.validate_rich_menu_object(request, _request_timeout=TIMEOUT)
            report.rich_menu_id = apis.api.create_rich_menu(request, _request_timeout=TIMEOUT).rich_menu_id
    else:
        image = _image_of(apis, same.rich_menu_id)  # an earlier deploy may have stopped before its upload
        if image is not None and image != draft.image:
            raise LineRefused(f"rich menu {same.rich_menu_id} is named {draft.name} but holds another image: "
                              "delete it (`richmenu remove`) and deploy again")
        report.uploaded = image is None
    if report.uploaded and not dry_run:
        assert report.rich_menu_id is not None
        apis.blob.set_rich_menu_image(report.rich_menu_id, draft.image, _request_timeout=TIMEOUT,
                                      _headers={"Content-Type": draft.content_type})
    default = current_default(apis)
    report.default_set = report.rich_menu_id is None or default != report.rich_menu_id
    if report.default_set and not dry_run:
        assert report.rich_menu_id is not None
        apis.api.set_default_rich_menu(report.rich_menu_id, _request_timeout=TIMEOUT)
    # Only after the new menu is the default, so users are never left without one.
    for menu in ours:
        if menu.rich_menu_id != report.rich_menu_id:
            report.deleted.append(menu.rich_menu_id)
            if not dry_run:
                apis.api.delete_rich_menu(menu.rich_menu_id, _request_timeout=TIMEOUT)
    return report


def remove(apis: LineApis, *, dry_run: bool = False) -> list[str]:
    """Take @IAO's rich menus off LINE: clear the default if it is ours, then delete each; returns their ids."""
    menus = apis.api.get_rich_menu_list(_request_timeout=TIMEOUT).richmenus or []
    ours = [m.rich_menu_id for m in menus if (m.name or "").startswith(NAME_PREFIX)]
    if dry_run:
        return ours
    if current_default(apis) in ours:
        apis.api.cancel_default_rich_menu(_request_timeout=TIMEOUT)
    for rich_menu_id in ours:
        apis.api.delete_rich_menu(rich_menu_id, _request_timeout=TIMEOUT)
    return ours


@dataclass(frozen=True)
class RichMenuDeployer:
    """What the `richmenu` commands are given by app.py: the channel's token and LINE's two hosts."""

    access_token: str
    base_url: str
    data_url: str

    def deploy(self, draft: RichMenuDraft, *, dry_run: bool = False) -> DeployReport:
        """Make `draft` the default rich menu (see `deploy`)."""
        with line_apis(self.access_token, self.base_url, self.data_url) as apis:
            return deploy(apis, draft, dry_run=dry_run)

    def remove(self, *, dry_run: bool = False) -> list[str]:
        """Take @IAO's rich menus off LINE (see `remove`)."""
        with line_apis(self.access_token, self.base_url, self.data_url) as apis:
            return remove(apis, dry_run=dry_run)
