# One image for the three apps; docker-compose.yml runs `forge serve APP` in each
# container, the same command that serves them on a laptop (forge/servers.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# HAProxy, in front of every app server (forge/haproxy.cfg): Debian's, as on a laptop.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends haproxy \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY contract ./contract
COPY forge ./forge
COPY forge_conformance ./forge_conformance
COPY apps ./apps
# Editable, as in the README: forge conformance reads contract/ beside its package.
RUN python -m pip install -e . \
    && useradd --create-home forge \
    && mkdir data && chown forge data
USER forge

EXPOSE 8000 8001 8002 8003
CMD ["forge", "serve", "--host", "0.0.0.0"]
