"""The KPI activities page's forms as Flask-WTF classes: each field bounded where it enters, refusals in Thai.

The caps are handlers.kpi.activities' (title, note, link, file size) and the table's (indicator key, kind);
what a value means (a kind of the indicator's ladder, a date inside the fiscal year, a count within the
ladder's range, a file's content type) is still checked by handlers.kpi.activities, which owns those rules.
"""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Optional, StopValidation, ValidationError

from bot.console.forms import Flag, _strip, bounded
from handlers.kpi.activities import FILE_MAX_BYTES, NOTE_MAX, TITLE_MAX, URL_MAX

KEY_MAX = 64  # kpi_indicators.key
KIND_MAX = 32  # kpi_activities.kind
COUNT_DIGITS = 7  # COUNT_MAX is 100,000; seven digits leaves the range message to the handler
REASON_MAX = 1000  # the override's reason, as the page's maxlength says (was cut to 1,000, now refused)
LEVELS = ("1", "2", "3", "4", "5")
LEVEL_MESSAGE = "กรุณาเลือกระดับ 1 ถึง 5"
FILE_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "docx", "xlsx", "csv", "txt"]  # the page's accept=, FILE_TYPES
FILE_MB = f"{FILE_MAX_BYTES / 1e6:g}"


def _date(form: FlaskForm, field: Field) -> None:
    """An <input type=date> value (CE, YYYY-MM-DD)."""
    try:
        dt.date.fromisoformat(field.data)
    except ValueError:
        raise ValidationError("กรุณาระบุวันที่ของกิจกรรม") from None


def _count(form: FlaskForm, field: Field) -> None:
    """Blank is none; otherwise digits only."""
    if field.data and (not field.data.isdigit() or len(field.data) > COUNT_DIGITS):
        raise ValidationError("จำนวนต้องเป็นตัวเลขจำนวนเต็ม")


class ActivityForm(FlaskForm):
    """One activity with an optional evidence link and file, as the page's add form posts it."""

    year = StringField(default="")  # the view's _year parses it (404 outside the forms, as the GET)
    indicator_kind = StringField("ตัวชี้วัดและประเภทกิจกรรม", default="", filters=[_strip], validators=[
        InputRequired("กรุณาเลือกตัวชี้วัดและประเภทกิจกรรม"), bounded(KEY_MAX + 1 + KIND_MAX)])
    date = StringField("วันที่", default="", filters=[_strip], validators=[
        InputRequired("กรุณาระบุวันที่ของกิจกรรม"), bounded(10), _date])
    count = StringField("จำนวน", default="", filters=[_strip], validators=[_count])
    title = StringField("ชื่อกิจกรรม", default="", filters=[_strip], validators=[bounded(TITLE_MAX)])
    note = TextAreaField("หมายเหตุ", default="", filters=[_strip], validators=[bounded(NOTE_MAX)])
    link = StringField("ลิงก์หลักฐาน", default="", filters=[_strip], validators=[bounded(URL_MAX)])
    file = FileField("ไฟล์หลักฐาน", validators=[
        Optional(),
        FileAllowed(FILE_EXTENSIONS, "แนบได้เฉพาะไฟล์ PDF, JPEG, PNG, Word, Excel, CSV หรือข้อความ"),
        FileSize(FILE_MAX_BYTES, message=f"ไฟล์หลักฐานใหญ่เกิน {FILE_MB} MB "
                                         "กรุณาเก็บไฟล์ไว้ในไดรฟ์กลางและแนบเป็นลิงก์")])

    @property
    def key_and_kind(self) -> tuple[str, str]:
        """The indicator's key and the activity kind, posted together as "key|kind"."""
        key, _, kind = (self.indicator_kind.data or "").partition("|")
        return key, kind


class DeleteActivityForm(FlaskForm):
    """Remove one record (the year it belongs to comes with it)."""

    year = StringField(default="")


class _UnlessCleared:
    """Required when the officer overrides, ignored when the override is cleared."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if form.clear.data:
            raise StopValidation()  # no message: no error, and the field's other checks are skipped
        if not field.data:
            raise StopValidation(self.message)


class OverrideForm(FlaskForm):
    """An officer's level for an indicator with the reason, or the override cleared ("clear")."""

    year = StringField(default="")
    indicator = StringField("ตัวชี้วัด", default="", filters=[_strip], validators=[
        InputRequired("กรุณาเลือกตัวชี้วัด"), bounded(KEY_MAX)])
    clear = Flag()
    level = StringField("ระดับ", default="", validators=[
        _UnlessCleared(LEVEL_MESSAGE), AnyOf(LEVELS, message=LEVEL_MESSAGE)])
    reason = StringField("เหตุผล", default="", filters=[_strip], validators=[
        _UnlessCleared("การปรับผลต้องระบุเหตุผล"), bounded(REASON_MAX)])
