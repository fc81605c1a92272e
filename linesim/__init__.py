"""linesim: a local LINE Messaging API platform simulator for developing and testing @IAO."""

from linesim.app import create_app

__all__ = ["create_app"]
