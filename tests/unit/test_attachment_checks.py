"""The type and size checks of photos and files: magic bytes decide, the cap comes first."""

from __future__ import annotations

import pytest

from app import ConfigError, Settings
from handlers.inbox.attachments import DEFAULT_MAX_BYTES, STORED, TOO_LARGE, UNSUPPORTED, check, sniff
from tests.images import HTML_AS_IMAGE, PDF, SVG, png

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
GIF = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 10
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16


@pytest.mark.parametrize(("data", "expected"), [
    (JPEG, "image/jpeg"), (png(), "image/png"), (GIF, "image/gif"), (b"GIF87a" + b"\x00" * 8, "image/gif"),
    (WEBP, "image/webp"), (PDF, "application/pdf"),
])
def test_accepted_types_are_recognised_by_their_first_bytes(data: bytes, expected: str) -> None:
    assert sniff(data) == expected
    assert check(data, DEFAULT_MAX_BYTES).content_type == expected


@pytest.mark.parametrize("data", [
    HTML_AS_IMAGE, SVG, b"MZ\x90\x00" + b"\x00" * 60,  # a Windows program
    b"PK\x03\x04" + b"\x00" * 30,  # a zip (docx, xlsx)
    b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 16,  # RIFF, but audio
    b"GIF88a" + b"\x00" * 8, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8,  # an mp4 video
    b"%PD", b"\xff\xd8",  # cut short
])
def test_anything_else_is_refused_whatever_it_claims_to_be(data: bytes) -> None:
    verdict = check(data, DEFAULT_MAX_BYTES)
    assert verdict.status == UNSUPPORTED and verdict.content_type is None


def test_the_size_cap_holds_at_the_byte_and_comes_before_the_type() -> None:
    image = png()
    assert check(image, len(image)).status == STORED
    assert check(image, len(image) - 1).status == TOO_LARGE
    assert check(HTML_AS_IMAGE * 100, 10).status == TOO_LARGE  # too big is said first, not inspected further
    assert check(b"", 100).status != STORED and check(None, 100).status != STORED


def test_data_host_and_cap_are_settings() -> None:
    base = {"IAO_ENV": "development"}
    settings = Settings.from_env(base)
    assert settings.line_api_data_url == "https://api-data.line.me"
    assert settings.attachment_max_bytes == DEFAULT_MAX_BYTES == 10 * 1024 * 1024
    custom = Settings.from_env({**base, "LINE_API_DATA_URL": "http://127.0.0.1:8900/",
                                "ATTACHMENT_MAX_BYTES": "2097152"})
    assert custom.line_api_data_url == "http://127.0.0.1:8900" and custom.attachment_max_bytes == 2097152
    for bad in ("ten", "0", "-5", "999999999999"):
        with pytest.raises(ConfigError, match="ATTACHMENT_MAX_BYTES"):
            Settings.from_env({**base, "ATTACHMENT_MAX_BYTES": bad})
