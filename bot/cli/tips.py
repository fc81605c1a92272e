"""`flask --app app broadcast ...` and `flask --app app run-scheduler`: scheduled tips from the command line.

The quota reserve (messages kept back for officers' own pushes) is BROADCAST_QUOTA_RESERVE, read in Settings
(default 20); `--reserve` overrides it.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from bot.cli import services as app_services
from handlers.clock import BANGKOK, utcnow
from handlers.tips.models import MAX_MESSAGES, Notice, Tip
from handlers.tips.planning import ASSUMED_QUOTA, MONTHLY_TARGET, TipsError, ask_line, plan_tips, render_plan
from handlers.tips.schedule import (
    ENGLISH_CLUB_ENTRY,
    ENGLISH_CLUB_RULE,
    ENGLISH_CLUB_TEXT,
    broadcast_json,
    cancel,
    create_tip,
    list_broadcasts,
    materialize,
    normalize_rule,
    occurrences,
    schedule,
    stop_tip,
)
from handlers.tips.sending import SendPolicy, send_due

DEFAULT_INTERVAL = 60  # seconds between scheduler ticks
DEFAULT_GRACE = 3600  # a tick missed by less than this still runs once after downtime
Clock = Callable[..., None]  # scheduler.runner.run_clock, handed over by the composition root

broadcast_group = AppGroup("broadcast", help="Schedule tips (เกร็ดความรู้) and send them within LINE's quota.")


def quota_reserve() -> int:
    """BROADCAST_QUOTA_RESERVE as Settings read it (20 when unset)."""
    return int(app_services().settings.broadcast_quota_reserve)


def _policy(reserve: int | None) -> SendPolicy:
    """The send policy with the configured (or given) quota reserve."""
    return SendPolicy(reserve=quota_reserve() if reserve is None else reserve)


def parse_when(value: str) -> dt.datetime:
    """ISO 8601 with an offset; a time without one is Bangkok time."""
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r} (e.g. 2026-12-04T09:00+07:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BANGKOK)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(BANGKOK).isoformat(timespec="minutes")


reserve_option = click.option("--reserve", type=int, default=None,
                              help="Messages kept back for officers (default BROADCAST_QUOTA_RESERVE or 20).")


@broadcast_group.command("add")
@click.option("--at", "at", default=None, help="When to send, ISO 8601 (no offset = Bangkok time).")
@click.option("--text", "texts", multiple=True, help="Tip text; repeat to bundle up to 5 tips in one send.")
@click.option("--tip", "tip_ids", type=int, multiple=True, help="An existing tip id; repeatable (bundle).")
@click.option("--link", default=None, help="A link shown under the (first) new tip.")
@click.option("--image", default=None, help="An image URL shown under the (first) new tip.")
@click.option("--entry", default=None, help="Knowledge entry id offered as 'read more' (free reply).")
@click.option("--every", default=None,
              help="Recurring rule 'min hour day month dow' in Bangkok time, e.g. '0 9 * * tue,fri'; "
                   "'fri#3' is the third Friday; alias 'english-club' = '0 9 * * fri#3'.")
@click.option("--audience", type=click.Choice(["all", "districts"]), default="all",
              help="all = broadcast; districts = multicast to one representative per district.")
@click.option("--to", "users", multiple=True, help="Send to these LINE user ids only (push or multicast).")
@click.option("--json", "as_json", is_flag=True, help="Print the new send or tip as JSON.")
def add_command(at: str | None, texts: tuple[str, ...], tip_ids: tuple[int, ...], link: str | None,
                image: str | None, entry: str | None, every: str | None, audience: str,
                users: tuple[str, ...], as_json: bool) -> None:
    """Schedule a one-off send (--at) or a recurring tip (--every)."""
    services = app_services()
    with services.sessions() as session:
        try:
            if every:
                rule = normalize_rule(every)
                if not texts and not tip_ids and rule == ENGLISH_CLUB_RULE:
                    texts, entry = (ENGLISH_CLUB_TEXT,), entry or ENGLISH_CLUB_ENTRY
                if len(texts) + len(tip_ids) != 1:
                    raise click.UsageError("--every takes exactly one --text or --tip")
                if tip_ids:
                    tip = session.get(Tip, tip_ids[0])
                    if tip is None:
                        raise click.UsageError(f"no tip {tip_ids[0]}")
                    tip.rule, tip.active, tip.audience = rule, True, audience
                else:
                    tip = create_tip(session, texts[0], link_url=link, image_url=image, entry_id=entry, rule=rule,
                                     audience=audience)
                session.commit()
                now = utcnow()
                upcoming = occurrences(rule, now, now + dt.timedelta(days=62))[:3]
                result: dict[str, object] = {"tip_id": tip.id, "rule": rule, "audience": audience,
                                             "next": [_iso(m) for m in upcoming]}
                click.echo(json.dumps(result, ensure_ascii=False) if as_json else
                           f"tip #{tip.id} recurs '{rule}' (Bangkok time); next: "
                           + ", ".join(str(n) for n in result["next"]))  # type: ignore[union-attr]
                return
            if not at:
                raise click.UsageError("give --at (one-off) or --every (recurring)")
            when = parse_when(at)
            tips = []
            for number, text in enumerate(texts):
                first = number == 0
                tips.append(create_tip(session, text, link_url=link if first else None,
                                       image_url=image if first else None, entry_id=entry if first else None))
            for tip_id in tip_ids:
                tip = session.get(Tip, tip_id)
                if tip is None:
                    raise click.UsageError(f"no tip {tip_id}")
                tips.append(tip)
            if not tips or len(tips) > MAX_MESSAGES:
                raise click.UsageError(f"give 1 to {MAX_MESSAGES} tips (--text or --tip)")
            row = schedule(session, tips, when, audience="users" if users else audience,
                           targets=list(users) or None)
            session.commit()
        except ValueError as error:
            raise click.UsageError(str(error)) from None
        if as_json:
            click.echo(json.dumps(broadcast_json(row), ensure_ascii=False))
        else:
            click.echo(f"send #{row.id} scheduled for {_iso(row.scheduled_at)} ({len(tips)} tip(s), {row.audience})")


@broadcast_group.command("send-due")
@reserve_option
@click.option("--json", "as_json", is_flag=True, help="Print what was sent, held, failed or left for later.")
def send_due_command(reserve: int | None, as_json: bool) -> None:
    """Send every tip due now that fits the quota, exactly once (what the scheduler runs each minute)."""
    services = app_services()
    report = send_due(services.sessions, services.messenger, policy=_policy(reserve))
    if as_json:
        click.echo(json.dumps(report.as_dict()))
        return
    for name, ids in report.as_dict().items():
        if ids:
            click.echo(f"{name}: {', '.join(f'#{i}' for i in ids)}")
    if not any(report.as_dict().values()):
        click.echo("nothing due")


@broadcast_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of sends.")
def list_command(as_json: bool) -> None:
    """Every send: scheduled, sent, held for quota, failed or cancelled (recurring ones a day ahead)."""
    services = app_services()
    with services.sessions() as session:
        materialize(session, utcnow())
        session.commit()
        rows = [broadcast_json(r) for r in list_broadcasts(session)]
        recurring = list(session.scalars(select(Tip).where(Tip.active.is_(True), Tip.rule.is_not(None))))
        rules = [f"tip #{t.id} '{t.rule}' {t.audience}: {t.text[:50]}" for t in recurring]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        cost = row["messages_consumed"] if row["messages_consumed"] is not None else row["estimated_cost"]
        click.echo(f"#{row['id']:<4} {row['scheduled_at']}  {row['status']:<14} {row['audience']:<9} "
                   f"msgs {row['messages']} cost {cost if cost is not None else '-':>4}  {str(row['text'])[:60]}"
                   + (f"  ({row['reason']})" if row["reason"] else ""))
    for line in rules:
        click.echo("recurring: " + line)
    if not rows and not rules:
        click.echo("no sends scheduled")


@broadcast_group.command("plan")
@click.option("--month", required=True, help="YYYY-MM (Bangkok calendar).")
@click.option("--target", type=int, default=MONTHLY_TARGET, show_default=True, help="Tips promised per month.")
@click.option("--apply", "remedy", type=click.Choice(["bundle", "districts", "districts+bundle"]), default=None,
              help="Carry out a remedy on the month's unsent broadcasts, then show the new plan.")
@reserve_option
@click.option("--json", "as_json", is_flag=True, help="The plan as JSON.")
def plan_command(month: str, target: int, remedy: str | None, reserve: int | None, as_json: bool) -> None:
    """The month's planned tips × cost against the quota; flags the target and offers remedies."""
    services = app_services()
    line = ask_line(services.messenger)  # before any transaction
    if line.quota is None:
        click.echo(f"warning: could not read the quota from LINE ({line.quota_error}); assuming {ASSUMED_QUOTA}",
                   err=True)
    with services.sessions() as session:
        try:
            result = plan_tips(session, line, month, reserve=quota_reserve() if reserve is None else reserve,
                               target=target, remedy=remedy)
        except TipsError as error:
            raise click.UsageError(str(error)) from None
        session.commit()
    if remedy:
        click.echo(f"applied {remedy}: {len(result.kept)} send(s) remain", err=as_json)
    click.echo(json.dumps(result.plan.as_dict(), ensure_ascii=False) if as_json else render_plan(result.plan))


@broadcast_group.command("cancel")
@click.argument("broadcast_id", type=int, required=False)
@click.option("--tip", "tip_id", type=int, default=None, help="Stop a recurring tip and cancel its unsent sends.")
def cancel_command(broadcast_id: int | None, tip_id: int | None) -> None:
    """Cancel a send that has not gone out, or stop a recurring tip."""
    services = app_services()
    with services.sessions() as session:
        if tip_id is not None:
            count = stop_tip(session, tip_id)
            session.commit()
            click.echo(f"tip #{tip_id} stopped; {count} unsent send(s) cancelled")
            return
        if broadcast_id is None:
            raise click.UsageError("give a send id or --tip ID")
        done = cancel(session, broadcast_id)
        session.commit()
    if not done:
        click.echo(f"send #{broadcast_id} cannot be cancelled (unknown, in flight or already done)", err=True)
        sys.exit(1)
    click.echo(f"send #{broadcast_id} cancelled")


@broadcast_group.command("notices")
@click.option("--json", "as_json", is_flag=True)
def notices_command(as_json: bool) -> None:
    """What officers were told: tips held for quota and sends that failed."""
    with app_services().sessions() as session:
        rows = list(session.scalars(select(Notice).order_by(Notice.created_at.desc(), Notice.id.desc()).limit(100)))
        data = [{"id": n.id, "at": _iso(n.created_at), "level": n.level, "kind": n.kind,
                 "broadcast_id": n.broadcast_id, "text": n.text} for n in rows]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    for item in [] if as_json else data:
        click.echo(f"{item['at']} {item['kind']}: {item['text']}")


def make_run_scheduler_command(run_clock: Clock) -> click.Command:
    """The `run-scheduler` command around the scheduler's entry point (bot/ may not import scheduler/)."""

    @click.command("run-scheduler")
    @click.option("--interval", type=int, default=DEFAULT_INTERVAL, show_default=True,
                  help="Seconds between ticks.")
    @click.option("--grace", type=int, default=DEFAULT_GRACE, show_default=True,
                  help="A tick missed by less than this many seconds still runs once after downtime.")
    @reserve_option
    def run_scheduler_command(interval: int, grace: int, reserve: int | None) -> None:
        """The clock process: sends due tips every minute; safe to start twice (a database lease decides)."""
        services = app_services()
        run_clock(services.engine, services.sessions, services.messenger, _policy(reserve),
                  retention_days=services.settings.retention_days,
                  quota_setting=services.settings.line_monthly_quota,
                  interval=interval, misfire_grace_time=grace,
                  mailer=services.mailer, notices=services.settings.notices)

    return run_scheduler_command


def register_broadcast_commands(app: Flask, run_clock: Clock | None = None) -> None:
    """Attach the broadcast group, and run-scheduler when given the scheduler's entry point."""
    app.cli.add_command(broadcast_group)
    if run_clock is not None:
        app.cli.add_command(make_run_scheduler_command(run_clock))
