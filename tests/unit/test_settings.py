"""The matcher's settings are read in Settings only, with a clear error that names a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import ConfigError, Settings


def test_cache_folder_and_threads_come_from_settings() -> None:
    settings = Settings.from_env({"IAO_ENV": "development", "IAO_CACHE_DIR": "/srv/iao-cache", "IAO_E5_THREADS": "2"})
    assert settings.cache_dir == Path("/srv/iao-cache") and settings.e5_threads == 2
    default = Settings.from_env({"IAO_ENV": "development"})
    assert default.cache_dir is None and default.e5_threads == 1


@pytest.mark.parametrize("value", ["0", "many", "99"])
def test_a_bad_thread_count_names_the_setting(value: str) -> None:
    with pytest.raises(ConfigError, match="IAO_E5_THREADS"):
        Settings.from_env({"IAO_ENV": "development", "IAO_E5_THREADS": value})


def test_quota_reserve_and_font_folder_come_from_settings() -> None:
    settings = Settings.from_env({"IAO_ENV": "development", "LINE_MONTHLY_QUOTA": "1000",
                                  "BROADCAST_QUOTA_RESERVE": "0", "IAO_THAI_FONT_DIR": "/srv/fonts"})
    assert (settings.line_monthly_quota, settings.broadcast_quota_reserve) == (1000, 0)
    assert settings.thai_font_dir == Path("/srv/fonts")
    default = Settings.from_env({"IAO_ENV": "development"})
    assert (default.line_monthly_quota, default.broadcast_quota_reserve, default.thai_font_dir) == (None, 20, None)


@pytest.mark.parametrize(("name", "value"), [("LINE_MONTHLY_QUOTA", "0"), ("LINE_MONTHLY_QUOTA", "300 messages"),
                                             ("BROADCAST_QUOTA_RESERVE", "-1"), ("BROADCAST_QUOTA_RESERVE", "x")])
def test_a_bad_quota_setting_names_itself(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({"IAO_ENV": "development", name: value})


def test_no_module_below_the_composition_root_reads_the_environment() -> None:
    root = Path(__file__).resolve().parents[2]
    readers = []
    for folder in ("bot", "handlers", "scheduler", "knowledge"):
        for path in sorted((root / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ("os.environ" in line or "getenv(" in line) and "PYTHAINLP_" not in line:
                    readers.append(f"{path.relative_to(root)}:{number}")
    assert readers == [], "settings are read in app.Settings only"
