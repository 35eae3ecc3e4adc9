"""Uploads are verified in worker processes (jixiao.serve.verifying): the same outcome as
verifying in the server's own thread, and a stopped pool is replaced by the next upload."""

from __future__ import annotations

from pathlib import Path

from jixiao.paths import TemplateSearchPath
from jixiao.serve import verifying
from jixiao.signing import Keyring

ROOT = Path(__file__).resolve().parent.parent


def _outcome(v) -> tuple:
    return v.template_id, v.template_version, str(v.status), [f.to_dict() for f in v.findings], v.record, v.origin


def test_a_worker_verifies_as_the_server_thread_would():
    data = (ROOT / "dist" / "guizhou-zhengti.xlsx").read_bytes()
    search, keys = TemplateSearchPath.for_reading(), Keyring((b"k" * 32,))
    here = verifying.verify_bytes("blank.xlsx", data, search, keys)
    assert here.findings and not here.unreadable  # a blank form: read, with its empty inputs found
    try:
        verifying.start()  # every worker up before the first upload (jixiao serve does this)
        pooled = verifying.verify_upload("blank.xlsx", data, search, keys)
        assert _outcome(pooled) == _outcome(here)
        verifying.shutdown()
        again = verifying.verify_upload("blank.xlsx", data, search, keys)  # a new pool
        assert _outcome(again) == _outcome(here)
        broken = verifying.verify_upload("x.xlsx", b"PK\x03\x04 not a zip", search, keys)
        assert broken.unreadable and broken.findings[0].severity == "error"
    finally:
        verifying.shutdown()
