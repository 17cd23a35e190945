FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY pyproject.toml README.md ./
COPY facilitator ./facilitator
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir -e .
ENV FACILITATOR_DATA_DIR=/data
EXPOSE 8000
# One gevent worker per process: scale by running more containers behind the sticky proxy.
# facilitator.wsgi also starts the heartbeat, the presence sweep and the retention sweep.
CMD ["gunicorn", "--worker-class", "geventwebsocket.gunicorn.workers.GeventWebSocketWorker", "--workers", "1", "--worker-connections", "5000", "--bind", "0.0.0.0:8000", "--graceful-timeout", "10", "facilitator.wsgi:app"]
