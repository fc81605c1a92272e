"""Thai/English question matching for @IAO: knowledge files (base), checks (validate), matching (matcher).

Nothing here knows about Flask, SQLAlchemy or LINE; the webhook calls Matcher.decide() and acts on it.
"""
