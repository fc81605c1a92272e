"""The console asks LINE for the quota once a minute per process, for the inbox and the tips page together."""

from __future__ import annotations

import pytest

from bot.console.context import CachedQuota


class Lookup:
    """A quota lookup that counts its calls and can be made to fail."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    def __call__(self) -> object:
        self.calls += 1
        if self.fail:
            raise TimeoutError("LINE is slow")
        return 120 - self.calls


def test_one_lookup_serves_every_page_until_forgotten() -> None:
    lookup = Lookup()
    quota = CachedQuota(lookup)
    inbox_reader, tips_reader = quota.reader(), quota.reader()
    assert inbox_reader is not None and tips_reader is not None
    assert inbox_reader() == tips_reader() == 119 and lookup.calls == 1
    quota.forget()  # an officer's push used a message
    reader = quota.reader()
    assert reader is not None and reader() == 118 and lookup.calls == 2


def test_a_failed_lookup_is_cached_and_raised_to_each_page() -> None:
    lookup = Lookup()
    lookup.fail = True
    quota = CachedQuota(lookup)
    for _ in range(3):
        reader = quota.reader()
        assert reader is not None
        with pytest.raises(TimeoutError):
            reader()
    assert lookup.calls == 1


def test_after_a_minute_it_asks_again() -> None:
    lookup = Lookup()
    quota = CachedQuota(lookup, seconds=0.0)
    quota.reader()
    quota.reader()
    assert lookup.calls == 2


def test_no_lookup_no_reader() -> None:
    assert CachedQuota(None).reader() is None
