"""Two server processes on different ports, one PostgreSQL: what one process does, the other sees.

* a ticket issued on one appears live (server-sent events) on the other's office stream;
* the ticket machine's budget per client counts across both (the shared cache);
* a rule change made on one (an office closed today, through the console) is what the other's ticket
  machine shows next (calendars cached per process under the schedule's rules token).
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time

import pytest
import requests
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from kuyakusho.operations.processes import database_url, start_server

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_servers(tmp_path, isolated_ward_key, settings):
    from kuyakusho.core.wardkey import ward_key

    if connection.vendor != "postgresql":
        pytest.skip("several processes share one PostgreSQL (SQLite is the embedded, one-machine default)")
    ward_key()  # one key for both processes
    env = {"DATABASE_URL": database_url(connection.settings_dict), "SECRET_KEY": settings.SECRET_KEY,
           "KUYAKUSHO_WARD_KEY_DIR": str(settings.VAR_DIR / "certificates" / "ward-key"), "KUYAKUSHO_DEMO": "1",
           "DATABASE_POOL_MAX_SIZE": "4",
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING"}
    servers = []
    try:
        for _ in range(2):
            servers.append(start_server(env, log_dir=tmp_path))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.status_code
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def _take_ticket(session: requests.Session, base: str, office: str, service: str) -> requests.Response:
    token = _csrf(session, f"{base}/kiosk/{office}/ticket")
    return session.post(f"{base}/kiosk/{office}/ticket", {"csrfmiddlewaretoken": token, "service": service},
                        headers={"Referer": f"{base}/kiosk/{office}/ticket"}, allow_redirects=False, timeout=10)


def _listen(url: str, lines: queue.Queue[str], stop: threading.Event) -> None:
    try:
        with requests.get(url, stream=True, timeout=(5, 30)) as stream:
            for raw in stream.iter_lines(decode_unicode=True):
                if stop.is_set():
                    return
                line = raw.decode() if isinstance(raw, bytes) else raw
                if line and line.startswith("data:"):
                    lines.put(line[5:])
    except requests.RequestException:
        pass


def test_two_processes_share_live_updates_budgets_and_rules(two_servers, client, administrator, settings):
    from kuyakusho.demo.offices import create_offices
    from kuyakusho.offices.models import Office
    from kuyakusho.offices.services import open_today_for_demo
    from kuyakusho.queues.models import Ticket
    from kuyakusho.queues.views.kiosk import TICKETS_PER_HOUR

    a, b = two_servers
    create_offices()
    settings.DEMO_MODE = True
    open_today_for_demo(actor=None)  # the ticket machines work whatever the hour of the test
    office = Office.objects.filter(services__isnull=False).order_by("code").first()
    service = office.services.order_by("code").first()

    # 1. B streams the office's live state; a ticket taken on A shows up in B's stream.
    lines: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    listener = threading.Thread(target=_listen, args=(f"{b.url}/congestion/{office.code}/events", lines, stop),
                                daemon=True)
    listener.start()
    first = json.loads(lines.get(timeout=20))  # the state when the viewer connected
    assert first["office"] == office.code
    kiosk = requests.Session()
    taken = _take_ticket(kiosk, a.url, office.code, service.code)
    assert taken.status_code == 302, taken.text[:500]
    label = Ticket.objects.latest("id").label
    deadline, seen = time.monotonic() + 15, False
    while not seen and time.monotonic() < deadline:
        try:
            payload = json.loads(lines.get(timeout=max(0.1, deadline - time.monotonic())))
        except queue.Empty:
            break
        seen = any(label in s.get("queue", []) for s in payload.get("services", []))
    stop.set()
    assert seen, f"ticket {label} taken on one process never reached the other's live stream"

    # 2. The ticket machine's budget per client is counted in the shared cache, across both processes.
    slot = f"ratelimit:queues.ticket:127.0.0.1:{int(time.time() // 3600)}"
    cache.set(slot, TICKETS_PER_HOUR - 3, 3600)  # this hour's earlier tickets from this address
    assert _take_ticket(kiosk, a.url, office.code, service.code).status_code == 302
    assert _take_ticket(kiosk, b.url, office.code, service.code).status_code == 302
    assert _take_ticket(kiosk, a.url, office.code, service.code).status_code == 302  # the last of the budget
    refused = _take_ticket(kiosk, b.url, office.code, service.code)
    assert refused.status_code == 429, refused.status_code
    assert "短時間に多くの番号札" in refused.text

    # 3. An administrator closes the office for today on A; B's ticket machine says so at once.
    client.force_login(administrator)
    console = requests.Session()
    console.cookies.set("sessionid", client.cookies["sessionid"].value)
    assert "本日臨時閉庁（二系統試験）" not in console.get(f"{b.url}/kiosk/{office.code}/ticket", timeout=10).text
    token = _csrf(console, f"{a.url}/offices/manage/")
    today = timezone.localdate().isoformat()
    changed = console.post(f"{a.url}/offices/manage/", {
        "csrfmiddlewaretoken": token, "schedule": office.schedule_id, "kind": "closed", "office": office.pk,
        "date_from": today, "reason_ja": "本日臨時閉庁（二系統試験）", "reason_en": "Closed today (two-process test)"},
        headers={"Referer": f"{a.url}/offices/manage/"}, allow_redirects=False, timeout=10)
    assert changed.status_code == 302, changed.text[:1000]
    assert "本日臨時閉庁（二系統試験）" in console.get(f"{b.url}/kiosk/{office.code}/ticket", timeout=10).text
