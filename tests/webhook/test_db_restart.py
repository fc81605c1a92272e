"""The database going away under the app (a PostgreSQL restart drops every connection)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from handlers.models import Interaction
from tests.conftest import Line
from tests.fakes import text_event

USER = "U" + "f" * 32


def _drop_all_other_connections(app: Flask) -> int:
    """What a server restart does to the app's pooled connections: kill them from the server side."""
    with app.extensions["iao"].engine.connect() as conn:
        killed = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )).scalar_one()
        conn.commit()
    return int(killed)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_events_after_the_database_dropped_every_connection_are_handled(line: Line, app: Flask) -> None:
    assert line.post(text_event(USER, "ตม.30 คืออะไร")) == 200
    _drop_all_other_connections(app)
    # pool_pre_ping finds the dead connections and opens new ones: nothing is lost, nothing fails
    assert line.post(text_event(USER, "บัตรสีชมพูหายทำยังไง")) == 200
    assert line.post(text_event(USER, "สถานทูตญี่ปุ่นอยู่ที่ไหน")) == 200
    with app.extensions["iao"].sessions() as session:
        asked = session.scalar(select(func.count()).select_from(Interaction).where(Interaction.direction == "in"))
    assert asked == 3
    assert len(line.messenger.replies) == 3
