"""IAO office hours: when a handed-off question can expect an officer's answer."""

from __future__ import annotations

import datetime as dt

from handlers.clock import BANGKOK

OPEN = dt.time(8, 30)
CLOSE = dt.time(16, 30)
HOURS_TH = "วันจันทร์–ศุกร์ เวลา 08.30–16.30 น. (เว้นวันหยุดราชการ)"


def is_open(moment: dt.datetime) -> bool:
    """True during IAO office hours (Bangkok time, Monday to Friday; public holidays not modelled)."""
    local = moment.astimezone(BANGKOK)
    return local.weekday() < 5 and OPEN <= local.time() < CLOSE


def expected_answer_th(moment: dt.datetime) -> str:
    """Tell the user, in Thai, when an officer will answer a question handed over at `moment`."""
    local = moment.astimezone(BANGKOK)
    if is_open(local):
        return "เจ้าหน้าที่จะตอบกลับภายในเวลาราชการวันนี้"
    if local.weekday() < 5 and local.time() < OPEN:
        return "เจ้าหน้าที่จะตอบกลับเมื่อเริ่มเวลาราชการวันนี้ (08.30 น.)"
    return "เจ้าหน้าที่จะตอบกลับในวันทำการถัดไป"
