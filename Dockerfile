# MyMovieList image: the wheel (migrations, templates, static files and demo catalog inside) with the
# serve, postgres and redis extras, run by an unprivileged user. `docker compose up` runs it with
# PostgreSQL and Redis (compose.yaml); on its own, with SQLite in the instance volume:
#   docker build -t mymovielist .
#   docker run --rm -v mymovielist:/var/lib/mymovielist mymovielist mymovielist db upgrade
#   docker run -d -p 127.0.0.1:8000:8000 -v mymovielist:/var/lib/mymovielist mymovielist

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY mymovielist ./mymovielist
COPY migrations ./migrations
RUN pip install --no-cache-dir --disable-pip-version-check "setuptools>=70.1" \
    && pip wheel --no-cache-dir --disable-pip-version-check --no-deps --no-build-isolation --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MYMOVIELIST_INSTANCE_PATH=/var/lib/mymovielist \
    BIND=0.0.0.0:8000
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir "$(ls /wheels/mymovielist-*.whl)[serve,postgres,redis]" && rm -rf /wheels
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin mymovielist \
    && mkdir -p /var/lib/mymovielist \
    && chown mymovielist:mymovielist /var/lib/mymovielist
WORKDIR /app
COPY gunicorn.conf.py wsgi.py ./
USER mymovielist
VOLUME ["/var/lib/mymovielist"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('BIND', '0.0.0.0:8000').rpartition(':')[2], timeout=4)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
