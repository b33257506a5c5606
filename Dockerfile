# Kuyakusho's production image: multi-stage, non-root, Python 3.13, static files collected at build.
# Build: docker build -t kuyakusho .   Run: see deploy/compose.yaml and docs/operations.md.
ARG PYTHON_IMAGE=python:3.13.1-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
COPY config ./config
COPY kuyakusho ./kuyakusho
COPY manage.py ./
# The platform's own dependencies only, at the versions the lock file pins (no test or benchmark tools).
RUN /opt/venv/bin/pip install --constraint requirements.lock . \
 && KUYAKUSHO_VAR=/app/var SECRET_KEY=collectstatic-only /opt/venv/bin/python manage.py collectstatic --noinput -v0 \
 && rm -f /app/var/secret_key

FROM ${PYTHON_IMAGE} AS runtime
# pg_dump/pg_restore for manage.py backup and restore_check; nothing else from the distribution.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin kuyakusho \
 && install -d -o kuyakusho -g kuyakusho /srv/checkpoints /srv/backups /srv/static /app/var/media
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
COPY --chown=root:root deploy/entrypoint.sh /usr/local/bin/kuyakusho
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 KUYAKUSHO_VAR=/app/var \
    AUDIT_CHECKPOINT_DIR=/srv/checkpoints BACKUP_DIR=/srv/backups LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/tmp/kuyakusho-metrics
USER kuyakusho
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)" || exit 1
ENTRYPOINT ["kuyakusho"]
CMD ["web"]
