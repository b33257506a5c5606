#!/bin/sh
# The container's roles: web (uvicorn workers), worker (Django tasks), scheduler (periodic jobs), migrate, or any
# manage.py command. See docs/operations.md.
set -eu
case "${1:-web}" in
  web)
    # Each start begins with an empty metrics folder (prometheus_client's multiprocess mode).
    rm -rf "${PROMETHEUS_MULTIPROC_DIR:?}" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    # The proxy serves /static/ from the shared volume (hashed names, cached for a year).
    if [ -d /srv/static ] && [ -w /srv/static ]; then cp -r /app/var/static/. /srv/static/; fi
    exec uvicorn config.asgi:application --host 0.0.0.0 --port 8000 \
      --workers "${WEB_CONCURRENCY:-2}" --lifespan off --no-access-log \
      --proxy-headers --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}" \
      --timeout-keep-alive "${KEEPALIVE_TIMEOUT:-75}" --timeout-graceful-shutdown 20
    ;;
  worker) exec python manage.py db_worker --no-reload --queue-name '*' ;;
  scheduler) exec python manage.py run_schedule ;;
  migrate) exec python manage.py migrate --noinput ;;
  *) exec python manage.py "$@" ;;
esac
