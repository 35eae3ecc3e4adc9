"""Where the time of one upload goes: ``python -m bench.serve_stages``.

A portal on a fresh SQLite archive in a temporary folder, a task of N departments with
their signed pre-filled forms built and filled (as bench.serve_load does); then each
department's upload is taken apart into the stages :func:`jixiao.serve.returns.receive_upload`
runs, one after the other, and each is timed (median over the departments, milliseconds):

* read: the bounded package reader (zip, XML, cells);
* template and layout: finding the template by id and version and building the layout of
  this department's pre-fill (each department's own: not cached across departments);
* verify: recomputation, every rule, the signature check;
* store: ``Archive.store`` (content-addressed blob, the return row, one transaction);
* audit: the audit line (a second transaction);
* verify in thread: read, template and layout (cached by now), verify, as one call;
* worker hop: verifying through the worker pool minus verifying in the thread (pickling
  the upload and the outcome between processes).

The HTTP layer (uvicorn, multipart parsing, the link lookup) is not in these numbers; the
load bench's per-process CPU shows it. Nothing here is asserted against a clock.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from jixiao.archive import Submission
from jixiao.read import read_package
from jixiao.read.record import open_return
from jixiao.serve import service, verifying
from jixiao.signing import Keyring
from jixiao.verify.verification import verify_return

from .serve_load import TEMPLATE_ID, _fill, _roster


def _timed(times: dict[str, list[float]], stage: str, work, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
    started = time.perf_counter()
    out = work(*args, **kw)
    times[stage].append(1000 * (time.perf_counter() - started))
    return out


def measure(n: int) -> dict[str, float]:
    """Median milliseconds per stage over ``n`` departments' first uploads."""
    times: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="jixiao-stages-") as folder:
        p = service.Portal.open(f"sqlite:///{folder}/a.sqlite", keys=Keyring.load_or_create(Path(folder) / "k"))
        task = service.create_task(p, "bench", "stages", 2023, TEMPLATE_ID, "2099-12-31")
        service.upload_roster(p, "bench", task, "单位.xlsx", _roster(n))
        service.build_forms(p, task)
        for link in service.issue_links(p, "bench", task):
            access = service.resolve_link(p, link.token)
            data = _fill(service.form_file(p, access)[1])
            path = Path(folder) / f"{access.department_code}.xlsx"
            path.write_bytes(data)
            _timed(times, "read", read_package, path)
            ret = _timed(times, "read + template and layout", open_return, path, search=p.search)
            v = _timed(times, "verify", verify_return, ret, keys=p.keys)
            stored = _timed(times, "store", p.archive.store, Submission(
                data, path.name, access.department_code, access.department_name, 2023, v.template_id,
                str(v.template_version), record=v.record, findings=[f.to_dict() for f in v.findings]))
            with p.store.write() as conn:
                _timed(times, "audit", p.store.log, conn, "bench", "收到报表", version=stored.version)
            alone = _timed(times, "verify in thread", verifying.verify_bytes, path.name, data, p.search, p.keys)
            _timed(times, "verify via worker", verifying.verify_upload, path.name, data, p.search, p.keys)
            assert alone.status == "已通过"
        verifying.shutdown()
        p.close()
    out = {k: statistics.median(v[1:]) for k, v in times.items()}  # the first: cold caches, a new pool
    out["template and layout"] = out.pop("read + template and layout") - out["read"]
    out["worker hop"] = out.pop("verify via worker") - out["verify in thread"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=12, help="departments")
    args = ap.parse_args(argv)
    for stage, ms in measure(args.n).items():
        print(f"  {stage:<22} {ms:6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
