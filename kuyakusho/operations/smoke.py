"""The smoke test of a running installation: what the reverse proxy and an operator check first. Used by the
process setup's test, the compose test and by hand: ``python -m kuyakusho.operations.smoke https://host``."""

from __future__ import annotations

import re
import sys

import requests


def smoke(base: str, *, verify: bool | str = True, timeout: float = 20.0) -> list[str]:
    """Check a running installation at ``base``; returns what was checked, raises AssertionError on a failure."""
    done: list[str] = []
    session = requests.Session()
    session.verify = verify
    alive = session.get(f"{base}/healthz", timeout=timeout)
    assert alive.status_code == 200, f"/healthz {alive.status_code}"
    done.append("healthz")
    ready = session.get(f"{base}/readyz", timeout=timeout)
    assert ready.status_code == 200, f"/readyz {ready.status_code} {ready.text[:300]}"
    done.append("readyz")
    home = session.get(f"{base}/", timeout=timeout)
    assert home.status_code == 200 and home.headers.get("X-Request-ID"), f"/ {home.status_code}"
    done.append("home page")
    css = re.search(r'href="(/static/[^"]+\.css)"', home.text)
    assert css, "no stylesheet on the home page"
    static = session.get(f"{base}{css.group(1)}", timeout=timeout)
    assert static.status_code == 200, f"{css.group(1)} {static.status_code}"
    assert "max-age=31536000" in static.headers.get("Cache-Control", ""), static.headers.get("Cache-Control")
    done.append("static files cached for a year")
    with session.get(f"{base}/congestion/events", stream=True, timeout=(timeout, timeout)) as events:
        assert events.status_code == 200, f"/congestion/events {events.status_code}"
        assert events.headers.get("Content-Type", "").startswith("text/event-stream")
        # The stream's first line arrives at once (nothing between holds it back): the reconnection delay.
        first = next(str(line) for line in events.iter_lines(decode_unicode=True) if line)
        assert first.startswith(("retry:", "data:", "event:")), first[:100]
    done.append("live congestion stream")
    return done


if __name__ == "__main__":
    insecure = "--insecure" in sys.argv
    url = next(a for a in sys.argv[1:] if not a.startswith("--"))
    for item in smoke(url.rstrip("/"), verify=not insecure):
        print("ok", item)
