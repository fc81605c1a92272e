"""The sliding-window limiter used on the webhook (bad signatures) and the console login."""

from bot.ratelimit import RateLimiter


def test_limit_per_key_and_window() -> None:
    limiter = RateLimiter(3, 10.0)
    assert [limiter.hit("a", now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limiter.hit("b", now=3)  # other keys are not affected
    assert limiter.blocked("a", now=5)
    assert limiter.hit("a", now=10.5)  # the first hit left the window
