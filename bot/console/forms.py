"""The console's forms as Flask-WTF classes: the CSRF field, and each field bounded where it enters.

Length caps follow the limits the data meets further in: LINE's text limit in UTF-16 units
(handlers/limits.py), the knowledge base's caps (knowledge/base.py), the inbox's answer cap and the account
rules. Every message is Thai. What a field means (a valid kind, a strong password, a month) is still checked
by the one handler that owns it; these classes only parse and bound.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, Field, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from handlers.directory.records import MAX_FILE_BYTES as DIRECTORY_FILE_MAX
from handlers.directory.records import MAX_LENGTH as DIRECTORY_MAX_LENGTH
from handlers.directory.service import EDITABLE as DIRECTORY_EDITABLE
from handlers.inbox.service import ANSWER_MAX, MODES
from handlers.kb import editor as kb_editor
from handlers.limits import TEXT_MAX, utf16_len
from handlers.officers import ROLES
from handlers.tips.planning import REMEDIES
from knowledge.base import MAX_ID, MAX_PHRASING, MAX_SOURCE_TEXT, MAX_TITLE, MAX_URL

PHRASINGS_MAX = 200  # example questions of one entry (the largest shipped entry has about 40)
SOURCES_MAX = 20
OFFICER_ACTIONS = ("role", "disable", "enable", "unlock", "password", "notice")
EXPORT_FORMATS = ("csv", "xlsx")
TIP_MODES = ("once", "weekly", "english-club")
TIP_AUDIENCES = ("all", "districts")
TIP_TEXT_MAX = 2000  # a tip is one LINE text bubble with room for its link
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LINE_ID_MAX = 64  # a LINE user id is "U" and 32 hex digits; anything longer is not one


class Flag(BooleanField):
    """A checkbox or hidden flag that is on only when it says "1" (a hidden "0" turns it off)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = bool(valuelist) and valuelist[0] == "1"


def _too_long(limit: int) -> str:
    return f"ข้อความยาวเกิน {limit:,} ตัวอักษร"


def bounded(limit: int) -> Length:
    """At most `limit` characters, said in Thai."""
    return Length(max=limit, message=_too_long(limit))


class Utf16Length:
    """At most `limit` UTF-16 units, as LINE counts text (an emoji outside the BMP counts 2)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.data and utf16_len(field.data) > self.limit:
            raise ValidationError(f"ข้อความยาวเกินที่ LINE รับได้ ({self.limit:,} หน่วย)")


def one_of(values: tuple[str, ...]) -> AnyOf:
    """One of the listed values, said in Thai."""
    return AnyOf(values, message="ค่าที่เลือกไม่ถูกต้อง")


def first_error(form: FlaskForm) -> str:
    """The first problem of an invalid form, for a flash message."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "ข้อมูลในแบบฟอร์มไม่ถูกต้อง"


def all_errors(form: FlaskForm) -> list[str]:
    """Every problem of an invalid form, with the field's Thai label."""
    problems: list[str] = []
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        problems.extend(f"{label}: {error}" for error in errors)
    return problems


class LoginForm(FlaskForm):
    """The sign-in form (the password is checked by handlers.officers.authenticate)."""

    username = StringField("ชื่อผู้ใช้", default="", validators=[InputRequired("กรุณาใส่ชื่อผู้ใช้"), bounded(100)])
    password = PasswordField("รหัสผ่าน", default="",
                             validators=[InputRequired("กรุณาใส่รหัสผ่าน"), bounded(300)])
    next = HiddenField(default="", validators=[Optional(), bounded(500)])


class AnswerForm(FlaskForm):
    """An officer's answer to a handed-over question."""

    text = TextAreaField("คำตอบ", default="", validators=[InputRequired("กรุณาพิมพ์คำตอบ"), bounded(ANSWER_MAX)])
    mode = StringField(default="push", validators=[one_of(MODES)])
    again = Flag()
    take_over = Flag()


class ClaimForm(FlaskForm):
    """Claim a question (or take it over from another officer)."""

    take_over = Flag()


class ResolveForm(FlaskForm):
    """Close a question, with an optional note."""

    note = TextAreaField("หมายเหตุ", default="", validators=[Optional(), bounded(500)])


class ExportForm(FlaskForm):
    """A month's chat log as CSV or XLSX."""

    month = StringField("เดือน", default="", validators=[InputRequired("กรุณาเลือกเดือน"), bounded(20)])
    format = StringField(default="csv", validators=[one_of(EXPORT_FORMATS)])
    real_ids = Flag()


class EntryForm(FlaskForm):
    """A knowledge-base entry as the editor posts it (lists one item per line)."""

    id = StringField("รหัสเรื่อง", default="", validators=[bounded(MAX_ID)])
    category_file = StringField("หมวด", default="", validators=[bounded(200)])
    kind = StringField("ประเภท", default="faq", validators=[bounded(20)])
    title_th = StringField("ชื่อเรื่อง (ไทย)", default="", validators=[bounded(MAX_TITLE)])
    title_en = StringField("ชื่อเรื่อง (อังกฤษ)", default="", validators=[bounded(MAX_TITLE)])
    questions_th = TextAreaField("คำถามตัวอย่าง (ไทย)", default="",
                                 validators=[bounded(PHRASINGS_MAX * (MAX_PHRASING + 1))])
    questions_en = TextAreaField("คำถามตัวอย่าง (อังกฤษ)", default="",
                                 validators=[bounded(PHRASINGS_MAX * (MAX_PHRASING + 1))])
    answer_th = TextAreaField("คำตอบ (ไทย)", default="", validators=[Utf16Length(TEXT_MAX)])
    answer_en = TextAreaField("คำตอบ (อังกฤษ)", default="", validators=[Utf16Length(TEXT_MAX)])
    sources = TextAreaField("แหล่งอ้างอิง", default="",
                            validators=[bounded(SOURCES_MAX * (3 * MAX_SOURCE_TEXT + MAX_URL + 4))])
    related = StringField("เรื่องที่เกี่ยวข้อง", default="", validators=[bounded(20 * (MAX_ID + 1))])
    status = StringField("สถานะ", default="draft", validators=[bounded(20)])
    reviewed_on = StringField("ตรวจทานเมื่อ", default="", validators=[bounded(10)])
    expected = HiddenField(default="", validators=[Optional(), bounded(200)])

    def entry(self, entry_id: str | None = None) -> kb_editor.EntryForm:
        """The editor's EntryForm (handlers.kb_editor validates its meaning); `entry_id` wins over the field."""
        text: dict[str, Any] = {name: (getattr(self, name).data or "") for name in (
            "category_file", "kind", "title_th", "title_en", "answer_th", "answer_en", "status")}
        return kb_editor.EntryForm(
            id=(entry_id if entry_id is not None else (self.id.data or "")).strip(), **text,
            questions_th=kb_editor.parse_lines(self.questions_th.data or ""),
            questions_en=kb_editor.parse_lines(self.questions_en.data or ""),
            sources=kb_editor.parse_sources(self.sources.data or ""),
            related=[r for r in (self.related.data or "").replace(",", " ").split() if r],
            reviewed_on=(self.reviewed_on.data or "").strip(),
        )


class OfficerCreateForm(FlaskForm):
    """A new console account (handlers.officers checks the username and the password rules)."""

    username = StringField("ชื่อผู้ใช้", default="", validators=[bounded(40)])
    password = PasswordField("รหัสผ่าน", default="", validators=[bounded(256)])
    role = StringField(default="officer", validators=[one_of(ROLES)])
    display_name = StringField("ชื่อที่แสดง", default="", validators=[Optional(), bounded(100)])


class OfficerUpdateForm(FlaskForm):
    """An admin's change to one account: a new role, disable, enable, unlock or a new password."""

    action = StringField(default="", validators=[one_of(OFFICER_ACTIONS)])
    role = StringField(default="", validators=[Optional(), one_of(ROLES)])
    password = PasswordField("รหัสผ่าน", default="", validators=[Optional(), bounded(256)])
    email = StringField("อีเมล", default="", validators=[Optional(), bounded(300)])  # handlers.officers checks it
    on_duty = Flag()


class DutyForm(FlaskForm):
    """An officer going on or off duty for hand-off notices."""

    on_duty = Flag()


def _strip(value: Any) -> Any:
    """Surrounding spaces off a posted string (None stays None)."""
    return value.strip() if isinstance(value, str) else value


class Checked(Field):
    """The values of same-named checkboxes, each one of `allowed`; a stranger is refused in Thai."""

    def __init__(self, label: str, allowed: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.allowed = allowed

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [str(value) for value in valuelist]

    def pre_validate(self, form: FlaskForm) -> None:
        if len(self.data or []) > len(self.allowed) or any(v not in self.allowed for v in (self.data or [])):
            raise ValidationError("ค่าที่เลือกไม่ถูกต้อง")


class TipScheduleForm(FlaskForm):
    """A tip to send once, weekly or as the English Club reminder (bot/console/tips_views checks the meaning)."""

    mode = StringField(default="once", validators=[one_of(TIP_MODES)])
    text = TextAreaField("ข้อความเกร็ดความรู้", default="", filters=[_strip], validators=[bounded(TIP_TEXT_MAX)])
    audience = StringField(default="all", validators=[AnyOf(TIP_AUDIENCES,
                                                            message="เลือกผู้รับ: ทุกคน หรือ ตัวแทนเขต")])
    link = StringField("ลิงก์", default="", filters=[_strip], validators=[bounded(1000)])
    entry = StringField("เรื่องในคลังความรู้", default="", filters=[_strip], validators=[bounded(MAX_ID)])
    days = Checked("วันในสัปดาห์", WEEKDAY_CODES, default=list)
    time = StringField("เวลา", default="09:00", validators=[bounded(10)])
    at = StringField("วันเวลาที่จะส่ง", default="", validators=[bounded(40)])


class TipPlanForm(FlaskForm):
    """One of the planner's remedies for a month over quota."""

    month = StringField("เดือน", default="", validators=[Optional(), bounded(20)])
    remedy = StringField("วิธีปรับแผน", default="", validators=[one_of(REMEDIES)])


class MonthForm(FlaskForm):
    """A month (YYYY-MM, a BE year accepted) the handler parses; used by the ack and KPI close buttons."""

    month = StringField("เดือน", default="", validators=[Optional(), bounded(20)])


class PrivacyForm(FlaskForm):
    """A LINE user id to export or forget, and the forget form's confirmation."""

    line_user_id = StringField("รหัสผู้ใช้ LINE", default="", filters=[_strip],
                               validators=[InputRequired("กรุณาใส่รหัสผู้ใช้ LINE"), bounded(LINE_ID_MAX)])
    confirm = Flag()


def mission_form() -> type[FlaskForm]:
    """The mission editor: one field per editable column, capped as the table's column (records.MAX_LENGTH)."""

    class MissionForm(FlaskForm):
        """A mission as the editor posts it (handlers.directory checks each value's meaning)."""

    for column in DIRECTORY_EDITABLE:
        setattr(MissionForm, column, StringField(column, default="",
                                                 validators=[bounded(DIRECTORY_MAX_LENGTH[column])]))
    return MissionForm


class DirectoryImportForm(FlaskForm):
    """A CSV/XLSX of missions, checked or imported."""

    file = FileField("ไฟล์", validators=[FileRequired("กรุณาเลือกไฟล์ .csv หรือ .xlsx"),
                                         FileAllowed(["csv", "xlsx"], "รับเฉพาะไฟล์ .csv หรือ .xlsx"),
                                         FileSize(DIRECTORY_FILE_MAX,
                                                  message=f"ไฟล์ใหญ่เกิน {DIRECTORY_FILE_MAX // 1_000_000} MB")])
    dry_run = Flag()


class DirectoryExportForm(FlaskForm):
    """The directory as CSV or XLSX."""

    format = StringField(default="csv", validators=[one_of(EXPORT_FORMATS)])
