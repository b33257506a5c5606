"""A "March morning" at the ward (locust): residents reading the home page, congestion, office pages and their
ticket's status; lobby and phone viewers on the live congestion stream; clerks searching the register and opening
records; convenience-store terminals issuing certificates, pausing 5–15 s between requests on one connection.
The fixture (``BENCH_LOAD_FIXTURE``) comes from ``bench/_load_setup.py``. The users are locust's FastHttpUser
(geventhttpclient): the generator shares the machine with the server, and requests' client spent about 1.6 times
the CPU per request (3.6 against 2.3 ms at 100 users), which the server lost and every figure carried as latency."""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from urllib.parse import urlsplit

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser
from requests.cookies import create_cookie

FIXTURE = json.loads(open(os.environ["BENCH_LOAD_FIXTURE"], encoding="utf-8").read())
SSE_SECONDS = float(os.environ.get("BENCH_SSE_SECONDS", "20"))


class Resident(FastHttpUser):
    weight = 70
    wait_time = between(1, 4)

    @task(3)
    def home(self):
        self.client.get("/", name="resident: home")

    @task(4)
    def congestion(self):
        self.client.get("/congestion", name="resident: congestion")

    @task(2)
    def offices(self):
        self.client.get("/offices/", name="resident: offices")

    @task(2)
    def office(self):
        self.client.get(f"/offices/{random.choice(FIXTURE['offices'])}/", name="resident: office page")

    @task(3)
    def ticket(self):
        self.client.get(f"/tickets/{random.choice(FIXTURE['tickets'])}", name="resident: ticket status")


class Viewer(FastHttpUser):
    """A lobby display or a phone following the congestion live."""

    weight = 5
    wait_time = between(1, 3)

    @task
    def stream(self):
        started = time.perf_counter()
        with self.client.get("/congestion/events", stream=True, name="sse: congestion stream",
                             catch_response=True) as response:
            try:
                for _chunk in response.iter_content(256):
                    if time.perf_counter() - started > SSE_SECONDS:
                        break
                response.success()
            except Exception as exc:  # a broken stream is a failure of this request
                response.failure(exc)


class Clerk(FastHttpUser):
    weight = 15
    wait_time = between(3, 8)

    def on_start(self):
        self.client.cookiejar.set_cookie(create_cookie("sessionid", random.choice(FIXTURE["staff_sessions"]),
                                                       domain=urlsplit(self.host).hostname, path="/"))

    @task(2)
    def search(self):
        self.client.get("/api/residents/search", params={"kana": random.choice(FIXTURE["kana"]),
                                                         "purpose": "consultation"}, name="staff: search")

    @task(2)
    def record(self):
        resident = random.choice(FIXTURE["residents"])
        self.client.get(f"/api/residents/{resident}", params={"purpose": "consultation"}, name="staff: record")
        self.client.get(f"/api/residents/{resident}/history", params={"purpose": "consultation"},
                        name="staff: history")


class Konbini(FastHttpUser):
    weight = 10
    wait_time = between(5, 15)

    def on_start(self):
        self.token = random.choice(FIXTURE["konbini"])

    @task
    def issue(self):
        self.client.post("/api/certificates/konbini/issue", name="konbini: issue",
                         json={"card_number": random.choice(FIXTURE["cards"]), "pin": FIXTURE["pin"],
                               "kind": "juminhyo"},
                         headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": uuid.uuid4().hex})
