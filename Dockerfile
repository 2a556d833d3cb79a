# Cloud Run image of the gbess webhook (see README "Deployment").
#   gcloud builds submit --tag "$REGION-docker.pkg.dev/$PROJECT/gbess/webhook"
# Secrets are never baked in: GBESS_HMAC_SECRET comes from Secret Manager at deploy time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes reuse this layer.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY pyproject.toml README.md ./
COPY engine ./engine
COPY jobs ./jobs
COPY server ./server
# Compile the numba kernels into the image (numba's cache beside the installed modules),
# so a new instance's first battery request does not spend tens of seconds compiling.
RUN pip install --no-deps . \
    && python -c "from engine.dispatch import warm_up; warm_up()" \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin gbess

USER 10001

# Cloud Run sets PORT; the service must listen on all interfaces inside the container.
# Reference data is mounted read-only at /data (Cloud Storage volume); writable state
# goes to /tmp (Cloud Run's in-memory filesystem). The warehouse is BigQuery in production.
ENV GBESS_HOST=0.0.0.0 \
    PORT=8080 \
    GBESS_DATA_DIR=/data \
    GBESS_VAR_DIR=/tmp/gbess
EXPOSE 8080

# Probes are set on the Cloud Run service, not here (Cloud Run ignores HEALTHCHECK):
#   startup probe  -> GET /health       200 once the reference tables load and the
#                                       warehouse holds data; 503 names what is missing
#   liveness probe -> GET /health/live  200 while serving, no I/O: a warehouse busy with a
#                                       write must not get a healthy container restarted
# See README "Cloud Run" for the probe settings.

CMD ["gunicorn", "--config", "python:server.gunicorn_conf", "server.app:create_app()"]
