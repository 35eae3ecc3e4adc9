"""The browser chapter of the guide and the portal's screenshots agree: every picture the
guide (or deploy.md) shows exists, and every screenshot the browser test saves into
docs/img/serve/ is shown in the guide (tests/test_serve_browser.py checks that it saves
exactly the files there)."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
SHOTS = DOCS / "img" / "serve"


def _shown(doc: str) -> set[str]:
    return set(re.findall(r"!\[[^\]]*\]\(img/serve/([^)\s]+)\)", (DOCS / doc).read_text(encoding="utf-8")))


def test_every_picture_shown_exists():
    for doc in ("guide.zh-CN.md", "deploy.md"):
        missing = sorted(name for name in _shown(doc) if not (SHOTS / name).is_file())
        assert not missing, f"{doc} shows pictures that docs/img/serve lacks: {missing}"


def test_every_screenshot_is_in_the_guide():
    saved = {p.name for p in SHOTS.glob("*.png")}
    assert {"bureau-01-first-run.png", "department-01-link.png"} <= saved
    assert sorted(saved - _shown("guide.zh-CN.md")) == []
