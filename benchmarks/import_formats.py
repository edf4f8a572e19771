"""Folder import benchmark: 12 documents (3 test documents of ``tests/fixtures/formats``
in 4 variants each, each variant with its own title and 文号) as .doc, .pdf, .html and
.docx, imported by ``policybot kb import DIR`` into a fresh SQLite database on one core
(the process is pinned to CPU 0), then imported again (nothing changes).

    python benchmarks/import_formats.py            # needs fpdf2 and fonts-wqy-zenhei

Reported: the wall time of the whole command (start-up, the bundled knowledge base, the
12 files, the index), the time of the files alone (in-process ``import_files``), and the
time each reader takes per file. Target: under 30 s for the command.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.importing.formats import read_file  # noqa: E402
from services.knowledge import KnowledgeBase, collect_paths  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from tests.fixtures.formats.documents import DOCUMENTS, Document  # noqa: E402
from tests.fixtures.formats.generate import docx_bytes, html_text, pdf_bytes  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "formats"
TARGET_SECONDS = 30.0


def variant(doc: Document, number: int) -> Document:
    """The document under another title and 文号 (a distinct document for the import)."""
    title = doc.lines[0].replace("若干", f"第{number}批若干")
    doc_number = doc.lines[1].replace("号", f"{number}号")
    lines = (title, doc_number, *doc.lines[2:])
    return dataclasses.replace(doc, name=f"{doc.name}-{number}", lines=lines)


def write_folder(folder: Path) -> None:
    for doc in DOCUMENTS:
        shutil.copy(FIXTURES / f"{doc.name}.doc", folder / f"{doc.name}.doc")
        (folder / f"{doc.name}-1.pdf").write_bytes(pdf_bytes(variant(doc, 1)))
        (folder / f"{doc.name}-2.html").write_text(html_text(variant(doc, 2)), encoding="utf-8")
        (folder / f"{doc.name}-3.docx").write_bytes(docx_bytes(variant(doc, 3)))


def main() -> None:
    os.sched_setaffinity(0, {0})  # one core, for this process and the command it starts
    with tempfile.TemporaryDirectory(prefix="policybot-import-bench-") as tmp:
        folder = Path(tmp) / "folder"
        folder.mkdir()
        write_folder(folder)
        files = collect_paths([folder])
        print(f"{len(files)} files: " + ", ".join(sorted({p.suffix for p in files})))

        per_kind: dict[str, list[float]] = {}
        for path in files:
            start = time.perf_counter()
            read = read_file(path.name, path.read_bytes())
            per_kind.setdefault(read.kind, []).append(time.perf_counter() - start)
        for kind, times in sorted(per_kind.items()):
            print(f"  read {kind:5s}: {1000 * sum(times) / len(times):7.1f} ms per file")

        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
        env.update(POLICYBOT_DATA_DIR=str(Path(tmp) / "cli"), COLUMNS="200")
        exe = shutil.which("policybot") or "policybot"
        for run in ("first", "again"):
            start = time.perf_counter()
            proc = subprocess.run(
                [exe, "kb", "import", str(folder)], env=env, capture_output=True, text=True,
                check=False,
            )  # fmt: skip
            seconds = time.perf_counter() - start
            unchanged = proc.stdout.count("新增 0,修改 0,删除 0")
            print(
                f"policybot kb import DIR ({run}): {seconds:5.1f} s, exit {proc.returncode}, "
                f"{unchanged}/{len(files)} files unchanged (target < {TARGET_SECONDS:.0f} s)"
            )
            if proc.returncode != 0:
                print(proc.stderr[-2000:])

        engine = make_engine(f"sqlite:///{Path(tmp) / 'inproc.db'}")
        upgrade(engine)
        service = KnowledgeBase(engine)
        start = time.perf_counter()
        results = service.import_files(files)
        seconds = time.perf_counter() - start
        saved = sum(r.report is not None for r in results)
        entries = sum(len(r.report.added) for r in results if r.report is not None)
        print(f"import_files in process: {seconds:5.1f} s for {saved} files, {entries} entries")
        engine.dispose()


if __name__ == "__main__":
    main()
