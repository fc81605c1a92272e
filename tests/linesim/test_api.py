"""The Messaging API endpoints, exercised with the real line-bot-sdk v3 client."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests
import urllib3
from linebot.v3.insight import ApiClient as InsightClient
from linebot.v3.insight import Configuration as InsightConfiguration
from linebot.v3.insight import Insight
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    BroadcastRequest,
    Configuration,
    MessagingApi,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)

from linesim.client import SimClient
from tests.linesim.conftest import TOKEN, Bot

HELLO = [TextMessage(text="สวัสดีครับ")]


def _friend(sim: SimClient, name: str = "เจ้าหน้าที่เขตบางรัก") -> str:
    """Create a user who follows the bot (silently, no webhook)."""
    return sim.add_user(name, follow=True)["userId"]


def _token(sim: SimClient, user_id: str, bot: Bot) -> str:
    """Send a text event and return the reply token the simulator issued."""
    res = sim.send_text(user_id, "ขอข้อมูลวีซ่า")
    assert res["status"] == 200
    return res["replyToken"]


# ---- reply ------------------------------------------------------------------------------
def test_reply_with_valid_token_is_delivered_free(sim: SimClient, api: MessagingApi, bot: Bot) -> None:
    uid = _friend(sim)
    token = _token(sim, uid, bot)
    resp = api.reply_message_with_http_info(ReplyMessageRequest(reply_token=token, messages=HELLO))
    assert resp.status_code == 200
    assert resp.headers["x-line-request-id"]
    assert len(resp.data.sent_messages) == 1
    assert [e["via"] for e in sim.messages(uid)] == ["reply"]
    assert sim.texts(uid) == ["สวัสดีครับ"]
    assert api.get_message_quota_consumption().total_usage == 0


def test_reply_token_used_twice_is_invalid(sim: SimClient, api: MessagingApi, bot: Bot) -> None:
    token = _token(sim, _friend(sim), bot)
    api.reply_message(ReplyMessageRequest(reply_token=token, messages=HELLO))
    with pytest.raises(ApiException) as err:
        api.reply_message(ReplyMessageRequest(reply_token=token, messages=HELLO))
    assert err.value.status == 400
    assert "Invalid reply token" in err.value.body


def test_expired_and_unknown_reply_tokens_are_invalid(sim: SimClient, api: MessagingApi, bot: Bot) -> None:
    uid = _friend(sim)
    sim.config(reply_token_ttl=0.2)
    token = _token(sim, uid, bot)
    time.sleep(0.3)
    for candidate in (token, "0" * 32):
        with pytest.raises(ApiException) as err:
            api.reply_message(ReplyMessageRequest(reply_token=candidate, messages=HELLO))
        assert err.value.status == 400
        assert "Invalid reply token" in err.value.body
    assert sim.messages(uid) == []


def test_bot_replies_during_the_webhook(sim: SimClient, bot: Bot) -> None:
    uid = _friend(sim)
    assert sim.send_text(uid, "echo ภาษาไทย")["status"] == 200
    assert sim.texts(uid) == ["ภาษาไทย"]


# ---- push / multicast / broadcast and quota ------------------------------------------
def test_push_costs_one_per_recipient_not_per_message(sim: SimClient, api: MessagingApi) -> None:
    uid = _friend(sim)
    resp = api.push_message(PushMessageRequest(to=uid, messages=[TextMessage(text=str(i)) for i in range(5)]))
    assert len(resp.sent_messages) == 5
    assert api.get_message_quota_consumption().total_usage == 1
    assert sim.texts(uid) == ["0", "1", "2", "3", "4"]
    assert sim.state()["consumption"] == 1


def test_push_to_unknown_user_fails_and_blocked_user_is_free(sim: SimClient, api: MessagingApi) -> None:
    with pytest.raises(ApiException) as err:
        api.push_message(PushMessageRequest(to="U" + "a" * 32, messages=HELLO))
    assert err.value.status == 400
    uid = _friend(sim)
    sim.unfollow(uid)
    api.push_message(PushMessageRequest(to=uid, messages=HELLO))
    assert sim.messages(uid) == []
    assert api.get_message_quota_consumption().total_usage == 0


def test_broadcast_costs_current_followers(sim: SimClient, api: MessagingApi) -> None:
    users = [_friend(sim, f"เขต {i}") for i in range(3)]
    sim.unfollow(users[2])
    sim.add_user("not a friend")
    api.broadcast(BroadcastRequest(messages=HELLO, notification_disabled=True))
    assert api.get_message_quota_consumption().total_usage == 2
    assert [len(sim.messages(u)) for u in users] == [1, 1, 0]
    assert sim.messages(users[0])[0]["via"] == "broadcast"


def test_synthetic_followers_count_for_broadcast(sim: SimClient, api: MessagingApi) -> None:
    sim.config(followers=40)
    _friend(sim)
    api.broadcast(BroadcastRequest(messages=HELLO))
    assert api.get_message_quota_consumption().total_usage == 41


def test_multicast_counts_reachable_recipients(sim: SimClient, api: MessagingApi) -> None:
    a, b = _friend(sim, "a"), _friend(sim, "b")
    api.multicast(MulticastRequest(to=[a, b, "U" + "f" * 32], messages=HELLO))
    assert api.get_message_quota_consumption().total_usage == 2
    assert sim.messages(b)[0]["via"] == "multicast"


def test_over_quota_is_429_and_nothing_is_delivered(sim: SimClient, api: MessagingApi) -> None:
    users = [_friend(sim, f"เขต {i}") for i in range(3)]
    sim.config(monthly_quota=5, consumption=3)
    with pytest.raises(ApiException) as err:
        api.broadcast(BroadcastRequest(messages=HELLO))
    assert err.value.status == 429
    assert "You have reached your monthly limit." in err.value.body
    assert all(sim.messages(u) == [] for u in users)
    assert api.get_message_quota_consumption().total_usage == 3
    api.push_message(PushMessageRequest(to=users[0], messages=HELLO))
    api.push_message(PushMessageRequest(to=users[1], messages=HELLO))
    with pytest.raises(ApiException) as err:
        api.push_message(PushMessageRequest(to=users[2], messages=HELLO))
    assert err.value.status == 429
    assert sim.messages(users[2]) == []


def test_quota_endpoints(sim: SimClient, api: MessagingApi) -> None:
    sim.config(monthly_quota=300)
    quota = api.get_message_quota()
    assert (quota.type, quota.value) == ("limited", 300)
    assert api.get_message_quota_consumption().total_usage == 0
    uid = _friend(sim)
    api.push_message(PushMessageRequest(to=uid, messages=HELLO))
    today = time.strftime("%Y%m%d", time.gmtime(time.time() + 9 * 3600))
    assert api.get_number_of_sent_push_messages(var_date=today).success == 1
    assert api.get_number_of_sent_reply_messages(var_date=today).success == 0
    assert api.get_number_of_sent_broadcast_messages(var_date=today).status == "ready"


# ---- retry key -----------------------------------------------------------------------
def test_repeated_retry_key_is_409_with_accepted_request_id(sim: SimClient, api: MessagingApi) -> None:
    uid = _friend(sim)
    key = str(uuid.uuid4())
    first = api.push_message_with_http_info(PushMessageRequest(to=uid, messages=HELLO), x_line_retry_key=key)
    with pytest.raises(ApiException) as err:
        api.push_message(PushMessageRequest(to=uid, messages=HELLO), x_line_retry_key=key)
    assert err.value.status == 409
    assert "The retry key is already accepted" in err.value.body
    assert err.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert err.value.headers["x-line-request-id"] != first.headers["x-line-request-id"]
    assert len(sim.messages(uid)) == 1
    assert api.get_message_quota_consumption().total_usage == 1
    logged = sim.requests(path="/v2/bot/message/push")
    assert [r["status"] for r in logged] == [200, 409]
    assert logged[0]["headers"]["X-Line-Retry-Key"] == key


def test_retry_key_on_broadcast(sim: SimClient, api: MessagingApi) -> None:
    _friend(sim)
    key = str(uuid.uuid4())
    api.broadcast(BroadcastRequest(messages=HELLO), x_line_retry_key=key)
    with pytest.raises(ApiException) as err:
        api.broadcast(BroadcastRequest(messages=HELLO), x_line_retry_key=key)
    assert err.value.status == 409
    assert api.get_message_quota_consumption().total_usage == 1


# ---- fault injection -----------------------------------------------------------------
def test_fault_500_twice_then_success(sim: SimClient, api: MessagingApi) -> None:
    uid = _friend(sim)
    sim.set_fault("/v2/bot/message/push", status=500, times=2)
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=uid, messages=HELLO)
    statuses = []
    for _ in range(3):
        try:
            api.push_message(request, x_line_retry_key=key)
            statuses.append(200)
        except ApiException as exc:
            statuses.append(exc.status)
    assert statuses == [500, 500, 200]
    assert len(sim.messages(uid)) == 1
    assert sim.state()["faults"] == []


def test_fault_429_with_retry_after(sim: SimClient, api: MessagingApi) -> None:
    uid = _friend(sim)
    sim.set_fault("/v2/bot/message/push", status=429, retry_after=7)
    with pytest.raises(ApiException) as err:
        api.push_message(PushMessageRequest(to=uid, messages=HELLO))
    assert err.value.status == 429
    assert err.value.headers["Retry-After"] == "7"
    assert sim.messages(uid) == []


def test_delay_fault_times_out_client_and_retry_gets_409(sim: SimClient, servers: tuple) -> None:
    uid = _friend(sim)
    sim.set_fault("/v2/bot/message/push", delay=0.8)
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=uid, messages=HELLO)
    with ApiClient(Configuration(host=servers[0].url, access_token=TOKEN)) as client:
        api = MessagingApi(client)
        started = time.time()
        with pytest.raises(urllib3.exceptions.TimeoutError):
            api.push_message(request, x_line_retry_key=key, _request_timeout=0.2)
        assert time.time() - started < 0.7
        with pytest.raises(ApiException) as err:
            api.push_message(request, x_line_retry_key=key)
        assert err.value.status == 409
    assert len(sim.messages(uid)) == 1
    time.sleep(0.7)  # let the delayed handler finish before the next test resets state


# ---- other endpoints -----------------------------------------------------------------
def test_profile_200_and_404(sim: SimClient, api: MessagingApi) -> None:
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก", language="th")["userId"]
    profile = api.get_profile(uid)
    assert (profile.user_id, profile.display_name, profile.language) == (uid, "เจ้าหน้าที่เขตบางรัก", "th")
    with pytest.raises(ApiException) as err:
        api.get_profile("U" + "0" * 32)
    assert err.value.status == 404
    assert "Not found" in err.value.body


def test_401_without_or_with_wrong_token(sim: SimClient, servers: tuple) -> None:
    base = servers[0].url
    resp = requests.get(base + "/v2/bot/message/quota", timeout=5)
    assert resp.status_code == 401
    assert resp.headers["x-line-request-id"]
    assert "Authentication failed" in resp.json()["message"]
    with ApiClient(Configuration(host=base, access_token="wrong")) as client:
        with pytest.raises(ApiException) as err:
            MessagingApi(client).get_bot_info()
    assert err.value.status == 401


def test_insight_followers(sim: SimClient, servers: tuple) -> None:
    a = sim.add_user("a")["userId"]
    b = sim.add_user("b")["userId"]
    sim.follow(a)
    sim.follow(b)
    sim.unfollow(b)
    with InsightClient(InsightConfiguration(host=servers[0].url, access_token=TOKEN)) as client:
        stats = Insight(client).get_number_of_followers(var_date="20260101")
    assert (stats.status, stats.followers, stats.targeted_reaches, stats.blocks) == ("ready", 2, 1, 1)
    assert sim.state()["followers"] == 1


def test_loading_animation_and_bot_info(sim: SimClient, api: MessagingApi) -> None:
    uid = _friend(sim)
    resp = api.show_loading_animation_with_http_info(
        ShowLoadingAnimationRequest(chat_id=uid, loading_seconds=10))
    assert resp.status_code == 202
    info = api.get_bot_info()
    assert info.user_id.startswith("U") and len(info.user_id) == 33
    assert info.chat_mode == "bot"


def test_message_validation(sim: SimClient, api: MessagingApi) -> None:
    uid = _friend(sim)
    with pytest.raises(ApiException) as err:
        api.push_message(PushMessageRequest(to=uid, messages=[TextMessage(text="x" * 5001)]))
    assert err.value.status == 400
    assert "messages[0].text" in err.value.body
    api.push_message(PushMessageRequest(to=uid, messages=[TextMessage(text="ก" * 5000)]))
    base = api.api_client.configuration.host
    headers = {"Authorization": f"Bearer {TOKEN}"}
    too_many = {"to": uid, "messages": [{"type": "text", "text": "x"}] * 6}
    no_type = {"to": uid, "messages": [{"text": "x"}]}
    for body in (too_many, no_type, {"to": uid, "messages": []}):
        resp = requests.post(base + "/v2/bot/message/push", json=body, headers=headers, timeout=5)
        assert resp.status_code == 400
        assert resp.json()["details"]
    assert len(sim.messages(uid)) == 1
    assert api.get_message_quota_consumption().total_usage == 1


def test_concurrent_pushes_never_exceed_quota(sim: SimClient, servers: tuple) -> None:
    uid = _friend(sim)
    sim.config(monthly_quota=10)
    url = servers[0].url + "/v2/bot/message/push"
    body = {"to": uid, "messages": [{"type": "text", "text": "x"}]}
    statuses: list[int] = []

    def push() -> None:
        resp = requests.post(url, json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=push) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 10 + [429] * 10
    assert sim.state()["consumption"] == 10
    assert len(sim.messages(uid)) == 10


def test_api_errors_are_json_with_request_id(sim: SimClient, servers: tuple) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    resp = requests.get(servers[0].url + "/v2/bot/message/push", headers=headers, timeout=5)
    assert resp.status_code == 405 and resp.json()["message"]
    resp = requests.post(servers[0].url + "/v2/bot/message/reply", headers={**headers, "X-Line-Retry-Key":
                         str(uuid.uuid4())}, json={"replyToken": "x", "messages": []}, timeout=5)
    assert resp.status_code == 400
    assert resp.headers["x-line-request-id"]


def test_slow_mode_delivers_the_reply_but_answers_after_the_read_timeout(sim: SimClient, servers: tuple) -> None:
    uid = _friend(sim)
    token = sim.send_text(uid, "hello")["replyToken"]
    sim.config(slow=0.8)
    request = ReplyMessageRequest(reply_token=token, messages=HELLO)
    with ApiClient(Configuration(host=servers[0].url, access_token=TOKEN)) as client:
        api = MessagingApi(client)
        with pytest.raises(urllib3.exceptions.TimeoutError):
            api.reply_message(request, _request_timeout=0.2)
        assert [m["via"] for m in sim.messages(uid)] == ["reply"]  # it went through all the same
        sim.config(slow=0)
        with pytest.raises(ApiException) as err:
            api.reply_message(request)
        assert err.value.status == 400 and "Invalid reply token" in (err.value.body or "")
    time.sleep(0.7)  # let the slow handler finish before the next test resets state
