# The production image of FusionPortal: gunicorn serves the web app; the same image runs the
# Celery worker and beat (docker-compose.yml). Build: docker build -t fusionportal .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ATTACHMENT_ROOT=/var/lib/fusionportal/attachments

# A user without a shell or a home of its own: the app never runs as root.
RUN groupadd --system --gid 10001 fusionportal \
    && useradd --system --uid 10001 --gid fusionportal --no-create-home \
       --shell /usr/sbin/nologin fusionportal

# xmlsec1 signs and checks the XML of federated sign-in (SAML, pysaml2 calls it); WeasyPrint
# lays out the PDF exports with Pango (and its fonts).
RUN apt-get update \
    && apt-get install -y --no-install-recommends xmlsec1 libpango-1.0-0 libpangoft2-1.0-0 \
       fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, in their own layer: a code change does not reinstall them. Exactly the
# versions of the runtime lock (`make lock`), each file checked against its hash. The portal
# itself is not installed: it runs from /app (pyproject.toml lists no packages).
COPY requirements/runtime.txt requirements/
RUN pip install --require-hashes -r requirements/runtime.txt

COPY . .

# Static files are collected into the image (whitenoise serves them, with hashed names).
# The placeholder secrets exist only for this command: settings refuse DEBUG=0 without them.
# Attachments live on a volume outside the static files, owned by the app user; a fresh named
# volume mounted at ATTACHMENT_ROOT takes this ownership.
RUN DEBUG=0 SECRET_KEY=collectstatic-only API_KEY_HMAC_SECRET=collectstatic-only \
    WEBHOOK_SECRET_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LXBsYWNlaG9sZGVyISE= \
    python manage.py collectstatic --noinput \
    && mkdir -p "$ATTACHMENT_ROOT" \
    && chown fusionportal:fusionportal "$ATTACHMENT_ROOT"

USER fusionportal
EXPOSE 8000
CMD ["gunicorn", "--config", "fusionportal/gunicorn.conf.py", "fusionportal.wsgi"]
