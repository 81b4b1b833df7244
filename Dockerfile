# The production image: gunicorn serves the console (static files by whitenoise);
# the same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml .python-version ./
RUN pip install --upgrade pip && pip install --group runtime

COPY . .
# collectstatic needs settings to load; these throwaway values exist only in this build step.
RUN SECRET_KEY=collectstatic-only CREDENTIAL_KEYS=k0eNtLvAbGT3yD4_8ZpXq2mJcW9sHfR1uE6iOaV7bYw= \
    READ_DOT_ENV=false python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 bitium && mkdir -p var && chown -R bitium var

USER bitium
EXPOSE 8000
CMD ["gunicorn", "bitium.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
