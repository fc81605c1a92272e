"""Tips on demand: the "เกร็ดความรู้" menu item answers with the latest tips by free reply (no quota)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.chat import postbacks
from handlers.chat.replies import Message, QuickReply, short_label
from handlers.tips.models import Broadcast, Tip

ON_DEMAND_COUNT = 5
MENU_LABEL = "เกร็ดความรู้"


def latest_tips(session: Session, now: dt.datetime, count: int = ON_DEMAND_COUNT) -> list[Tip]:
    """The newest tips already sent, then tips written earlier that have not gone out yet."""
    sent_ids: list[int] = []
    for raw in session.scalars(select(Broadcast.tip_ids).where(Broadcast.status == "sent", Broadcast.sent_at <= now)
                               .order_by(Broadcast.sent_at.desc()).limit(count * 2)):
        sent_ids.extend(i for i in json.loads(raw) if i not in sent_ids)
    tips = {t.id: t for t in session.scalars(select(Tip).where(Tip.id.in_(sent_ids)))} if sent_ids else {}
    chosen = [tips[i] for i in sent_ids if i in tips][:count]
    if len(chosen) < count:
        more = session.scalars(select(Tip).where(Tip.created_at <= now, Tip.id.not_in([t.id for t in chosen]))
                               .order_by(Tip.created_at.desc(), Tip.id.desc()).limit(count - len(chosen)))
        chosen.extend(more)
    return chosen


def tips_on_demand_message(session: Session, now: dt.datetime) -> Message | None:
    """The latest few tips as one reply message, or None when there are none yet."""
    tips = latest_tips(session, now)
    if not tips:
        return None
    parts = []
    for number, tip in enumerate(tips, 1):
        part = f"{number}. {tip.text.strip()}"
        if tip.link_url:
            part += f"\n🔗 {tip.link_url}"
        parts.append(part)
    buttons = tuple(
        QuickReply(label=short_label(f"อ่านเพิ่มเติม {n}"), data=postbacks.entry(tip.entry_id),
                   display_text=short_label(f"อ่านเพิ่มเติม {n}"))
        for n, tip in enumerate(tips, 1) if tip.entry_id
    )
    return Message(f"💡 {MENU_LABEL}ล่าสุดจาก @IAO\n\n" + "\n\n".join(parts), buttons)
