"""Tickets, calling, lobby display and congestion working together in the browser, with live updates.

Server-sent events need an ASGI server: this test starts uvicorn (as `make run` does) on the test
database, on 127.0.0.1 and a free port, and drives four browser tabs against it: the ticket machine,
the clerk's calling screen, the lobby display and the residents' congestion page.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import PASSWORD, TOTP_KEY, totp_code

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
ROOT = Path(__file__).resolve().parents[2]


SETUP = f"""
from datetime import time
from kuyakusho.accounts.capabilities import Role
from kuyakusho.accounts.models import Staff
from kuyakusho.demo.offices import create_offices
from kuyakusho.offices.models import Office, OpeningRule, Schedule, SpecialDay
create_offices()
s = Schedule.objects.get(code="offices")
SpecialDay.objects.filter(schedule=s).delete()  # open whatever the hour the test runs at
OpeningRule.objects.create(schedule=s, days="mon,tue,wed,thu,fri,sat,sun,hol", opens=time(0), closes=time(23, 59, 59))
clerk = Staff.objects.create_user(username="madoguchi", password={PASSWORD!r}, role=Role.CLERK, display_name="窓口 e2e")
clerk.offices.set([Office.objects.get(code="nerima")])
from django_otp.plugins.otp_totp.models import TOTPDevice
TOTPDevice.objects.create(user=clerk, name="authenticator", key={TOTP_KEY!r}, confirmed=True)
"""


@pytest.fixture
def asgi_server(tmp_path):
    """uvicorn, as `make run` starts it, on its own scratch SQLite database (a file: another process reads it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "KUYAKUSHO_VAR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
           "DEBUG": "1", "LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "127.0.0.1"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0", "--noinput"], cwd=ROOT, env=env, check=True, timeout=300)
    subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=120)
    server = subprocess.Popen([str(Path(sys.executable).parent / "uvicorn"), "config.asgi:application", "--host",
                               "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log",
                               "--timeout-graceful-shutdown", "2"],
                              cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"{url}/api/queues/congestion", timeout=2).close()  # noqa: S310 (loopback)
            break
        time.sleep(0.2)
    yield url
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


def test_ticket_call_display_and_congestion_live(browser, asgi_server, shot):
    elsewhere: list[str] = []

    def tab(width=1280, height=900):
        context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": height},
                                      base_url=asgi_server)
        p = context.new_page()
        p.on("request", lambda r: None if r.url.startswith(asgi_server) or r.url.startswith("data:")
             else elsewhere.append(r.url))
        return p

    display, congestion, kiosk, clerk = tab(1600, 900), tab(), tab(), tab()
    display.goto("/display/nerima")
    congestion.goto("/congestion")
    nerima = congestion.locator('[data-office="nerima"] tr[data-service="todoke"]')
    assert nerima.locator('[data-field="waiting"]').inner_text() == "0"
    congestion.wait_for_selector("[data-live-state]:has-text('自動更新中')")

    # 1. A resident takes a ticket for 届出 at the ticket machine.
    kiosk.goto("/kiosk/tickets/")
    kiosk.get_by_role("link", name="練馬区民事務所").click()
    kiosk.get_by_role("button", name="届出").click()
    kiosk.wait_for_selector("#ticket-number")
    assert "A-001" in kiosk.locator("#ticket-number").inner_text()
    assert kiosk.locator(".ticket-card__qr svg").count() == 1
    shot(kiosk, "queues-1-ticket")

    # 2. The congestion page updates without reloading.
    nerima.locator('[data-field="waiting"]:text-is("1")').wait_for(timeout=5000)
    shot(congestion, "queues-2-congestion-one-waiting")

    # 3. The ticket holder follows the QR code to their status page.
    status_url = kiosk.locator(".ticket-card__url").inner_text()
    holder = tab(390, 844)
    holder.goto(status_url[status_url.index("/tickets/"):])
    holder.wait_for_selector("[data-ticket-position]:has-text('まもなく呼ばれます')")

    # 4. A clerk at counter 2 calls the next ticket.
    clerk.goto("/console/login/")
    log_in(clerk, "madoguchi", code=totp_code())
    clerk.goto("/console/queues/")
    clerk.get_by_role("link", name="2番窓口").click()
    clerk.get_by_role("button", name="次の方を呼出").click()
    clerk.wait_for_selector("text=A-001 を呼び出しました")
    shot(clerk, "queues-3-calling-screen")

    # 5. The lobby display, the congestion page and the holder's page follow live.
    display.locator(".display__item--called .display__number:text-is('A-001')").wait_for(timeout=5000)
    assert "2番窓口" in display.locator(".display__item--called").inner_text()
    shot(display, "queues-4-display")
    nerima.locator('[data-field="waiting"]:text-is("0")').wait_for(timeout=5000)
    holder.wait_for_selector("[data-ticket-position]:has-text('2番窓口へお越しください')", timeout=5000)
    shot(holder, "queues-5-holder-called")

    # 6. Serve and finish; a closed service at the kiosk is refused with a clear message.
    clerk.get_by_role("button", name="受付開始").click()
    clerk.get_by_role("button", name="完了").click()
    clerk.wait_for_selector("text=A-001 を完了しました")
    display.locator(".display__empty").wait_for(timeout=5000)
    holder.wait_for_selector("[data-ticket-position]:has-text('受付は終わりました')", timeout=5000)
    clerk.get_by_role("button", name="次の方を呼出").click()
    clerk.wait_for_selector("text=でお待ちの方はいません")
    shot(clerk, "queues-6-empty-queue")
    congestion.goto("/congestion/nerima/best-time")
    shot(congestion, "queues-7-best-time")
    assert not elsewhere, elsewhere
