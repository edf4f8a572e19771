# policybot in a container: `docker compose up` with compose.yaml, or alone with
# POLICYBOT_* variables (docs/deploy.md). Webhook mode on port 8443, /healthz on the same port.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    POLICYBOT_DATA_DIR=/data \
    POLICYBOT_WEBHOOK_LISTEN=0.0.0.0 \
    POLICYBOT_WEBHOOK_PORT=8443

WORKDIR /app
# catdoc reads .doc/.wps uploads; a CJK font gives the statistics chart Chinese labels
RUN apt-get update \
    && apt-get install -y --no-install-recommends catdoc fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*
# The pinned dependencies with every optional extra, each checked against its hash
# (./deploy/refresh-lock.sh makes both locks); this layer is rebuilt only when a lock changes.
COPY deploy/build-requirements.lock deploy/requirements.lock ./deploy/
RUN pip install --require-hashes --no-deps -r deploy/build-requirements.lock \
    && pip install --require-hashes --no-deps --no-build-isolation -r deploy/requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY policybot_localapi ./policybot_localapi
COPY scheduler ./scheduler
COPY services ./services
COPY storage ./storage
# policybot itself, from the locked packages only; the image fails to build when the lock
# misses a dependency (pip check) or an optional extra (require)
RUN pip install --no-deps --no-build-isolation . \
    && pip check \
    && python -c "from knowledge.extras import EXTRAS, require; [require(e) for e in EXTRAS]" \
    && useradd --system --create-home --home-dir /data policybot

USER policybot
EXPOSE 8443
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8443/healthz', timeout=4)"]
CMD ["policybot", "run", "--webhook"]
