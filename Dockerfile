# eventapp for production: gunicorn (web) or the huey consumer (worker) from one image.
# Fonts and HarfBuzz are the ones printing needs: Noto Sans, Noto Sans CJK, hb-subset.

# The door page's QR reader, from the npm registry (package-lock.json), as `make install` does.
FROM node:20-slim AS door-vendor
WORKDIR /build
COPY package.json package-lock.json ./
RUN mkdir -p eventapp/static && npm ci --no-audit --no-fund --loglevel=error && npm run --silent vendor

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    EVENTAPP_INSTANCE=/srv/instance
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      fonts-noto-core fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/eventapp
# The exact versions the tests passed with, then the app itself.
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=door-vendor /build/eventapp/static/vendor eventapp/static/vendor
RUN pip install --no-cache-dir --no-deps -e . \
 && pybabel compile -d eventapp/translations \
 && useradd --system --home /srv --uid 10001 eventapp \
 && mkdir -p /srv/instance && chown eventapp /srv/instance
USER eventapp

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
# The web server, with the settings of eventapp/gunicorn_conf.py (threads: browsers' idle
# connections do not hold the workers); the worker service overrides the command (see compose.yaml).
CMD ["gunicorn", "-c", "eventapp/gunicorn_conf.py", "-w", "4", "-b", "0.0.0.0:8000", \
     "--access-logfile", "-", "--logger-class", "eventapp.serving.RedactingAccessLogger", \
     "eventapp:create_app()"]
