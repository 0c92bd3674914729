# Discussion Circle in a container. Build and run:
#   docker build -t discussion-circle .
#   docker run -d --restart on-failure -e TELEGRAM_BOT_TOKEN=123456:ABC... \
#     -v circle-data:/data discussion-circle
# The database lives in the /data volume; config.toml there overrides the default below.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home /data --shell /usr/sbin/nologin circle \
    && mkdir -p /data \
    && printf '[storage]\ndatabase = "/data/circle.db"\n[content]\ndirectory = "/app/content"\n' \
        > /app/config.toml \
    && chown circle:circle /data

USER circle
VOLUME ["/data"]
# The bot exits within 5 s of SIGTERM (docker stop waits 10 s), keeping what it fetched.
STOPSIGNAL SIGTERM
CMD ["circle-bot", "run", "--config", "/app/config.toml"]
