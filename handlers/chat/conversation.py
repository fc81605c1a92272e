"""The bot's side of a chat: one inbound event in, the log written, the replies to send out."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handlers.chat import postbacks, prompts
from handlers.chat.answers import ASK_OFFICER, answer_message
from handlers.chat.districts import DISTRICTS, GROUPS, DistrictInfo, districts_in_group, match_district
from handlers.chat.events import (
    BotEvent,
    EventMeta,
    Followed,
    Joined,
    MediaReceived,
    OtherEvent,
    PostbackReceived,
    TextReceived,
    Unfollowed,
)
from handlers.chat.office_hours import HOURS_TH, expected_answer_th
from handlers.chat.prompts import officer_request, typed_number
from handlers.chat.replies import Message, Outgoing, QuickReply, short_label
from handlers.chat.satisfaction import COMMENT_PROMPT, record_survey_answer, survey_offer, take_survey_comment
from handlers.clock import bangkok_day, utcnow
from handlers.club import service as club
from handlers.directory.models import Mission
from handlers.directory.service import DirectoryLookup, card_text, choice_label
from handlers.inbox import attachments
from handlers.inbox.service import pending_answers_for
from handlers.kb.library import Library
from handlers.limits import MESSAGES_PER_CALL
from handlers.models import NEAREST, District, Interaction, LineUser, ProcessedEvent, table_of
from handlers.ports import Messenger, Profile
from handlers.tips.on_demand import tips_on_demand_message
from handlers.transactions import dialect_of, insert_ignoring_duplicates
from knowledge.base import Entry, KnowledgeBase
from knowledge.matcher import Decision
from knowledge.missions import DirectoryRequest
from knowledge.normalize import is_english

log = logging.getLogger(__name__)

MAX_STORED_TEXT = 5000
CHANGE_DISTRICT_WORDS = ("เปลี่ยนเขต", "แก้เขต", "ย้ายเขต", "changedistrict")
MENU_WORDS = ("เมนู", "menu", "หัวข้อ", "หมวด", "หมวดหมู่")
TIPS_WORDS = ("เกร็ดความรู้", "tips", "tip", "ความรู้ใหม่")
LEAVE_WORDS = ("ออกจากกลุ่ม", "ออกจากห้อง", "ออกไป", "leave", "leavegroup", "bye")
PRIVATE_CHAT_TH = ("เพื่อความเป็นส่วนตัว คำถามที่ต้องให้เจ้าหน้าที่ตอบ กรุณาพิมพ์ในแชตส่วนตัวกับ @IAO "
                   "(แตะชื่อ @IAO แล้วเลือก \"แชต\") เจ้าหน้าที่จะตอบในแชตนั้นเท่านั้น ไม่ตอบในกลุ่มค่ะ")



TYPE_OFFICER = f"พิมพ์หรือกด \"{ASK_OFFICER}\""
# Outcomes of a typed question that an officer request right after it refers to.
# Statements every message runs, built once: building one costs more CPU than running it (issue 11).
_USER_BY_LINE_ID = select(LineUser).where(LineUser.line_user_id == bindparam("line_user_id"))
_LOG_LINE = insert(table_of(Interaction)).returning(table_of(Interaction).c.id)  # a line of the log, in or out
QUESTION_OUTCOMES = ("answer", "suggest", "off_topic", "handoff", "empty")


@dataclass(frozen=True)
class Found:
    """What answers one question: a directory request and its missions, the matcher's decision, or both.

    Both when a long question about a case names one mission: the entry answers, the mission's card rides along.
    """

    directory: tuple[DirectoryRequest, list[Mission]] | None = None
    decision: Decision | None = None

    @property
    def card_after(self) -> tuple[Mission, bool] | None:
        """The mission whose card follows the entry's answer, and whether in English; None when not both."""
        if self.decision is None or self.directory is None:
            return None
        request, missions = self.directory
        return missions[0], request.english


@dataclass
class Conversation:
    """Handles events for @IAO; holds what every event needs and nothing per-request."""

    library: Library
    messenger: Messenger
    retention_days: int = 365
    directory: DirectoryLookup = field(default_factory=DirectoryLookup)
    attachment_max_bytes: int = attachments.DEFAULT_MAX_BYTES

    def __post_init__(self) -> None:
        self._decisions: dict[tuple[int, str], Decision] = {}
        self._profiles: dict[str, Profile | None] = {}

    def prepare(self, event: BotEvent) -> None:
        """Everything slow, before the event's write transaction starts: no database lock is held meanwhile.

        That is reloading knowledge files an officer changed in another worker (re-embedding new phrasings),
        asking LINE for a new friend's profile, and matching a question.
        """
        self.library.refresh_if_changed()
        if isinstance(event, Followed) and event.meta.user_id:
            if len(self._profiles) >= 64:
                self._profiles.clear()
            self._profiles[event.meta.user_id] = self.messenger.profile(event.meta.user_id)
        if isinstance(event, TextReceived):
            text = event.text[:MAX_STORED_TEXT]
            matcher = self.library.current()[1]
            if len(self._decisions) >= 64:  # prepared but never handled (a duplicate): forget them
                self._decisions.clear()
            self._decisions[(id(matcher), text)] = matcher.decide(text)

    def find_answer(self, session: Session, text: str) -> Found:
        """What answers a question, found the one way every caller finds it: the directory first, then the matcher.

        The private chat, a group and `flask ask` all call this, so none of them orders the two differently.
        """
        found = self.directory.read(session, text)
        if found is not None:
            request, missions = found
            if request.tells_a_story:
                decision = self.decide(text)
                if decision.outcome == "answer":
                    return Found(directory=found if missions else None, decision=decision)
            return Found(directory=found)
        return Found(decision=self.decide(text))

    def decide(self, text: str) -> Decision:
        """The matcher's decision: the one prepare() computed for this text (used once), else a fresh one."""
        matcher = self.library.current()[1]
        prepared = self._decisions.pop((id(matcher), text), None)
        return prepared if prepared is not None else matcher.decide(text)

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base in force now (an officer's edit may have reloaded it)."""
        return self.library.current()[0]

    # ----------------------------------------------------------------- entry point
    def handle(self, session: Session, event: BotEvent) -> Outgoing | None:
        """Log and answer one event; None when it was already handled (a redelivery) or needs no reply."""
        if event.meta.event_id and not claim_event(session, event.meta.event_id):
            log.info("skip duplicate webhook event %s", event.meta.event_id)
            return None
        if event.meta.shared:
            return self._in_group(session, event)
        user = self._user(session, event.meta)
        match event:
            case Followed():
                messages = self._on_follow(session, user, event)
            case Unfollowed():
                self._on_unfollow(session, user, event)
                return None
            case TextReceived():
                messages = self._on_text(session, user, event)
            case PostbackReceived():
                messages = self._on_postback(session, user, event)
            case MediaReceived():
                messages = self._on_media(session, user, event)
            case Joined() | OtherEvent():
                kind = event.event_type if isinstance(event, OtherEvent) else "join"
                self._log_in(session, user, event.meta, kind=kind, outcome="skipped")
                log.info("skipped event type %s", kind)
                return None
        if not messages or not event.meta.reply_token:
            return None
        messages = messages[:MESSAGES_PER_CALL]
        ids = tuple(self._log_out(session, user, event.meta, m) for m in messages)
        # Officers' answers held for this user go out free with this reply, in the messages left over (they
        # are already in the log; the dispatcher settles them once LINE took the reply, or not).
        held, held_ids = pending_answers_for(session, user, MESSAGES_PER_CALL - len(messages))
        return Outgoing(user.line_user_id if user else None, event.meta.reply_token,
                        tuple(held + messages), ids + held_ids, held_ids=held_ids)

    # ----------------------------------------------------------------- groups and rooms
    def _in_group(self, session: Session, event: BotEvent) -> Outgoing | None:
        """A group or room: speak only when mentioned, from public knowledge only, to nobody in particular.

        No LINE user is looked up or created, no district is asked, nothing is handed to an officer, and no
        held answer is ever released (they belong to one person's own chat). Messages that do not mention
        @IAO are not logged at all: they are the group's conversation, not questions to @IAO.
        """
        meta = event.meta
        messages: list[Message] = []
        leave: tuple[str, str] | None = None
        match event:
            case Joined():
                self._log_in(session, None, meta, kind="join", outcome="group-join", detail=meta.chat_type)
                messages = [Message(
                    "สวัสดีค่ะ @IAO สำนักงานการต่างประเทศ กรุงเทพมหานคร ยินดีช่วยเรื่องงานที่เกี่ยวกับชาวต่างชาติค่ะ 🙏\n"
                    "• ในกลุ่มนี้ @IAO จะตอบเฉพาะข้อความที่แท็ก @IAO เช่น \"@IAO ตม.30 คืออะไร\"\n"
                    f"• {PRIVATE_CHAT_TH}\n"
                    "• ให้ @IAO ออกจากกลุ่ม: แท็ก @IAO แล้วพิมพ์ \"ออกจากกลุ่ม\"")]
            case TextReceived(mentioned=True):
                text = event.text[:MAX_STORED_TEXT]
                compact = "".join(text.lower().split())
                if compact in LEAVE_WORDS:
                    self._log_in(session, None, meta, kind="text", outcome="group-leave", detail=meta.chat_type)
                    messages = [Message("ขอบคุณที่ใช้ @IAO ค่ะ 🙏 ถามต่อได้ในแชตส่วนตัวกับ @IAO เสมอ")]
                    leave = (meta.chat_type, meta.chat_id) if meta.chat_id else None
                elif compact in MENU_WORDS:
                    self._log_in(session, None, meta, kind="text", outcome="menu", detail=meta.chat_type)
                    messages = [self._menu(shared=True)]
                elif compact in TIPS_WORDS:
                    self._log_in(session, None, meta, kind="text", outcome="menu", detail=meta.chat_type)
                    messages = [self._tips(session, meta)]
                elif officer_request(text) is not None:
                    self._log_in(session, None, meta, kind="text", outcome="group-private", detail=meta.chat_type)
                    messages = [Message(PRIVATE_CHAT_TH)]
                else:
                    messages = self._group_question(session, meta, text)
            case PostbackReceived():
                if postbacks.decode(event.data).action in postbacks.PUBLIC_ACTIONS:
                    messages = self._on_postback(session, None, event)
                else:  # ask an officer, a district, the survey: personal, so never in a group
                    self._log_in(session, None, meta, kind="postback", text=event.data[:300],
                                 outcome="group-private", detail=meta.chat_type)
                    messages = [Message(PRIVATE_CHAT_TH)]
            case _:
                return None  # unmentioned text, stickers, photos: the group's own conversation
        if not meta.reply_token or not messages:
            return Outgoing(None, None, (), (), leave) if leave else None
        messages = messages[:MESSAGES_PER_CALL]
        ids = tuple(self._log_out(session, None, meta, m) for m in messages)
        return Outgoing(None, meta.reply_token, tuple(messages), ids, leave)

    def _group_question(self, session: Session, meta: EventMeta, text: str) -> list[Message]:
        """A question asked in a group: the public answer, a choice, or the way to the private chat."""
        answer = self.find_answer(session, text)
        if answer.directory is not None and answer.directory[1] and answer.decision is None:
            request, missions = answer.directory
            english = bool(getattr(request, "english", False))
            logged = self._log_in(session, None, meta, kind="text",
                                  outcome="answer" if len(missions) == 1 else "suggest",
                                  entry_id=f"mission:{missions[0].key}" if len(missions) == 1 else None,
                                  category="directory", answered_by="bot", detail=meta.chat_type)
            if len(missions) == 1:
                return [self._mission_message(missions[0], logged, english=english)]
            lines = "\n".join(f"{i}. {choice_label(m, english=english)}" for i, m in enumerate(missions[:12], 1))
            buttons = tuple(QuickReply(label=short_label(f"{i}. {m.city}"), data=postbacks.mission(m.key),
                                       display_text=choice_label(m, english=english))
                            for i, m in enumerate(missions[:12], 1))
            return [Message(f"มีหลายแห่งค่ะ หมายถึงแห่งใด?\n{lines}\n\nกดเลือกด้านล่าง "
                            "หรือแท็ก @IAO แล้วพิมพ์ชื่อเมืองค่ะ", buttons)]
        decision = answer.decision or self.decide(text)  # a country the directory lacks: the matcher, in public
        entry = decision.entry
        public = decision.outcome in ("answer", "suggest", "greeting", "thanks", "empty")
        logged = self._log_in(session, None, meta, kind="text", outcome=decision.outcome if public else "group-private",
                              entry_id=entry.id if entry and public else None,
                              category=entry.category if entry and public else None, score=round(decision.score, 4),
                              answered_by="bot" if decision.outcome in ("answer", "greeting", "thanks") else None,
                              detail=meta.chat_type)
        if decision.outcome == "answer" and entry is not None:
            card = [self._entry_message(entry, logged, english=is_english(decision.normalized), shared=True)]
            if answer.card_after is not None:
                mission, english = answer.card_after
                card.append(self._riding_card(mission, card[0], english=english))
            return card
        if decision.outcome == "suggest":
            shown = decision.alternatives[:3]
            lines = "\n".join(f"{i}. {e.title_th}" for i, (e, _) in enumerate(shown, 1))
            buttons = tuple(QuickReply(label=short_label(e.title_th), data=postbacks.entry(e.id),
                                       display_text=e.title_th) for e, _ in shown)
            return [Message(f"หมายถึงเรื่องใดคะ?\n{lines}\n\nกดเลือกด้านล่าง หรือแท็ก @IAO "
                            "แล้วพิมพ์ชื่อเรื่องค่ะ", buttons)]
        if public:
            return self._decision_messages(decision, logged, meta)[:1]
        return [Message(f"@IAO ยังตอบเรื่องนี้ในกลุ่มไม่ได้ค่ะ {PRIVATE_CHAT_TH}")]

    # ----------------------------------------------------------------- users
    def _user(self, session: Session, meta: EventMeta) -> LineUser | None:
        """Find or create the LINE user behind an event (events from a group may have none)."""
        if not meta.user_id:
            return None
        user = session.scalars(_USER_BY_LINE_ID, {"line_user_id": meta.user_id}).first()
        if user is None:
            user = LineUser(line_user_id=meta.user_id, awaiting_district=True)
            session.add(user)
            session.flush()
        return user

    # ----------------------------------------------------------------- follow
    def _on_follow(self, session: Session, user: LineUser | None, event: Followed) -> list[Message]:
        """Welcome a new friend, explain @IAO and personal data, and ask for the district office."""
        if user is not None:
            user.is_follower = True
            user.followed_at = event.meta.occurred_at
            user.unfollowed_at = None
            if user.display_name is None:
                profile = self._profiles.pop(user.line_user_id, None)  # fetched by prepare(), not in here
                if profile is not None:
                    user.display_name = profile.display_name
                    user.language = profile.language
            if user.district_id is None:
                user.awaiting_district = True
        self._log_in(session, user, event.meta, kind="follow", outcome="welcome")
        name = f"คุณ{user.display_name} " if user and user.display_name else ""
        welcome = (
            f"สวัสดีค่ะ {name}ยินดีต้อนรับสู่ @IAO 🙏\n"
            "บัญชีไลน์ของสำนักงานการต่างประเทศ กรุงเทพมหานคร (โครงการ BMA Online InterClinic) "
            "สำหรับเจ้าหน้าที่สำนักงานเขตทั้ง 50 เขต\n\n"
            "• พิมพ์ถามงานที่เกี่ยวกับชาวต่างชาติได้ตลอด 24 ชม. เช่น จดทะเบียนสมรสกับชาวต่างชาติ "
            "บัตรสีชมพู ท.ร.13 ตม.30 สถานทูต การรับรองเอกสาร ภาษาอังกฤษที่เคาน์เตอร์\n"
            f"• คำถามที่ระบบตอบไม่ได้ จะส่งต่อให้เจ้าหน้าที่ตอบใน{HOURS_TH}\n"
            "• รับเกร็ดความรู้ด้านการต่างประเทศเป็นประจำทุกเดือน\n"
            "• พิมพ์ \"เมนู\" เพื่อดูหัวข้อทั้งหมด"
        )
        privacy = (
            "การใช้ข้อมูลส่วนบุคคล: @IAO เก็บชื่อที่แสดงใน LINE เขตที่ท่านสังกัด และข้อความที่ท่านส่ง "
            "เพื่อตอบคำถาม ส่งต่อเจ้าหน้าที่ และจัดทำสถิติรายงานผลการดำเนินงาน (รายงานไม่ระบุตัวบุคคล) "
            f"ข้อความจะถูกเก็บไม่เกิน {self.retention_days} วัน ท่านขอดู แก้ไข หรือลบข้อมูลของท่านได้ "
            "โดยแจ้งเจ้าหน้าที่ผ่านช่องทางนี้"
        )
        return [Message(welcome), Message(privacy), self._ask_district("ท่านปฏิบัติงานที่สำนักงานเขตใดคะ?")]

    def _on_unfollow(self, session: Session, user: LineUser | None, event: Unfollowed) -> None:
        """Remember that the user blocked @IAO (broadcasts no longer reach them)."""
        if user is not None:
            user.is_follower = False
            user.unfollowed_at = event.meta.occurred_at
        self._log_in(session, user, event.meta, kind="unfollow", outcome="unfollow")

    # ----------------------------------------------------------------- district registration
    def _ask_district(self, question: str) -> Message:
        """Ask for the district office: group buttons first (50 do not fit in 13 quick replies)."""
        buttons = tuple(
            QuickReply(label=short_label(f"กลุ่ม{group}"), data=postbacks.district_group(group),
                       display_text=f"กลุ่ม{group}")
            for group, _ in GROUPS
        )
        return Message(f"{question}\nเลือกกลุ่มเขตด้านล่าง หรือพิมพ์ชื่อเขต เช่น \"บางรัก\" หรือ \"Bang Rak\"",
                       buttons)

    def _register(self, session: Session, user: LineUser, info: DistrictInfo, meta: EventMeta,
                  typed: str) -> list[Message]:
        """Save the user's district office and confirm it."""
        district = session.scalars(select(District).where(District.code == info.code)).one()
        changed = user.district_id is not None and user.district_id != district.id
        user.district_id = district.id
        user.district = district
        user.awaiting_district = False
        user.district_registered_at = meta.occurred_at
        self._log_in(session, user, meta, kind="text" if typed else "postback", text=typed or None,
                     outcome="registration")
        verb = "เปลี่ยนเป็น" if changed else "ลงทะเบียน"
        return [Message(
            f"{verb} สำนักงานเขต{district.name_th} ({district.name_en} District Office) เรียบร้อยแล้วค่ะ ✅\n"
            "พิมพ์คำถามเรื่องงานที่เกี่ยวกับชาวต่างชาติได้เลย หรือพิมพ์ \"เมนู\" เพื่อดูหัวข้อ "
            "(เปลี่ยนเขตได้โดยพิมพ์ \"เปลี่ยนเขต\")",
            (QuickReply(label="เมนู", data=postbacks.menu(), display_text="เมนู"),),
        )]

    # ----------------------------------------------------------------- text
    def _on_text(self, session: Session, user: LineUser | None, event: TextReceived) -> list[Message]:
        """Registration, menu or a question, in that order."""
        text = event.text[:MAX_STORED_TEXT]
        compact = "".join(text.lower().split())
        if user is not None and any(word in compact for word in CHANGE_DISTRICT_WORDS) and len(compact) < 30:
            user.awaiting_district = True
            self._log_in(session, user, event.meta, kind="text", text=text, outcome="registration")
            return [self._ask_district("ต้องการเปลี่ยนเป็นสำนักงานเขตใดคะ?")]
        if user is not None and (user.awaiting_district or user.district_id is None):
            info = match_district(text)
            if info is not None:
                return self._register(session, user, info, event.meta, text)
        prompt = prompts.current(session, user, event.meta.occurred_at)
        kind, options, asked = ((prompt.kind, prompts.options_of(prompt), prompt.question_id) if prompt
                                else ("", [], None))
        prompts.forget(session, user)  # any new message makes the old choices stale
        wants = officer_request(text)
        if wants is not None:
            return self._typed_officer(session, user, event.meta, text, wants, asked)
        number = typed_number(text)
        if number is not None and options:
            if not 1 <= number <= len(options):
                prompts.remember(session, user, kind, options, event.meta.occurred_at, asked)
                self._log_in(session, user, event.meta, kind="text", text=text, outcome="choice-invalid")
                return [Message(f"กรุณาพิมพ์หมายเลข 1 ถึง {len(options)} ตามรายการค่ะ "
                                f"หรือ{TYPE_OFFICER} หากต้องการให้เจ้าหน้าที่ตอบ")]
            return self._on_postback(session, user, PostbackReceived(event.meta, options[number - 1]))
        comment_reply = (take_survey_comment(session, user, text, event.meta.occurred_at)
                         if kind == COMMENT_PROMPT else None)
        if comment_reply is not None:
            self._log_in(session, user, event.meta, kind="text", text=text, outcome="survey-comment")
            return [comment_reply]
        if compact in MENU_WORDS:
            self._log_in(session, user, event.meta, kind="text", text=text, outcome="menu")
            return [self._menu_for(session, user, event.meta)]
        if compact in TIPS_WORDS:
            self._log_in(session, user, event.meta, kind="text", text=text, outcome="menu")
            return [self._tips(session, event.meta)]
        if club.is_register_text(text):  # LINE PC has no register button: the typed form
            self._log_in(session, user, event.meta, kind="text", text=text, outcome="club-registration")
            return [club.register(session, user, None, event.meta.occurred_at, via="text").message]
        answer = self.find_answer(session, text)
        if answer.decision is None:
            assert answer.directory is not None
            return self._directory_answer(session, user, event.meta, text, *answer.directory)
        return self._answer_question(session, user, event.meta, text, answer.decision, answer.card_after)

    # ----------------------------------------------------------------- directory of missions
    def _directory_answer(self, session: Session, user: LineUser | None, meta: EventMeta, text: str,
                          request: object, missions: list[Mission]) -> list[Message]:
        """A request for a mission's contacts: its card, a choice between several, or an officer."""
        english = bool(getattr(request, "english", False))
        if len(missions) == 1:
            mission = missions[0]
            logged = self._log_in(session, user, meta, kind="text", text=text, outcome="answer",
                                  entry_id=f"mission:{mission.key}", category="directory", answered_by="bot")
            messages = [self._mission_message(mission, logged, english=english)]
        elif missions:
            logged = self._log_in(session, user, meta, kind="text", text=text, outcome="suggest", category="directory")
            shown = missions[:12]
            buttons = tuple(
                QuickReply(label=short_label(f"{i}. {m.city}"),
                           data=postbacks.mission(m.key, question=logged, lang="en" if english else None),
                           display_text=choice_label(m, english=english))
                for i, m in enumerate(shown, 1)
            )
            lines = "\n".join(f"{i}. {choice_label(m, english=english)}" for i, m in enumerate(shown, 1))
            officer = QuickReply(label=ASK_OFFICER, data=postbacks.officer(logged),
                                 display_text=ASK_OFFICER)
            head = "Which one do you mean?" if english else "มีหลายแห่งค่ะ หมายถึงแห่งใด?"
            tail = (f"Tap one below or type its number (1–{len(shown)}), or type \"officer\"." if english
                    else f"เลือกด้านล่าง หรือพิมพ์หมายเลข 1–{len(shown)} ได้เลยค่ะ ({TYPE_OFFICER} หากไม่พบ)")
            messages = [Message(f"{head}\n{lines}\n\n{tail}", (*buttons, officer))]
            prompts.remember(session, user, "mission", [b.data or "" for b in buttons], meta.occurred_at, logged)
        else:
            self._log_in(session, user, meta, kind="text", text=text, outcome="handoff", category="directory",
                         handoff=True)
            messages = [Message(
                "ยังไม่มีข้อมูลหน่วยงานนี้ในสมุดรายชื่อสถานทูตของ @IAO ค่ะ "
                "ส่งคำถามให้เจ้าหน้าที่สำนักงานการต่างประเทศแล้ว 📨\n"
                f"{expected_answer_th(meta.occurred_at)} ({HOURS_TH}) คำตอบจะส่งมาทางแชตนี้\n"
                "ระหว่างนี้ดูรายชื่อคณะผู้แทนได้ที่ https://protocol.mfa.go.th/",
                (QuickReply(label="เมนู", data=postbacks.menu(), display_text="เมนู"),),
            )]
        if user is not None and user.district_id is None:
            messages.append(self._ask_district("อีกนิดค่ะ ช่วยระบุสำนักงานเขตที่ท่านสังกัดด้วยนะคะ"))
        return messages

    def _mission_message(self, mission: Mission, question_id: int, *, english: bool = False) -> Message:
        """A mission's card with the buttons every answer has: the other language and an officer."""
        buttons = []
        if not english:
            buttons.append(QuickReply(label="English", data=postbacks.mission(mission.key, lang="en"),
                                      display_text="English version"))
        buttons.append(QuickReply(label=ASK_OFFICER, data=postbacks.officer(question_id),
                                  display_text=ASK_OFFICER))
        return Message(card_text(mission, english=english), tuple(buttons))

    @staticmethod
    def _riding_card(mission: Mission, answer: Message, *, english: bool) -> Message:
        """A mission's card after an answer, with the answer's buttons: LINE shows only the last message's."""
        return Message(card_text(mission, english=english), answer.quick_replies)

    def _answer_question(self, session: Session, user: LineUser | None, meta: EventMeta,
                         text: str, decision: Decision,
                         card_after: tuple[Mission, bool] | None = None) -> list[Message]:
        """Answer from the knowledge base, offer choices, or hand the question to an officer.

        `card_after` is the mission a question about a case named (and its language): its card follows the answer.
        """
        handoff = decision.outcome == "handoff"
        entry = decision.entry
        logged = self._log_in(
            session, user, meta, kind="text", text=text, outcome=decision.outcome,
            entry_id=entry.id if entry else None, category=entry.category if entry else None,
            score=round(decision.score, 4), handoff=handoff,
            answered_by="bot" if decision.outcome in ("answer", "greeting", "thanks") else None,
            # the closest entry of a question handed over unmatched: the KPI's "what to write next" list
            detail=f"{NEAREST}{decision.alternatives[0][0].id}" if handoff and entry is None
            and decision.alternatives else None,
        )
        messages = self._decision_messages(decision, logged, meta)
        if card_after is not None and decision.outcome == "answer":
            messages.insert(1, self._riding_card(card_after[0], messages[0], english=card_after[1]))
        if decision.outcome == "suggest":
            prompts.remember(session, user, "suggest",
                             [postbacks.entry(e.id, question=logged) for e, _ in decision.alternatives[:3]],
                             meta.occurred_at, logged)
        elif decision.outcome == "answer" and messages and messages[0].card is not None:
            self._remember_answer(session, user, meta, messages[0], logged)
        elif decision.outcome in QUESTION_OUTCOMES:  # "ถามเจ้าหน้าที่" typed next refers to this question
            prompts.remember(session, user, "question", [], meta.occurred_at, logged)
        if decision.outcome == "thanks":
            self._offer_survey(session, user, meta, messages)
        if user is not None and user.district_id is None and decision.outcome != "empty":
            messages.append(self._ask_district("อีกนิดค่ะ ช่วยระบุสำนักงานเขตที่ท่านสังกัดด้วยนะคะ"))
        return messages

    def _decision_messages(self, decision: Decision, question_id: int, meta: EventMeta) -> list[Message]:
        """Turn the matcher's decision into what the user reads."""
        officer = QuickReply(label=ASK_OFFICER, data=postbacks.officer(question_id),
                             display_text=ASK_OFFICER)
        menu = QuickReply(label="เมนู", data=postbacks.menu(), display_text="เมนู")
        match decision.outcome:
            case "answer" if decision.entry is not None:
                # a near-tie answered with the top entry: offer the runner-up one tap away
                close = tuple(e for e, score in decision.alternatives[:1] if decision.score - score < 0.05)
                english = is_english(decision.normalized)
                return [self._entry_message(decision.entry, question_id, english=english, also=close)]
            case "suggest":
                choices = tuple(
                    QuickReply(label=short_label(e.title_th), data=postbacks.entry(e.id, question=question_id),
                               display_text=e.title_th)
                    for e, _ in decision.alternatives[:3]
                )
                lines = "\n".join(f"{i}. {e.title_th}" for i, (e, _) in enumerate(decision.alternatives[:3], 1))
                n = len(decision.alternatives[:3])
                return [Message(f"หมายถึงเรื่องใดคะ?\n{lines}\n\nกดเลือก หรือพิมพ์หมายเลข 1–{n} "
                                f"ถ้าไม่ใช่ {TYPE_OFFICER} ได้เลยค่ะ",
                                (*choices, officer))]
            case "greeting":
                return [Message("สวัสดีค่ะ 🙏 @IAO พร้อมช่วยเรื่องงานที่เกี่ยวกับชาวต่างชาติที่สำนักงานเขต "
                                "พิมพ์คำถามได้เลย หรือพิมพ์ \"เมนู\" เพื่อดูหัวข้อค่ะ", (menu,))]
            case "thanks":
                return [Message("ยินดีค่ะ 😊 มีคำถามเพิ่มเติมพิมพ์มาได้ตลอดเลยนะคะ", (menu,))]
            case "empty":
                return [Message("ได้รับข้อความแล้วค่ะ 😊 หากมีคำถาม พิมพ์เป็นข้อความได้เลย หรือพิมพ์ \"เมนู\"",
                                (menu,))]
            case "off_topic":
                return [Message("ขออภัยค่ะ เรื่องนี้อยู่นอกขอบเขตของ @IAO ซึ่งให้คำปรึกษางานที่เกี่ยวกับชาวต่างชาติ"
                                "และการต่างประเทศของสำนักงานเขต หากต้องการให้เจ้าหน้าที่ช่วย "
                                f"{TYPE_OFFICER} ค่ะ", (officer, menu))]
        # handoff: a domestic look-alike topic, or nothing close enough to answer honestly
        note = ""
        if decision.entry is not None and decision.entry.kind == "out_of_scope":
            note = decision.entry.answer_th.strip() + "\n\n"
        return [Message(
            f"{note}ส่งคำถามของท่านให้เจ้าหน้าที่สำนักงานการต่างประเทศแล้วค่ะ 📨\n"
            f"{expected_answer_th(meta.occurred_at)} ({HOURS_TH}) คำตอบจะส่งมาทางแชตนี้",
            (menu,),
        )]

    def _entry_message(self, entry: Entry, question_id: int, english: bool = False,
                       also: tuple[Entry, ...] = (), *, shared: bool = False) -> Message:
        """The answer card of an entry, with its related topics as the knowledge base in force has them."""
        related = tuple(found for found in (self.kb.get(r) for r in entry.related[:3]) if found is not None)
        return answer_message(entry, question_id, related=related, english=english, also=also, shared=shared)

    def _remember_answer(self, session: Session, user: LineUser | None, meta: EventMeta, message: Message,
                         question_id: int | None) -> None:
        """After an answer card, a typed number opens that related topic and "ถามเจ้าหน้าที่" hands over."""
        options = [b.data or "" for b in message.card.related] if message.card else []
        prompts.remember(session, user, "answer", options, meta.occurred_at, question_id)

    def _menu_for(self, session: Session, user: LineUser | None, meta: EventMeta) -> Message:
        """The menu, with its numbered categories remembered so a typed number opens one."""
        prompts.remember(session, user, "menu", self._menu_options(), meta.occurred_at)
        return self._menu(shared=meta.shared)

    def _menu(self, shared: bool = False) -> Message:
        """The topic menu: one quick reply per category (fits a rich menu's postbacks too)."""
        categories = [c for c in self.kb.categories if any(e.kind == "faq" for e in self.kb.by_category(c.id))]
        buttons = (
            QuickReply(label="💡 เกร็ดความรู้", data=postbacks.tips(), display_text="เกร็ดความรู้"),
            *(QuickReply(label=short_label(c.title_th), data=postbacks.category(c.id),
                         display_text=c.title_th) for c in categories[:12]),
        )
        lines = "\n".join(f"{i}. {c.title_th}" for i, c in enumerate(categories, 1))
        how = ("เลือกหัวข้อด้านล่าง หรือแท็ก @IAO แล้วพิมพ์คำถามค่ะ" if shared
               else "เลือกหัวข้อด้านล่าง พิมพ์หมายเลขหัวข้อ หรือพิมพ์คำถามได้เลยค่ะ")
        return Message(f"หัวข้อที่ @IAO ตอบได้:\n{lines}\n\n{how}", buttons)

    def _menu_options(self) -> list[str]:
        """The postback data of the menu's numbered categories, in the order the menu lists them."""
        return [postbacks.category(c.id) for c in self.kb.categories
                if any(e.kind == "faq" for e in self.kb.by_category(c.id))]

    def _tips(self, session: Session, meta: EventMeta) -> Message:
        """Tips on demand, free by reply: how the 6-a-month target is met when broadcasts do not fit."""
        message = tips_on_demand_message(session, meta.occurred_at)
        if message is None:
            return Message("ยังไม่มีเกร็ดความรู้ในขณะนี้ค่ะ พิมพ์คำถามหรือพิมพ์ \"เมนู\" ได้เลย")
        return message

    # ----------------------------------------------------------------- postback
    def _on_postback(self, session: Session, user: LineUser | None, event: PostbackReceived) -> list[Message]:
        """Quick replies and rich-menu taps: district choice, menu, entries, feedback, ask an officer."""
        tap = postbacks.decode(event.data)
        action = tap.action
        meta = event.meta
        prompts.forget(session, user)  # a tap answers (or replaces) whatever was offered before
        if action == "district-group":
            group = tap.text("group")
            self._log_in(session, user, meta, kind="postback", text=event.data, outcome="registration")
            buttons = tuple(
                QuickReply(label=short_label(d.name_th), data=postbacks.set_district(d.code),
                           display_text=f"เขต{d.name_th}")
                for d in districts_in_group(group)
            )
            if not buttons:
                return [self._ask_district("ไม่พบกลุ่มเขตนี้ กรุณาเลือกใหม่ค่ะ")]
            return [Message(f"กลุ่ม{group}: เลือกสำนักงานเขตของท่านค่ะ", buttons)]
        if action == "set-district" and user is not None:
            info = next((d for d in DISTRICTS if d.code == tap.text("code")), None)
            if info is not None:
                return self._register(session, user, info, meta, "")
        if action == "change-district" and user is not None:
            user.awaiting_district = True
            self._log_in(session, user, meta, kind="postback", text=event.data, outcome="registration")
            return [self._ask_district("ต้องการเปลี่ยนเป็นสำนักงานเขตใดคะ?")]
        if action == "menu":
            self._log_in(session, user, meta, kind="postback", text=event.data, outcome="menu")
            return [self._menu_for(session, user, meta)]
        if action == "tips":
            self._log_in(session, user, meta, kind="postback", text=event.data, outcome="menu")
            return [self._tips(session, meta)]
        if action == "category":
            self._log_in(session, user, meta, kind="postback", text=event.data, outcome="menu",
                         category=tap.text("id") or None)
            entries = [e for e in self.kb.by_category(tap.text("id")) if e.kind == "faq"]
            if not entries:
                return [self._menu_for(session, user, meta)]
            buttons = tuple(
                QuickReply(label=short_label(e.title_th), data=postbacks.entry(e.id),
                           display_text=e.title_th)
                for e in entries[:13]
            )
            lines = "\n".join(f"{i}. {e.title_th}" for i, e in enumerate(entries, 1))
            prompts.remember(session, user, "category", [postbacks.entry(e.id) for e in entries],
                             meta.occurred_at)
            how = ("เลือกเรื่องด้านล่าง หรือแท็ก @IAO แล้วพิมพ์คำถามค่ะ" if meta.shared
                   else f"เลือกเรื่องด้านล่าง พิมพ์หมายเลข 1–{len(entries)} หรือพิมพ์คำถามได้เลยค่ะ")
            return [Message(f"{lines}\n\n{how}", buttons)]
        if action == "entry":
            entry = self.kb.get(tap.text("id"))
            if entry is None:
                return [self._menu_for(session, user, meta)]
            in_reply_to = _asked_by(session, user, tap.number("q"))  # a "did you mean" choice names it
            logged = self._log_in(session, user, meta, kind="postback", text=event.data, outcome="menu-answer",
                                  entry_id=entry.id, category=entry.category, answered_by="bot",
                                  in_reply_to_id=in_reply_to)
            message = self._entry_message(entry, logged, english=tap.text("lang") == "en", shared=meta.shared)
            self._remember_answer(session, user, meta, message, in_reply_to)
            return [message]
        if action == "mission":
            mission = session.scalars(select(Mission).where(Mission.key == tap.text("key")[:64])).first()
            if mission is None:
                return [self._menu_for(session, user, meta)]
            in_reply_to = _asked_by(session, user, tap.number("q"))
            logged = self._log_in(session, user, meta, kind="postback", text=event.data, outcome="menu-answer",
                                  entry_id=f"mission:{mission.key}", category="directory", answered_by="bot",
                                  in_reply_to_id=in_reply_to)
            return [self._mission_message(mission, logged, english=tap.text("lang") == "en")]
        if action == "feedback":
            vote = "up" if tap.text("v") == "up" else "down"
            self._log_in(session, user, meta, kind="feedback", text=vote, outcome=f"feedback-{vote}",
                         entry_id=tap.text("e") or None, in_reply_to_id=tap.number("q"))
            if vote == "up":
                return self._offer_survey(session, user, meta, [Message("ขอบคุณสำหรับความคิดเห็นค่ะ 🙏")])
            officer = QuickReply(label=ASK_OFFICER, data=postbacks.officer(tap.text("q")),
                                 display_text=ASK_OFFICER)
            prompts.remember(session, user, "question", [], meta.occurred_at, tap.number("q"))
            return [Message(f"ขออภัยที่คำตอบยังไม่ตรงค่ะ ต้องการให้เจ้าหน้าที่ตอบไหมคะ? {TYPE_OFFICER} ได้เลย",
                            (officer,))]
        if action == club.ACTION:
            self._log_in(session, user, meta, kind="postback", text=event.data, outcome="club-registration")
            return [club.register(session, user, tap.number("s"), meta.occurred_at).message]
        if action == "officer":
            return self._hand_over(session, user, meta, tap.number("q"), event.data)
        if action == "survey":
            self._log_in(session, user, meta, kind="postback", text=event.data, outcome="survey")
            survey_reply = record_survey_answer(session, user, event.data, meta.occurred_at)
            return [survey_reply] if survey_reply else []
        self._log_in(session, user, meta, kind="postback", text=event.data, outcome="unknown-postback")
        return [self._menu_for(session, user, meta)]

    def _offer_survey(self, session: Session, user: LineUser | None, meta: EventMeta,
                      messages: list[Message]) -> list[Message]:
        """Add the monthly satisfaction survey (at most once a month per user) after a thank-you, for free."""
        offer = survey_offer(session, user, meta.occurred_at)
        if offer is not None:
            messages.append(offer)
            prompts.remember(session, user, "survey", [postbacks.survey_score(n) for n in range(1, 6)],
                             meta.occurred_at)
        return messages

    def _typed_officer(self, session: Session, user: LineUser | None, meta: EventMeta, text: str, wants: str,
                       asked: int | None) -> list[Message]:
        """A typed "ถามเจ้าหน้าที่": hands over the question just asked, or this message when it says more."""
        if wants == "only" and asked is None and user is not None:
            recent = session.scalars(
                select(Interaction).where(Interaction.user_id == user.id, Interaction.direction == "in",
                                          Interaction.kind == "text", Interaction.outcome.in_(QUESTION_OUTCOMES),
                                          Interaction.occurred_at >= meta.occurred_at - prompts.PROMPT_TTL)
                .order_by(Interaction.id.desc()).limit(1)).first()
            asked = recent.id if recent is not None else None
        if wants == "with-text":
            asked = None  # the message carries its own question
        return self._hand_over(session, user, meta, asked, text, kind="text")

    def _hand_over(self, session: Session, user: LineUser | None, meta: EventMeta, question_id: int | None,
                   data: str, *, kind: str = "postback") -> list[Message]:
        """The user asked for an officer: flag their question (or this request) for the inbox."""
        question = session.get(Interaction, question_id) if question_id else None
        if question is not None and user is not None and question.user_id == user.id:
            question.handoff = True
            self._log_in(session, user, meta, kind=kind, text=data, outcome="ask-officer",
                         in_reply_to_id=question.id)
        else:
            self._log_in(session, user, meta, kind=kind, text=data, outcome="ask-officer", handoff=True)
        return [Message("ส่งเรื่องให้เจ้าหน้าที่สำนักงานการต่างประเทศแล้วค่ะ 📨\n"
                        f"{expected_answer_th(meta.occurred_at)} ({HOURS_TH}) "
                        "พิมพ์รายละเอียดเพิ่มเติมได้เลยนะคะ")]

    # ----------------------------------------------------------------- media
    def _on_media(self, session: Session, user: LineUser | None, event: MediaReceived) -> list[Message]:
        """A photo or file goes to an officer with its content; a sticker or location gets a friendly pointer."""
        if event.message_type in attachments.CONTENT_KINDS:
            return self._on_attachment(session, user, event)
        self._log_in(session, user, event.meta, kind=event.message_type, outcome="media")
        if event.message_type == "sticker":
            return [Message("😊 หากมีคำถามเรื่องงานที่เกี่ยวกับชาวต่างชาติ พิมพ์มาได้เลยค่ะ")]
        return [Message("ขออภัยค่ะ @IAO อ่านได้เฉพาะข้อความตัวอักษร กรุณาพิมพ์คำถาม "
                        f"หรือ{TYPE_OFFICER} เพื่อให้เจ้าหน้าที่ช่วยดูค่ะ",
                        (QuickReply(label=ASK_OFFICER, data=postbacks.officer(), display_text=ASK_OFFICER),))]

    def _on_attachment(self, session: Session, user: LineUser | None, event: MediaReceived) -> list[Message]:
        """Keep the file the worker fetched (checked and capped) with a hand-off, and say honestly what happens.

        A file that could not be fetched is still handed over, marked, so the officer asks for it again; one
        refused for its size or type is logged (the officer sees it in the transcript) and the user is told why.
        """
        logged = self._log_in(session, user, event.meta, kind=event.message_type, outcome="attachment")
        kept = attachments.record(session, interaction_id=logged, user_id=user.id if user else None,
                                  message_type=event.message_type, fetched=event.fetched,
                                  max_bytes=self.attachment_max_bytes, file_name=event.file_name)
        prompts.forget(session, user)
        kind = attachments.KIND_TH.get(event.message_type, "ไฟล์")
        if kept.status in (attachments.TOO_LARGE, attachments.UNSUPPORTED):
            _amend_log(session, logged, outcome="attachment-refused")
            limit_mb = self.attachment_max_bytes / 1024 / 1024
            why = (f"มีขนาดเกิน {limit_mb:,.0f} MB" if kept.status == attachments.TOO_LARGE
                   else f"ไม่ใช่{attachments.ACCEPTED_TH}")
            return [Message(f"ขออภัยค่ะ {kind}นี้{why} ระบบจึงไม่ได้เก็บไว้และเจ้าหน้าที่จะไม่เห็น{kind}นี้\n"
                            f"กรุณาส่งเป็น{attachments.ACCEPTED_TH} ขนาดไม่เกิน {limit_mb:,.0f} MB "
                            f"หรือพิมพ์คำถามแล้ว{TYPE_OFFICER}ค่ะ",
                            (QuickReply(label=ASK_OFFICER, data=postbacks.officer(),
                                        display_text=ASK_OFFICER),))]
        when = f"{expected_answer_th(event.meta.occurred_at)} ({HOURS_TH})"
        if kept.status != attachments.STORED:
            _amend_log(session, logged, handoff=True, outcome="attachment-failed")
            return [Message(f"ได้รับข้อความของท่านแล้วค่ะ แต่ระบบดึง{kind}จาก LINE ไม่สำเร็จ "
                            f"จึงยังไม่มี{kind}นี้ในระบบ 🙏\nเจ้าหน้าที่ได้รับแจ้งแล้ว "
                            f"กรุณาส่ง{kind}อีกครั้ง หรือพิมพ์รายละเอียดแทนค่ะ {when}")]
        _amend_log(session, logged, handoff=True)
        return [Message(
            f"ได้รับ{kind}ของท่านแล้วค่ะ 📎 ส่งให้เจ้าหน้าที่สำนักงานการต่างประเทศดูแล้ว\n{when}\n\n"
            f"• {kind}นี้เปิดดูได้เฉพาะเจ้าหน้าที่ที่เข้าสู่ระบบของ @IAO ไม่มีลิงก์สาธารณะ\n"
            f"• ระบบเก็บ{kind}ไว้ไม่เกิน {self.retention_days} วันแล้วลบอัตโนมัติ ท่านขอให้ลบก่อนได้ "
            "โดยแจ้งเจ้าหน้าที่ผ่านช่องทางนี้\n"
            "• หากเป็นหนังสือเดินทางหรือเอกสารที่มีข้อมูลส่วนบุคคล กรุณาส่งเฉพาะหน้าที่จำเป็นค่ะ\n"
            "พิมพ์รายละเอียดหรือคำถามเกี่ยวกับไฟล์นี้เพิ่มเติมได้เลยนะคะ")]

    # ----------------------------------------------------------------- log
    def _log_in(self, session: Session, user: LineUser | None, meta: EventMeta, *, kind: str,
                text: str | None = None, outcome: str | None = None, **fields: object) -> int:
        """Write one inbound line of the log, timed by the event's own timestamp; returns its id.

        One INSERT ... RETURNING built once, no ORM object: every message writes one, and nothing in the
        event's transaction reads it back as an object (the unit of work's flush cost more than the insert).
        """
        values = {
            "occurred_at": meta.occurred_at, "bkk_day": bangkok_day(meta.occurred_at),
            "user_id": user.id if user else None, "district_id": user.district_id if user else None,
            "direction": "in", "kind": kind, "text": text[:MAX_STORED_TEXT] if text else None, "outcome": outcome,
            "webhook_event_id": meta.event_id, "handoff": bool(fields.pop("handoff", False)), **fields,
        }
        return int(session.execute(_LOG_LINE, values).scalar_one())

    def _log_out(self, session: Session, user: LineUser | None, meta: EventMeta, message: Message) -> int:
        """Write one outbound reply to the log as pending: marked sent once LINE takes it, so a reply lost
        with a dying process is found and pushed later."""
        now = utcnow()
        values = {"occurred_at": now, "bkk_day": bangkok_day(now), "user_id": user.id if user else None,
                  "district_id": user.district_id if user else None, "direction": "out", "kind": "reply",
                  "text": message.text, "answered_by": "bot", "webhook_event_id": meta.event_id,
                  "delivery": "pending", "handoff": False}
        # one INSERT ... RETURNING, built once, no ORM object: nothing reads this row back in the transaction
        return int(session.execute(_LOG_LINE, values).scalar_one())


def _asked_by(session: Session, user: LineUser | None, question_id: int | None) -> int | None:
    """The question a tapped choice names, if this user asked it (a choice cannot point at another's log)."""
    asked = session.get(Interaction, question_id or 0)
    return asked.id if asked and user and asked.user_id == user.id else None


def _amend_log(session: Session, log_id: int, **changes: object) -> None:
    """Change a log line written earlier in this event (what became of an attachment is known after it)."""
    session.execute(update(Interaction).where(Interaction.id == log_id).values(**changes))


def claim_event(session: Session, event_id: str) -> bool:
    """Record a webhookEventId; False when another request or process already has it.

    One INSERT ... ON CONFLICT DO NOTHING where the database has it (no savepoint round trips per event).
    """
    dialect = dialect_of(session)
    if dialect in ("sqlite", "postgresql"):
        new = insert_ignoring_duplicates(dialect, ProcessedEvent, "webhook_event_id")  # a row back: a new event
        return session.execute(new, {"webhook_event_id": event_id[:64]}).first() is not None
    try:  # pragma: no cover - other databases are not supported for production
        with session.begin_nested():
            session.add(ProcessedEvent(webhook_event_id=event_id[:64]))
    except IntegrityError:
        return False
    return True


