"""Fixtures shared by test modules: the review screen's batch (``pristine`` built once per module,
``batch`` a copy of it per test, ``client`` a fresh app on that copy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web_fixture import TestClient, WebBatch, client_for, copy_batch, make_batch


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> WebBatch:
    return make_batch(tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def batch(pristine: WebBatch, tmp_path: Path) -> WebBatch:
    return copy_batch(pristine, tmp_path)


@pytest.fixture
def client(batch: WebBatch) -> TestClient:
    return client_for(batch.db_url)
