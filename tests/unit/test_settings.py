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
