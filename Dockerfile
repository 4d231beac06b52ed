# syntax=docker/dockerfile:1
# Data-État image: the front-end files built with npm, the wheel built from them, then a slim runtime
# that installs only the wheel and runs as a non-root user. See docs/deploiement.md.
#
#   docker build -t dataetat .
#   docker run --rm -p 8000:8000 dataetat               # DuckDB in the volume /var/lib/dataetat
#   docker compose up                                     # PostgreSQL, app, worker (compose.yaml)

# 1. Front-end files (DSFR, htmx, MapLibre, ECharts, Swagger UI) from frontend/package-lock.json.
FROM node:20-bookworm-slim AS frontend
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/build.mjs ./
# build.mjs writes ../src/dataetat/web/static/vendor/
RUN mkdir -p ../src/dataetat/web/static && node build.mjs

# 2. The wheel, carrying the front-end files (setup.py finds them built: no npm in this stage).
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /build
COPY pyproject.toml setup.py README.md ./
COPY src ./src
COPY --from=frontend /build/src/dataetat/web/static/vendor ./src/dataetat/web/static/vendor
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# 3. Runtime: the wheel and its dependencies, nothing of the build, a non-root user.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATAETAT_DATABASE_URL=duckdb:////var/lib/dataetat/dataetat.duckdb \
    DATAETAT_DOSSIER_EXPORTS=/var/lib/dataetat/exports \
    DATAETAT_DOSSIER_TELEVERSEMENTS=/var/lib/dataetat/televersements \
    DATAETAT_JOURNAUX_JSON=true
RUN groupadd --system --gid 10001 dataetat \
    && useradd --system --uid 10001 --gid dataetat --home-dir /var/lib/dataetat --create-home dataetat
COPY --from=wheel /dist/ /tmp/dist/
RUN pip install /tmp/dist/dataetat-*.whl && rm -rf /tmp/dist
USER dataetat
WORKDIR /var/lib/dataetat
VOLUME ["/var/lib/dataetat"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/sante', timeout=4)"]
# Create or migrate the database, then listen on every interface of the container (the published
# port). compose.yaml runs `dataetat db init` once in its own service and `dataetat serve` here.
CMD ["sh", "-c", "dataetat db init && exec dataetat serve --host 0.0.0.0 --port 8000"]
