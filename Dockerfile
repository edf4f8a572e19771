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
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY policybot_localapi ./policybot_localapi
COPY scheduler ./scheduler
COPY services ./services
COPY storage ./storage
RUN pip install ".[all]" \
    && useradd --system --create-home --home-dir /data policybot

USER policybot
EXPOSE 8443
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8443/healthz', timeout=4)"]
CMD ["policybot", "run", "--webhook"]
