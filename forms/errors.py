"""The one error hierarchy of paperdesk.

Stages raise these; only the CLI (`paperdesk.cli`) turns them into exit codes
and one-line messages (after OCRmyPDF's ``exceptions.py``). ``exit_code`` is
what the CLI exits with; ``BadInputError`` is per input and never stops a
batch: the runner records it as a failure and goes on.
"""

from __future__ import annotations


class PaperdeskError(Exception):
    """Base of every error paperdesk raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(PaperdeskError):
    """Bad arguments or options: the batch cannot start."""


class TemplateError(PaperdeskError):
    """A form template file is missing or invalid."""


class MissingDependencyError(PaperdeskError):
    """An outside program (Tesseract, a language pack, a browser) is missing."""


class ExportError(PaperdeskError):
    """The online export cannot be read (missing columns, bad encoding)."""


class BadInputError(PaperdeskError):
    """One scan input cannot be read; the batch goes on without it.

    The message is the reason in English (logs, developers, results.json
    ``reason``); ``reason_zh`` is the same reason for the clerk, in Chinese,
    saying what is wrong and what to do (results.json ``reason_zh``, the
    reports). Every raise in ``ingest`` sets it; None only where a caller that
    is not a reader (a test's fake stage) gives no Chinese.
    """

    def __init__(self, message: str, reason_zh: str | None = None) -> None:
        super().__init__(message)
        self.reason_zh = reason_zh


class OcrError(PaperdeskError):
    """An OCR engine failed on a page (timeout, crash)."""


class StoreError(PaperdeskError):
    """The batch store cannot be opened or written."""
