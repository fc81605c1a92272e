"""The English Club pages' forms as Flask-WTF classes: each field bounded where it enters, refusals in Thai.

The caps are handlers.club.service's (topic, link, note, import file); what a value means (a date, a Friday,
a month range, a count a district may record) is still checked by the service, which owns those rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from bot.console.forms import bounded, one_of
from handlers.club.service import IMPORT_MAX_BYTES, NOTE_MAX, TOPIC_MAX, URL_MAX
from handlers.models import District

COUNT_DIGITS = 6  # attendees of one district at one session; six digits is far beyond any room


def _strip(value: object) -> object:
    """Surrounding spaces off a posted string."""
    return value.strip() if isinstance(value, str) else value


class _SessionFields(FlaskForm):
    """The fields a session and a series share."""

    topic = StringField("หัวข้อ", default="", validators=[bounded(TOPIC_MAX)])
    meeting_url = StringField("ลิงก์ประชุมออนไลน์", default="", validators=[bounded(URL_MAX)])
    starts_at = StringField("เวลาเริ่ม", default="", validators=[bounded(10)])
    duration_minutes = StringField("ระยะเวลา (นาที)", default="", validators=[bounded(10)])


class ClubSessionForm(_SessionFields):
    """One session as the add and edit forms post it (the edit form carries the note as a hidden field)."""

    held_on = StringField("วันที่", default="", validators=[bounded(20)])
    note = TextAreaField("อุปสรรคและข้อค้นพบ", default="", validators=[bounded(NOTE_MAX)])


class ClubCreateForm(ClubSessionForm):
    """The list page's two forms: one session (mode "one") or every third Friday of a month range ("series")."""

    mode = StringField(default="one", validators=[Optional(), one_of(("one", "series"))])
    first = StringField("ตั้งแต่เดือน", default="", validators=[bounded(10)])
    last = StringField("ถึงเดือน", default="", validators=[bounded(10)])


class ClubNoteForm(FlaskForm):
    """The session's obstacles and findings."""

    note = TextAreaField("อุปสรรคและข้อค้นพบ", default="", validators=[bounded(NOTE_MAX)])


class ClubReminderForm(FlaskForm):
    """When to send the reminder with its registration button, and to whom."""

    at = StringField("เวลาส่ง", default="", validators=[bounded(40)])
    audience = StringField("ผู้รับ", default="all", validators=[one_of(("all", "districts"))])


class ClubImportForm(FlaskForm):
    """An attendance list (CSV) to count by district."""

    file = FileField("ไฟล์", validators=[
        FileRequired("กรุณาเลือกไฟล์ .csv"), FileAllowed(["csv"], "รับเฉพาะไฟล์ .csv"),
        FileSize(IMPORT_MAX_BYTES, message=f"ไฟล์ใหญ่เกิน {IMPORT_MAX_BYTES // 1_000_000} MB")])


class _Count:
    """A district's attendee count: empty, or a whole number of at most COUNT_DIGITS digits."""

    def __init__(self, name_th: str) -> None:
        self.name_th = name_th

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.data and (not field.data.isdigit() or len(field.data) > COUNT_DIGITS):
            raise ValidationError(f"จำนวนผู้เข้าร่วมของเขต{self.name_th}ต้องเป็นจำนวนเต็ม ไม่เกิน {COUNT_DIGITS} หลัก")


def attendance_form(districts: Iterable[District]) -> FlaskForm:
    """The attendance table: one count field per district, named d<code> as the page renders it."""

    class AttendanceForm(FlaskForm):
        """Attendees by district (handlers.club.service checks who may record and the totals)."""

    for district in districts:
        setattr(AttendanceForm, f"d{district.code}",
                StringField(district.name_th, default="", filters=[_strip], validators=[_Count(district.name_th)]))
    return AttendanceForm()
