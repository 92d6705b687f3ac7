"""One validated options object for a batch, filled from the CLI or the API alike.

After OCRmyPDF's ``OcrOptions``: validation happens once, here; nothing deep
in a stage reads an environment variable.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

OcrEngineName = Literal["tesseract", "rapidocr", "hybrid"]
CountRule = Literal["word", "chars"]


class RunOptions(BaseModel):
    """Everything ``paperdesk run`` needs."""

    model_config = ConfigDict(extra="forbid")

    scans: list[Path] = Field(min_length=1)
    online: Path
    out: Path = Path("out")
    form: str = "kczg-2020"
    jobs: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256)
    dpi: int = Field(default=300, ge=100, le=600)
    ocr_engine: OcrEngineName = "hybrid"
    count_rule: CountRule = "word"
    db: str | None = None  # SQLAlchemy URL or path; default: out/paperdesk.db
    cluster: str | None = None  # tcp://HOST:PORT of a Dask scheduler
    force: bool = False  # re-read inputs even when cached
    debug_dir: Path | None = None
    quiet: bool = False
    verbose: bool = False
    sender: str = "学会联合体秘书处"
    reply_by: dt.date | None = None
    batch_date: dt.date = Field(default_factory=dt.date.today)

    @field_validator("cluster")
    @classmethod
    def _cluster_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("tcp://", "tls://", "inproc://")):
            raise ValueError("--cluster takes a scheduler address like tcp://HOST:8786")
        return value

    @property
    def db_url(self) -> str:
        """The store's SQLAlchemy URL (a bare path means a SQLite file)."""
        if self.db is None:
            return f"sqlite:///{(self.out / 'paperdesk.db').resolve()}"
        if "://" in self.db:
            return self.db
        return f"sqlite:///{Path(self.db).resolve()}"


def db_url_from(value: str) -> str:
    """``--db`` as given to ``serve`` and ``report``: a URL, or a path to a SQLite file."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).resolve()}"
