"""The HTML e-book in headless Chromium at a phone's size (412×915): it renders, keeps no
horizontal scrolling, and the screenshot is kept under test-artifacts/ (gitignored).

Skipped without /usr/bin/chromium, except with CI=true, where it must run."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from knowledge.importing.views import read_manifest_views
from knowledge.model import EntryView
from services import ebook
from tests.conftest import SEED

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WIDTH, HEIGHT = 412, 915
# headless --dump-dom keeps a window of at least 500 px: measure the page in a 412 px frame
_MEASURE = """<!DOCTYPE html><html><head><title>-</title></head><body style="margin:0">
<iframe id="f" style="width:{w}px;height:{h}px;border:0" srcdoc="{page}"></iframe>
<script>window.onload = function () {{
  var d = document.getElementById("f").contentDocument.documentElement;
  document.title = "W" + d.scrollWidth + "/" + d.clientWidth;
}};</script></body></html>"""


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true and /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("/usr/bin/chromium is not installed")
    return CHROMIUM


def run_chromium(chromium: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{HEIGHT}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def long_entry() -> EntryView:
    """An entry with an unbroken URL and long numbers: the usual causes of overflow."""
    return EntryView(
        entry_id="qu-test:1",
        document_key="qu-test",
        document_title="测试文件(仅用于版式测试)",
        path=("一、版式测试",),
        number="1.",
        title="超长内容的版式测试条目" * 3,
        body="A" * 300 + "\n" + "1234567890" * 30,
        level="区",
        source_url="https://example.org/" + "x" * 200,
        source_name="《测试文件》",
    )


def test_html_renders_on_a_phone(chromium: Path, tmp_path: Path) -> None:
    entries = [*read_manifest_views(SEED / "wuhan-2023-sme-work-plan.yaml"), long_entry()]
    exported = dt.datetime(2026, 3, 10, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    page = ebook.render(ebook.collect(entries, exported_at=exported), ebook.BookFormat.HTML)
    html_path = tmp_path / "book.html"
    html_path.write_bytes(page)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "ebook-mobile.png"
    shot.unlink(missing_ok=True)
    done = run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}", html_path.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(data) > 20_000  # not a blank page

    measured = tmp_path / "measure.html"
    harness = _MEASURE.format(w=WIDTH, h=HEIGHT, page=html.escape(page.decode("utf-8")))
    measured.write_text(harness, encoding="utf-8")
    dom = run_chromium(
        chromium, tmp_path / "profile2", "--virtual-time-budget=3000", "--dump-dom",
        measured.as_uri(),
    )  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    match = re.search(r"<title>W(\d+)/(\d+)</title>", dom.stdout)
    assert match, dom.stdout[:500]
    scroll, client = int(match.group(1)), int(match.group(2))
    assert 300 < client <= WIDTH and scroll <= client  # no horizontal scrolling
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
