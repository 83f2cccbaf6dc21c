FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
COPY samples ./samples
RUN pip install --no-cache-dir . && useradd --create-home newsflow && chown newsflow /app
USER newsflow
CMD ["newsflow", "--help"]
