"""LibreOffice Calc as a real spreadsheet engine: recalculate, print to PDF, type into cells.

xlsxwriter stores a cached ``0`` for every formula. A viewer that does not recalculate on
load shows those zeros; this module makes LibreOffice recompute every formula and save
the result, so tests can read true cached values back with ``openpyxl`` (``data_only``).

Every call starts its own ``soffice`` with a fresh, throw-away profile (one profile per
process: a second soffice on the same profile hands its job to the first and exits). The
profile is written before the first start and sets Calc's load-time recalculation of
OOXML and ODF files to "always" and the locale to en-US (so "85.3" typed is a number).
The process runs in its own process group; on a timeout, or when the call ends, the
whole group is killed, so no ``soffice.bin`` is left behind.

soffice exits 0 even when it could not load a file, so every expected output is checked
and :class:`LibreOfficeError` names the inputs that produced nothing.

Python-UNO (``import uno``) only works with the interpreter LibreOffice was built for
(Debian's ``/usr/bin/python3``) and installs an import hook, so it is never imported here:
:func:`fill_by_typing` runs the standalone script ``uno_fill.py`` in that interpreter and
exchanges JSON files with it. When Calc refuses input into a locked cell it opens a
message box; the script reads and disposes it at once, because with the no-GUI packages
(``libreoffice-calc-nogui``) a box left open makes soffice abort on the next command (the
formula bar it then builds has no UI file).

Example::

    from calc import libreoffice as lo

    if lo.available():
        out = lo.recalculate([Path("form.xlsx")], Path("recalculated"))
        print(out[Path("form.xlsx")])  # recalculated/form.xlsx
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "FillResult",
    "LibreOfficeError",
    "available",
    "convert_to_pdf",
    "fill_by_typing",
    "recalculate",
    "soffice_path",
    "typing_available",
    "uno_python",
]

XLSX_FILTER = "Calc MS Excel 2007 XML"
PDF_FILTER = "calc_pdf_Export"
UNO_FILL_SCRIPT = Path(__file__).with_name("uno_fill.py")

# Environment variables that override discovery (e.g. a LibreOffice installed in /opt).
SOFFICE_ENV = "JIXIAO_SOFFICE"
UNO_PYTHON_ENV = "JIXIAO_UNO_PYTHON"

_CELL_RE = re.compile(r"^\$?([A-Z]{1,3})\$?([1-9][0-9]{0,6})$")
_TAIL = 2000  # characters of soffice's output quoted in error messages
_GRACE = 10.0  # seconds the UNO script may run on after soffice has exited


class LibreOfficeError(Exception):
    """LibreOffice could not do what was asked (missing output, timeout, UNO failure).

    ``missing`` lists the inputs that produced no output; ``outputs`` maps the inputs
    that did to their output files (they were still moved to ``outdir``).

    Example::

        try:
            recalculate([Path("broken.xlsx")], Path("out"))
        except LibreOfficeError as exc:
            print(exc.missing)  # [PosixPath('broken.xlsx')]
    """

    def __init__(
        self,
        message: str,
        *,
        missing: Sequence[Path] = (),
        outputs: dict[Path, Path] | None = None,
    ) -> None:
        super().__init__(message)
        self.missing: list[Path] = list(missing)
        self.outputs: dict[Path, Path] = dict(outputs or {})


Entry = tuple[str, str, str]


@dataclass(frozen=True)
class FillResult:
    """Outcome of :func:`fill_by_typing`: which typed entries the sheet took or refused.

    Example::

        result = fill_by_typing(src, dst, [("Sheet1", "D7", "85.3")])
        assert not result.refused
    """

    accepted: list[Entry] = field(default_factory=list)
    refused: list[Entry] = field(default_factory=list)
    #: Why each refused entry was refused, in the order of ``refused`` (LibreOffice's own
    #: message when it showed one, e.g. "Protected cells can not be modified.").
    reasons: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- discovery


def soffice_path() -> str | None:
    """Return the path of the ``soffice`` launcher, or None when LibreOffice is missing.

    ``$JIXIAO_SOFFICE`` wins; then ``soffice``/``libreoffice`` on PATH, then the usual
    install locations.

    Example::

        >>> soffice_path()  # doctest: +SKIP
        '/usr/bin/soffice'
    """
    override = os.environ.get(SOFFICE_ENV)
    if override:
        return override if _is_executable(override) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = [
        "/usr/lib/libreoffice/program/soffice",
        "/opt/libreoffice/program/soffice",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
        r"C:\Program Files\LibreOffice\program\soffice.exe",
    ]
    candidates += sorted(str(p) for p in Path("/opt").glob("libreoffice*/program/soffice"))
    return next((c for c in candidates if _is_executable(c)), None)


def available() -> bool:
    """True when a LibreOffice ``soffice`` can be started.

    Example::

        >>> available()  # doctest: +SKIP
        True
    """
    return soffice_path() is not None


@functools.cache
def uno_python() -> str | None:
    """Return a Python interpreter that can ``import uno``, or None.

    ``$JIXIAO_UNO_PYTHON`` wins; then the interpreter bundled with LibreOffice (Windows,
    macOS), then Debian's ``/usr/bin/python3`` (package ``python3-uno``). The answer is
    cached for the life of the process.

    Example::

        >>> uno_python()  # doctest: +SKIP
        '/usr/bin/python3'
    """
    candidates: list[str] = []
    override = os.environ.get(UNO_PYTHON_ENV)
    if override:
        candidates.append(override)
    soffice = soffice_path()
    if soffice:
        program = Path(soffice).resolve().parent
        candidates += [str(program / "python"), str(program / "python.exe")]
    candidates.append("/usr/bin/python3")
    for candidate in candidates:
        if not _is_executable(candidate):
            continue
        try:
            probe = subprocess.run(
                [candidate, "-c", "import uno"],
                env=_uno_env(),
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return candidate
    return None


def typing_available() -> bool:
    """True when :func:`fill_by_typing` can run (soffice and a Python with ``uno``).

    Example::

        >>> typing_available()  # doctest: +SKIP
        True
    """
    return available() and uno_python() is not None


# --------------------------------------------------------------------------- conversion


def recalculate(paths: Sequence[Path], outdir: Path, *, timeout: float = 300) -> dict[Path, Path]:
    """Recalculate every workbook in one soffice start and save it as xlsx in ``outdir``.

    Each output keeps its input's stem (``a/form.xlsx`` -> ``outdir/form.xlsx``); inputs
    that share a stem get ``-2``, ``-3``... in the order given. An output may not
    overwrite an input (``ValueError``). Raises :class:`LibreOfficeError` naming the inputs
    that produced no output (soffice itself exits 0 then), or on timeout.

    Example::

        out = recalculate([Path("a/form.xlsx"), Path("b/form.xlsx")], Path("out"))
        # {Path('a/form.xlsx'): Path('out/form.xlsx'), Path('b/form.xlsx'): Path('out/form-2.xlsx')}
    """
    return _convert(paths, outdir, "xlsx", f"xlsx:{XLSX_FILTER}", timeout=timeout)


def convert_to_pdf(
    paths: Sequence[Path], outdir: Path, *, timeout: float = 300
) -> dict[Path, Path]:
    """Recalculate every workbook in one soffice start and print it to PDF in ``outdir``.

    Same naming, batching and error rules as :func:`recalculate`; inputs that are not
    spreadsheets are refused (the Calc PDF filter is forced).

    Example::

        pdfs = convert_to_pdf([Path("form.xlsx")], Path("pdf"))
        # {Path('form.xlsx'): Path('pdf/form.pdf')}
    """
    return _convert(paths, outdir, "pdf", f"pdf:{PDF_FILTER}", timeout=timeout)


def _convert(
    paths: Sequence[Path], outdir: Path, ext: str, convert_to: str, *, timeout: float
) -> dict[Path, Path]:
    inputs = [Path(p) for p in paths]
    for path in inputs:
        if not path.is_file():
            raise FileNotFoundError(f"no such workbook: {path}")
    if not inputs:
        return {}
    outdir = Path(outdir)
    plan = _plan_outputs(inputs, outdir, ext)
    soffice = _require_soffice()

    with _workdir() as work:
        stage, tmp_out = work / "in", work / "out"
        stage.mkdir()
        tmp_out.mkdir()
        # Stage a copy of each distinct input under its final stem: one soffice call then
        # handles same-named inputs from different folders, and the outputs land in a
        # folder that differs from every input folder.
        staged: dict[Path, Path] = {}  # resolved input -> staged copy
        for key, final in plan.items():
            copy = stage / f"{final.stem}{key.suffix}"
            shutil.copyfile(key, copy)
            staged[key] = copy
        profile = _make_profile(work / "profile")
        cmd = [
            soffice,
            *_soffice_flags(profile),
            "--convert-to",
            convert_to,
            "--outdir",
            str(tmp_out),
            *(str(p) for p in staged.values()),
        ]
        proc = _run_group(cmd, work, timeout=timeout, what=f"converting {len(staged)} file(s)")
        said = proc.output
        for key, copy in staged.items():  # speak of the caller's files, not our copies
            said = said.replace(str(copy), str(key))

        outdir.mkdir(parents=True, exist_ok=True)
        done: dict[Path, Path] = {}  # resolved input -> final output
        missing: list[Path] = []
        for key, final in plan.items():
            produced = tmp_out / final.name
            if produced.is_file() and produced.stat().st_size > 0:
                shutil.move(produced, final)
                done[key] = final
            else:
                missing.append(key)

    result = {p: done[p.resolve()] for p in inputs if p.resolve() in done}
    if missing:
        names = [p for p in inputs if p.resolve() in missing]
        raise LibreOfficeError(
            f"LibreOffice produced no {ext} for {len(missing)} of {len(plan)} input(s): "
            + ", ".join(str(p) for p in names)
            + f"; soffice exited {proc.returncode} and said:\n{said}",
            missing=names,
            outputs=result,
        )
    return result


def _plan_outputs(inputs: Sequence[Path], outdir: Path, ext: str) -> dict[Path, Path]:
    """Map each distinct (resolved) input to a unique output path in ``outdir``."""
    plan: dict[Path, Path] = {}
    taken: set[str] = set()
    resolved_inputs = {p.resolve() for p in inputs}
    for path in inputs:
        key = path.resolve()
        if key in plan:
            continue
        stem, n = path.stem, 1
        while f"{stem}.{ext}".casefold() in taken:
            n += 1
            stem = f"{path.stem}-{n}"
        taken.add(f"{stem}.{ext}".casefold())
        final = outdir / f"{stem}.{ext}"
        if final.resolve() in resolved_inputs:
            raise ValueError(f"output {final} would overwrite an input; choose another outdir")
        plan[key] = final
    return plan


# --------------------------------------------------------------------------- typing


def fill_by_typing(
    src: Path, dst: Path, entries: Sequence[Entry], *, timeout: float = 120
) -> FillResult:
    """Type text into cells the way a person would, then save the workbook as xlsx.

    Each entry is ``(sheet_name, cell_address, text)``. The cell is reached with
    ``.uno:GoToCell`` and the text entered with ``.uno:EnterString`` (the keyboard path),
    so sheet protection refuses locked cells; a cell whose content did not change (or
    that could not be selected) is reported as refused. Validation is *not* enforced by
    this path. The workbook is recalculated on load and stored to ``dst`` as xlsx.

    Example::

        result = fill_by_typing(
            Path("blank.xlsx"), Path("filled.xlsx"),
            [("自评表", "D7", "85.3"), ("自评表", "A1", "tampered")],
        )
        result.accepted  # [('自评表', 'D7', '85.3')]
        result.refused   # [('自评表', 'A1', 'tampered')]
    """
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise FileNotFoundError(f"no such workbook: {src}")
    clean = [_check_entry(e) for e in entries]
    soffice = _require_soffice()
    python = uno_python()
    if python is None:
        raise LibreOfficeError(
            "no Python interpreter with the 'uno' module (install python3-uno, or set "
            f"${UNO_PYTHON_ENV})"
        )
    deadline = time.monotonic() + timeout

    with _workdir() as work:
        # Work on copies: soffice leaves a ".~lock.NAME#" file next to a document it had
        # open when it dies, and that lock makes later loads of the same file fail.
        staged_src, staged_dst = work / f"src{src.suffix}", work / "dst.xlsx"
        shutil.copyfile(src, staged_src)
        profile = _make_profile(work / "profile")
        port = _free_port()
        office = _start_group(
            [
                soffice,
                *_soffice_flags(profile),
                f"--accept=socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext",
            ],
            work / "soffice.log",
        )
        try:
            request = {
                "connect": f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext",
                "connect_timeout": max(1.0, deadline - time.monotonic() - 1.0),
                "terminate": True,
                "jobs": [
                    {
                        "src": str(staged_src),
                        "dst": str(staged_dst),
                        "entries": [list(e) for e in clean],
                    }
                ],
            }
            request_file, response_file = work / "request.json", work / "response.json"
            request_file.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
            script = _start_group(
                [python, str(UNO_FILL_SCRIPT), str(request_file), str(response_file)],
                work / "script.log",
                env=_uno_env(),
            )
            try:
                _wait_script(script, office, deadline)
            except subprocess.TimeoutExpired as exc:
                raise LibreOfficeError(
                    f"typing into {src} {exc.output}; "
                    f"uno_fill.py said: {_tail(work / 'script.log')!r}; "
                    f"soffice said: {_tail(work / 'soffice.log')!r}"
                ) from None
            finally:
                _kill_group(script)
            # The script asked soffice to quit: let it exit on its own before the kill.
            with contextlib.suppress(subprocess.TimeoutExpired):
                office.wait(timeout=max(0.1, min(_GRACE, deadline - time.monotonic())))
            if not response_file.is_file():
                raise LibreOfficeError(
                    f"uno_fill.py gave no answer (exit {script.returncode}): "
                    f"{_tail(work / 'script.log')!r}"
                )
            response = json.loads(response_file.read_text(encoding="utf-8"))
            if not response.get("ok"):
                raise LibreOfficeError(
                    f"typing into {src} failed: {response.get('error')}\n"
                    f"{response.get('traceback', '')}"
                )
        finally:
            _kill_group(office)
        if not staged_dst.is_file() or staged_dst.stat().st_size == 0:
            raise LibreOfficeError(f"LibreOffice did not write {dst}", missing=[src])
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staged_dst, dst)

    job = response["results"][0]
    return FillResult(
        accepted=[clean[i] for i in job["accepted"]],
        refused=[clean[i] for i in job["refused"]],
        reasons=[job["cells"][i]["reason"] for i in job["refused"]],
    )


def _check_entry(entry: Sequence[str]) -> Entry:
    if len(entry) != 3:
        raise ValueError(f"an entry is (sheet, cell, text), got {entry!r}")
    sheet, cell, text = entry
    match = _CELL_RE.match(str(cell).strip().upper())
    if not match:
        raise ValueError(f"not a cell address like 'D7': {cell!r}")
    return (str(sheet), match.group(1) + match.group(2), str(text))


# --------------------------------------------------------------------------- machinery


@dataclass
class _Finished:
    returncode: int
    output: str


def _require_soffice() -> str:
    path = soffice_path()
    if path is None:
        raise LibreOfficeError(
            "LibreOffice (soffice) not found: install libreoffice-calc-nogui, or set "
            f"${SOFFICE_ENV}"
        )
    return path


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="jixiao-lo-", ignore_cleanup_errors=True) as d:
        yield Path(d)


def _soffice_flags(profile: Path) -> list[str]:
    return [
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--norestore",
        "--nolockcheck",
        "--nofirststartwizard",
    ]


_REGISTRY_ITEMS = [
    # Recalculate formulas of loaded files: 0 always, 1 never, 2 prompt.
    ("/org.openoffice.Office.Calc/Formula/Load", "OOXMLRecalcMode", "int", "0"),
    ("/org.openoffice.Office.Calc/Formula/Load", "ODFRecalcMode", "int", "0"),
    # en-US: "85.3" typed is a number, function names and separators are English.
    ("/org.openoffice.Setup/L10N", "ooSetupSystemLocale", "string", "en-US"),
    ("/org.openoffice.Setup/L10N", "ooLocale", "string", "en-US"),
    # Typing must enter exactly the text given, not an AutoInput completion.
    ("/org.openoffice.Office.Calc/Input", "AutoInput", "boolean", "false"),
    # No "Tip of the Day" dialog when a document window first shows.
    ("/org.openoffice.Office.Common/Misc", "ShowTipOfTheDay", "boolean", "false"),
    ("/org.openoffice.Office.Recovery/AutoSave", "Enabled", "boolean", "false"),
    ("/org.openoffice.Office.Recovery/RecoveryInfo", "Enabled", "boolean", "false"),
]


def _make_profile(profile: Path) -> Path:
    """Write a fresh profile whose settings exist before soffice first starts."""
    user = profile / "user"
    user.mkdir(parents=True)
    items = "\n".join(
        f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse">'
        f"<value>{value}</value></prop></item>"
        for path, name, _type, value in _REGISTRY_ITEMS
    )
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"{items}\n</oor:items>\n",
        encoding="utf-8",
    )
    return profile


def _office_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")
    return env


def _uno_env() -> dict[str, str]:
    # The UNO interpreter is not ours: do not leak our virtualenv's paths into it.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"}
    }
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _start_group(
    cmd: Sequence[str], log: Path, *, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``cmd`` in a new process group (session), its output going to ``log``."""
    with open(log, "wb") as out:
        kwargs: dict = {}
        if sys.platform == "win32":  # pragma: no cover - not run here
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        else:
            kwargs["start_new_session"] = True
        return subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env if env is not None else _office_env(),
            **kwargs,
        )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc`` and everything in its process group, then reap it."""
    if sys.platform == "win32":  # pragma: no cover - not run here
        with contextlib.suppress(OSError):
            proc.kill()
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def _wait_script(
    script: subprocess.Popen[bytes], office: subprocess.Popen[bytes], deadline: float
) -> None:
    """Wait for the UNO script; give up at ``deadline`` or soon after soffice died.

    Raises ``subprocess.TimeoutExpired`` whose ``output`` says why.
    """
    office_gone: float | None = None
    while True:
        try:
            script.wait(timeout=0.2)
            return
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if now >= deadline:
            raise subprocess.TimeoutExpired(script.args, 0, output="timed out")
        if office_gone is None and office.poll() is not None:
            office_gone = now
        if office_gone is not None and now - office_gone > _GRACE:
            raise subprocess.TimeoutExpired(
                script.args, 0, output=f"failed: soffice exited ({office.returncode}) early"
            )


def _run_group(cmd: Sequence[str], work: Path, *, timeout: float, what: str) -> _Finished:
    """Run ``cmd`` in its own process group, bounded by ``timeout``; kill the group after."""
    log = work / "soffice.log"
    proc = _start_group(cmd, log)
    try:
        returncode = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise LibreOfficeError(
            f"LibreOffice timed out after {timeout} s {what}; output: {_tail(log)!r}"
        ) from None
    finally:
        # soffice.bin may outlive the launcher: never leave it behind.
        _kill_group(proc)
    return _Finished(returncode, _tail(log))


def _tail(path: Path) -> str:
    """The end of a log, without soffice's noise about Java."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line for line in text.splitlines() if "javaldx" not in line]
    return "\n".join(lines)[-_TAIL:]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
