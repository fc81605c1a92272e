"""Telling the officers on duty, by e-mail, that questions were handed over to them (issue 13, item 2)."""
