"""Hand-off notices against a real SMTP server (aiosmtpd on loopback): batching, office hours, urgency, retries."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from flask import Flask
from sqlalchemy import select

from handlers.inbox.service import resolve
from handlers.notify.models import HandoffNotice, NoticeMail
from handlers.notify.service import NoticeConfig, send_due_notices
from handlers.notify.smtp import SmtpConfig, SmtpMailer
from handlers.officers import Officer
from scheduler.jobs import JobDeps, install, run_installed_notices
from scheduler.runner import NOTICE_JOB_ID, build_scheduler
from tests.conftest import Line
from tests.fakes import FakeMessenger
from tests.notify.conftest import (
    CONSOLE_URL,
    QUESTIONS,
    TUESDAY_10,
    TUESDAY_20,
    WEDNESDAY_0831,
    SmtpServer,
    add_officer,
    body,
    hand_off,
    tick,
)
from tests.servers import free_port

USERS = ("U" + "1" * 32, "U" + "2" * 32, "U" + "3" * 32, "U" + "4" * 32)
MINUTE = dt.timedelta(minutes=1)


def _staff(app: Flask) -> None:
    """Two officers on duty, one off duty, and one on duty whose account is disabled."""
    add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    add_officer(app, "malee", email="Malee@IAO.example.go.th", on_duty=True)
    add_officer(app, "niran", email="niran@iao.example.go.th", on_duty=False)
    add_officer(app, "gone", email="gone@iao.example.go.th", on_duty=True, active=False)


def test_a_burst_of_three_handoffs_sends_one_mail_per_officer_on_duty(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    _staff(app)
    ids = [hand_off(app, line, USERS[i], QUESTIONS[i], TUESDAY_10 + dt.timedelta(seconds=10 * i)) for i in range(3)]

    report = tick(app, notice_config, TUESDAY_10 + MINUTE)
    assert (report.sent, report.questions, report.failed) == (2, 6, 0)
    sink = smtp_server.sink
    assert len(sink.received) == 2
    for address in ("somchai@iao.example.go.th", "Malee@iao.example.go.th"):
        [mail] = sink.to(address)
        assert mail["Subject"] == "[@IAO] มีคำถามรอเจ้าหน้าที่ 3 เรื่อง"
        assert mail["From"].addresses[0].addr_spec == "iao-noreply@bangkok.go.th"
        assert mail["From"].addresses[0].display_name == "@IAO"
        text = body(mail)
        for question_id in ids:
            assert f"{CONSOLE_URL}/console/inbox/{question_id}\n" in text
        assert "ชาวต่างชาติขอใบอนุญาตขับขี่สากลที่เขตได้ไหม" in text
        assert "1 ธ.ค. 2569 10:00 น." in text  # Bangkok time, Buddhist Era
        assert not any(user in text for user in USERS)  # no LINE identity in a mail
    assert not sink.to("niran@iao.example.go.th") and not sink.to("gone@iao.example.go.th")

    # the same tick again, and a fourth question a minute later: nobody is mailed twice within five minutes
    assert tick(app, notice_config, TUESDAY_10 + 2 * MINUTE).sent == 0
    fourth = hand_off(app, line, USERS[3], QUESTIONS[3], TUESDAY_10 + 2 * MINUTE)
    assert tick(app, notice_config, TUESDAY_10 + 3 * MINUTE).sent == 0
    later = tick(app, notice_config, TUESDAY_10 + 7 * MINUTE)
    assert (later.sent, later.questions) == (2, 2)
    assert len(sink.received) == 4
    newest = body(sink.to("somchai@iao.example.go.th")[-1])
    assert f"/console/inbox/{fourth}\n" in newest and f"/console/inbox/{ids[0]}\n" not in newest
    assert tick(app, notice_config, TUESDAY_10 + 30 * MINUTE).sent == 0


def test_outside_office_hours_a_routine_handoff_is_held_until_hours_begin(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    _staff(app)
    question = hand_off(app, line, USERS[0], QUESTIONS[0], TUESDAY_20)
    for minutes in (1, 60, 600):  # all evening and night, nothing goes out
        report = tick(app, notice_config, TUESDAY_20 + minutes * MINUTE)
        assert (report.sent, report.held) == (0, 1)
    assert smtp_server.sink.received == []
    report = tick(app, notice_config, WEDNESDAY_0831)  # the first minute job after 08.30
    assert report.sent == 2 and len(smtp_server.sink.received) == 2
    text = body(smtp_server.sink.to("somchai@iao.example.go.th")[0])
    assert f"/console/inbox/{question}\n" in text and "ด่วน" not in text


def test_an_urgent_handoff_is_mailed_outside_office_hours_and_a_routine_one_waits(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    _staff(app)
    routine = hand_off(app, line, USERS[0], QUESTIONS[0], TUESDAY_20)
    urgent = hand_off(app, line, USERS[1], "ถามเจ้าหน้าที่ ด่วนค่ะ ชาวต่างชาติถูกทำร้ายอยู่หน้าเขต ต้องแจ้งใคร",
                      TUESDAY_20 + MINUTE)
    report = tick(app, notice_config, TUESDAY_20 + 2 * MINUTE)
    assert (report.sent, report.questions, report.held) == (2, 2, 1)
    [mail] = smtp_server.sink.to("somchai@iao.example.go.th")
    assert mail["Subject"] == "[@IAO] ด่วน: มีคำถามรอเจ้าหน้าที่ 1 เรื่อง"
    assert mail["X-Priority"] == "1"
    text = body(mail)
    assert f"/console/inbox/{urgent}\n" in text and f"/console/inbox/{routine}\n" not in text
    assert "ส่งนอกเวลาราชการเพราะมีเรื่องด่วน" in text and "[ด่วน]" in text
    # the routine one goes out when office hours begin, to each officer once
    assert tick(app, notice_config, WEDNESDAY_0831).sent == 2
    morning = body(smtp_server.sink.to("somchai@iao.example.go.th")[-1])
    assert f"/console/inbox/{routine}\n" in morning and f"/console/inbox/{urgent}\n" not in morning


def test_a_refused_mail_is_retried_later_under_the_same_message_id_and_arrives_once(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    question = hand_off(app, line, USERS[0], QUESTIONS[0], TUESDAY_10)
    smtp_server.sink.refuse.append("451 4.3.0 Mail server temporarily busy")

    first = tick(app, notice_config, TUESDAY_10 + MINUTE)
    assert (first.sent, first.failed) == (0, 1) and smtp_server.sink.received == []
    sessions = app.extensions["iao"].sessions
    with sessions() as session:
        mail = session.scalars(select(NoticeMail)).one()
        assert (mail.status, mail.attempts) == ("failed", 1) and "451" in (mail.error or "")
        message_id = mail.message_id
    assert tick(app, notice_config, TUESDAY_10 + MINUTE + dt.timedelta(seconds=30)).sent == 0  # backoff: 1 min
    second = tick(app, notice_config, TUESDAY_10 + 2 * MINUTE)
    assert (second.sent, second.failed) == (1, 0)
    [arrived] = smtp_server.sink.received
    assert arrived[1]["Message-ID"] == message_id
    assert f"/console/inbox/{question}\n" in body(arrived[1])
    for minutes in (3, 10, 60):  # sent: never again
        assert tick(app, notice_config, TUESDAY_10 + minutes * MINUTE).sent == 0
    assert len(smtp_server.sink.received) == 1
    with sessions() as session:
        mail = session.scalars(select(NoticeMail)).one()
        assert (mail.status, mail.attempts, mail.error) == ("sent", 2, None)


def test_a_server_that_is_down_is_tried_again_and_a_permanent_refusal_gives_up(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    hand_off(app, line, USERS[0], QUESTIONS[0], TUESDAY_10)
    sessions = app.extensions["iao"].sessions
    down = SmtpMailer(SmtpConfig(host="127.0.0.1", port=free_port(), security="none", timeout=3))
    report = send_due_notices(sessions, down, notice_config, now=TUESDAY_10 + MINUTE)
    assert report.failed == 1
    with sessions() as session:
        assert session.scalars(select(NoticeMail.status)).one() == "failed"
    smtp_server.sink.refuse.append("554 5.7.1 Relaying denied")  # the server is back, and refuses for good
    assert tick(app, notice_config, TUESDAY_10 + 3 * MINUTE).gave_up == 1
    assert tick(app, notice_config, TUESDAY_10 + 60 * MINUTE).sent == 0
    with sessions() as session:
        assert session.scalars(select(NoticeMail.status)).one() == "gave-up"
    assert smtp_server.sink.received == []


def test_a_server_that_goes_silent_after_the_message_is_not_sent_again(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    hand_off(app, line, USERS[0], QUESTIONS[0], TUESDAY_10)
    smtp_server.sink.stall = 3.0  # it has the whole message and answers after the client gave up
    sessions = app.extensions["iao"].sessions
    impatient = SmtpMailer(SmtpConfig(host=smtp_server.host, port=smtp_server.port, security="none", timeout=1))
    report = send_due_notices(sessions, impatient, notice_config, now=TUESDAY_10 + MINUTE)
    assert report.uncertain == 1
    smtp_server.sink.stall = 0
    for minutes in (3, 30):
        assert send_due_notices(sessions, impatient, notice_config, now=TUESDAY_10 + minutes * MINUTE).sent == 0
    with sessions() as session:
        assert session.scalars(select(NoticeMail.status)).one() == "uncertain"
    # the server is answering again (stall 0) and the ticks above would have delivered a retry: none was made
    # (aiosmtpd drops a message whose client hung up; a real relay may have kept it: the inbox says "uncertain")
    time.sleep(3)
    assert smtp_server.sink.received == []


def test_a_question_answered_before_its_retry_is_not_mailed(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    officer_id = add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    question = hand_off(app, line, USERS[0], QUESTIONS[0], TUESDAY_10)
    smtp_server.sink.refuse.append("421 4.3.2 Service shutting down")
    assert tick(app, notice_config, TUESDAY_10 + MINUTE).failed == 1
    sessions = app.extensions["iao"].sessions
    with sessions.begin() as session:
        resolve(session, question, session.get_one(Officer, officer_id), note="ตอบทางโทรศัพท์แล้ว")
    report = tick(app, notice_config, TUESDAY_10 + 5 * MINUTE)
    assert (report.sent, report.dropped) == (0, 1)
    assert smtp_server.sink.received == []


def test_a_long_question_is_cut_in_the_mail(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    long_question = "ถามเจ้าหน้าที่ เรื่องชาวต่างชาติ " + "ขอเอกสารรับรองหลายฉบับ " * 200
    hand_off(app, line, USERS[0], long_question, TUESDAY_10)
    assert tick(app, notice_config, TUESDAY_10 + MINUTE).sent == 1
    text = body(smtp_server.sink.received[0][1])
    quoted = re.search(r"“(.*)”", text)
    assert quoted and len(quoted.group(1)) <= 300 and quoted.group(1).endswith("…")


def test_notice_rows_record_who_was_told_about_what(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    _staff(app)
    question = hand_off(app, line, USERS[0], QUESTIONS[0], TUESDAY_10)
    tick(app, notice_config, TUESDAY_10 + MINUTE)
    with app.extensions["iao"].sessions() as session:
        told = session.execute(select(Officer.username).join(HandoffNotice, HandoffNotice.officer_id == Officer.id)
                               .where(HandoffNotice.question_id == question).order_by(Officer.username)).scalars()
        assert list(told) == ["malee", "somchai"]


@pytest.mark.parametrize(("text", "urgent"), [
    ("ด่วนมากค่ะ ชาวต่างชาติหมดสติที่เขต", True), ("เรื่องเร่งด่วน", True), ("URGENT: passport lost", True),
    ("ฉุกเฉิน ต่างชาติถูกรถชน", True), ("emergency at the counter", True),
    ("ขอเบอร์สายด่วนตำรวจท่องเที่ยว", False), ("ชาวต่างชาติขอใบอนุญาตขับขี่สากล", False), ("", False),
])
def test_urgent_wording(text: str, urgent: bool) -> None:
    from handlers.notify.urgent import urgent_wording

    assert urgent_wording(text) is urgent


def test_an_emergency_topic_is_urgent_without_urgent_words() -> None:
    from handlers.models import Interaction
    from handlers.notify.urgent import is_urgent

    assert is_urgent(Interaction(text="ต่างชาติถูกขโมยกระเป๋า", category="emergency", entry_id="emergency-crime-victim"))
    assert is_urgent(Interaction(text="ชาวต่างชาติประสบภัย", detail="nearest:emergency-disaster-foreigners"))
    assert not is_urgent(Interaction(text="ชาวต่างชาติจดทะเบียนสมรส", category="marriage"))
    assert is_urgent(Interaction(text="(postback)"), context=("ด่วนค่ะ มีเหตุที่เขต",))


def test_the_clock_runs_the_notice_job_every_minute(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig,
        messenger: FakeMessenger) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    services = app.extensions["iao"]
    deps = JobDeps(sessions=services.sessions, messenger=messenger, mailer=services.mailer, notices=notice_config)
    scheduler = build_scheduler(services.engine, deps, scheduler_class=BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(NOTICE_JOB_ID)
        assert job is not None and job.trigger.interval == dt.timedelta(minutes=1)
    finally:
        scheduler.shutdown()
    add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    # urgent, so the job (on the real clock) mails it at any hour
    hand_off(app, line, USERS[0], "ถามเจ้าหน้าที่ ฉุกเฉินค่ะ ชาวต่างชาติหมดสติที่เขต", dt.datetime.now(dt.UTC))
    install(deps)
    try:
        run_installed_notices()
        run_installed_notices()
    finally:
        install(None)
    assert len(smtp_server.sink.received) == 1
    assert smtp_server.sink.received[0][1]["Subject"].startswith("[@IAO] ด่วน:")


def test_a_mail_left_sending_by_a_dead_process_is_sent_after_ten_minutes(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    from handlers.notify.service import NoticeReport, claim

    add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    hand_off(app, line, USERS[0], QUESTIONS[0], TUESDAY_10)
    sessions = app.extensions["iao"].sessions
    assert len(claim(sessions, notice_config, TUESDAY_10 + MINUTE, NoticeReport())) == 1  # ...and the process dies
    assert tick(app, notice_config, TUESDAY_10 + 5 * MINUTE).sent == 0  # still "sending": maybe in flight
    assert tick(app, notice_config, TUESDAY_10 + 12 * MINUTE).sent == 1
    assert tick(app, notice_config, TUESDAY_10 + 30 * MINUTE).sent == 0
    assert len(smtp_server.sink.received) == 1


def test_old_open_questions_do_not_crowd_out_new_ones(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    old = hand_off(app, line, USERS[0], QUESTIONS[0], TUESDAY_10 - dt.timedelta(days=5))  # before the look-back
    new = hand_off(app, line, USERS[1], QUESTIONS[1], TUESDAY_10)
    assert tick(app, notice_config, TUESDAY_10 + MINUTE).questions == 1
    text = body(smtp_server.sink.received[0][1])
    assert f"/console/inbox/{new}\n" in text and f"/console/inbox/{old}\n" not in text


def test_a_question_an_officer_already_took_is_not_mailed(
        app: Flask, line: Line, smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    from handlers.inbox.service import claim_question

    officer_id = add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    taken = hand_off(app, line, USERS[0], QUESTIONS[0], TUESDAY_10)
    waiting = hand_off(app, line, USERS[1], QUESTIONS[1], TUESDAY_10)
    with app.extensions["iao"].sessions.begin() as session:
        claim_question(session, taken, session.get_one(Officer, officer_id))
    assert tick(app, notice_config, TUESDAY_10 + MINUTE).questions == 1
    text = body(smtp_server.sink.received[0][1])
    assert f"/console/inbox/{waiting}\n" in text and f"/console/inbox/{taken}\n" not in text
