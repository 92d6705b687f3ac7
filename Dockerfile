# paperdesk in a container, after OCRmyPDF's Dockerfile.
#   docker build -t paperdesk .
#   docker run --rm -v "$PWD:/data" paperdesk run scans/ --online export.xlsx --out out/
FROM python:3.11-slim-bookworm

ENV LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    # Tesseract single-threaded: paperdesk runs pages in parallel processes instead.
    OMP_THREAD_LIMIT=1

# The same Debian packages `make run` installs (scripts/system-deps.sh run).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr \
      tesseract-ocr-chi-sim \
      fonts-noto-cjk \
      ghostscript \
      libgl1 \
      libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies before the code, for layer caching: a stub package with the real metadata.
COPY pyproject.toml README.md ./
RUN mkdir -p paperdesk ingest extract checks reports forms \
 && for p in paperdesk ingest extract checks reports forms; do touch "$p/__init__.py"; done \
 && pip install . \
 && pip uninstall -y paperdesk \
 && rm -rf paperdesk ingest extract checks reports forms build

COPY paperdesk ./paperdesk
COPY ingest ./ingest
COPY extract ./extract
COPY checks ./checks
COPY reports ./reports
COPY forms ./forms
RUN pip install --no-deps . && rm -rf build

RUN useradd --create-home --uid 1000 paperdesk
USER paperdesk
WORKDIR /data

ENTRYPOINT ["paperdesk"]
CMD ["--help"]
