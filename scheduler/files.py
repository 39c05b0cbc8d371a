"""Writing files so that a reader never sees half of anything, and never outside the folder named.

Each set of files goes to a staging folder first and is then renamed into place; published
versions live in `<root>/<week>/vNNNN/` and `<root>/<week>/current` is a symlink switched
atomically. The rolling feeds (every published week of the window) live in
`<root>/feeds/vNNNN/` with their own `current`.

Every file name that comes from the data (a unit's name, a leader's or room's 编号) goes
through `safe_name`; every writer refuses a path that would resolve outside its folder."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from datetime import date
from pathlib import Path, PurePosixPath

from .errors import SchedulerError

FEEDS_FOLDER = "feeds"  # <root>/feeds/: the rolling feeds
MANIFEST = ".scheduler-files.json"  # in an output folder: what the last write_outputs wrote there
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,47}")
# The product's own file names in an output folder written before the manifest existed (safe_name's).
_OWN_NAMES = re.compile(
    rf"(plan\.json|plan\.xlsx|report\.html|all\.ics|(leaders|rooms|units)/_?{_PLAIN.pattern}\.ics|notices/会议通知-_?{_PLAIN.pattern}\.docx)"
)


class UnsafePath(SchedulerError):
    """A file name would land outside the folder it is written to."""


class CannotWrite(SchedulerError):
    """The folder to write into cannot be made (a part of its path is a file, no permission...)."""


_OS_REASONS = {errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.EROFS: "只读的文件系统", errno.ENOSPC: "磁盘已满"}


def file_in_the_way(path: Path) -> Path | None:
    """The first existing part of path's parents (from the top) that is not a folder, so
    nothing can be written at path; None when every existing parent is a folder."""
    for parent in reversed(Path(path).parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def safe_name(text: str) -> str:
    """A file name (without extension) for a name from the data: kept as it is when it is a
    plain id (letters, digits, '-' and '_', at most 48 characters), otherwise a stable slug
    `_` + 16 hex digits of its SHA-256. Never a separator, '..', a control character or
    anything longer than 48 characters; two different names never map to one file name (the
    slug starts with '_', a plain id never does)."""
    text = unicodedata.normalize("NFC", text)
    if _PLAIN.fullmatch(text):
        return text
    return "_" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def inside(folder: Path, name: str) -> Path:
    """folder / name, refused when name is absolute, climbs with '..', holds a control
    character or resolves (symlinks followed) outside folder."""
    parts = PurePosixPath(name).parts
    if (
        not name or name.startswith(("/", "\\")) or "\\" in name or any(p in ("..", ".", "") for p in parts)
        or any(unicodedata.category(c) == "Cc" for c in name)
    ):
        raise UnsafePath(f"文件名“{name!r}”不安全（含路径分隔、“..”或控制字符），拒绝写入 {folder}")
    target = folder / name
    base = folder.resolve()
    if not target.resolve().is_relative_to(base):
        raise UnsafePath(f"文件“{name}”会写到 {folder} 之外，拒绝写入")
    return target


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_files(out: Path, files: dict[str, bytes]) -> None:
    """Write every file or none: all go to a temporary folder first, then each is renamed."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = file_in_the_way(out / "_")  # out itself or one of its parents
        reason = f"{blocker} 是文件（应为文件夹）" if blocker is not None else _OS_REASONS.get(exc.errno, "系统拒绝")
        raise CannotWrite(f"无法创建文件夹 {out}：{reason}。") from None
    for name in files:
        inside(out, name)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        for name, data in files.items():
            target = inside(staging, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for name in files:
            final = inside(out, name)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _previous_outputs(out: Path) -> set[str]:
    """The files the last write_outputs put in out: its manifest's list, or (a folder written
    before the manifest existed) the files whose names are the product's own."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
        if isinstance(listed, list) and all(isinstance(x, str) for x in listed):
            return set(listed)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if not out.is_dir():
        return set()
    found = set()
    for path in out.rglob("*"):
        name = path.relative_to(out).as_posix()
        if _OWN_NAMES.fullmatch(name) and path.is_file() and not path.is_symlink():
            found.add(name)
    return found


def write_outputs(out: Path, files: dict[str, bytes]) -> None:
    """write_files, and then the files a previous write_outputs left in out that this one did
    not produce are removed (a cancelled meeting's notice and feeds must not linger), together
    with any of their folders left empty. Only the product's own files go: those listed in
    out/MANIFEST, which records this write; anything else in the folder is left alone."""
    stale = _previous_outputs(out) - set(files) - {MANIFEST}
    manifest = json.dumps({"files": sorted(files)}, ensure_ascii=False, indent=2) + "\n"
    write_files(out, {**files, MANIFEST: manifest.encode("utf-8")})
    folders = set()
    for name in sorted(stale):
        try:
            path = inside(out, name)
        except UnsafePath:
            continue
        if path.is_file() and not path.is_symlink():
            path.unlink()
            folders.update(p for p in path.parents if p != out and p.is_relative_to(out))
    for folder in sorted(folders, key=lambda p: -len(p.parts)):
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass


def version_name(number: int) -> str:
    return f"v{number:04d}"


def _version_dir(root: Path, week: date | None) -> Path:
    return root / (week.isoformat() if week is not None else FEEDS_FOLDER)


def taken_numbers(root: Path) -> set[int]:
    """The version numbers that already have a folder under root (in any week), so that a
    re-created ledger never reuses one."""
    out = set()
    if not root.is_dir():
        return out
    for folder in root.iterdir():
        if not folder.is_dir() or folder.is_symlink():
            continue
        for version in folder.iterdir():
            name = version.name.removeprefix(".staging-")
            if re.fullmatch(r"v\d{4,}", name):
                out.add(int(name[1:]))
    return out


def write_version(root: Path, week: date | None, number: int, files: dict[str, bytes], checkpoint=lambda _: None) -> Path:
    """Materialise publication `number` of a week (or, week None, of the rolling feeds) as a
    folder of its own: every file written and synced, then the folder renamed into place whole.
    An existing folder of that number is kept as it is."""
    week_dir = _version_dir(root, week)
    target = week_dir / version_name(number)
    if target.is_dir():
        return target
    week_dir.mkdir(parents=True, exist_ok=True)
    staging = week_dir / f".staging-{version_name(number)}"
    shutil.rmtree(staging, ignore_errors=True)
    for name in files:
        inside(week_dir, name)
    try:
        staging.mkdir()
        for n, (name, data) in enumerate(sorted(files.items())):
            path = inside(staging, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_synced(path, data)
            if n == len(files) // 2:
                checkpoint("half-the-files-written")
        for folder in sorted({p.parent for p in staging.rglob("*")} | {staging}, key=lambda p: -len(p.parts)):
            _sync_dir(folder)
        os.rename(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _sync_dir(week_dir)
    return target


def point_current(root: Path, week: date | None, number: int) -> Path:
    """Switch `<week>/current` (or `feeds/current`) to version `number` in one rename."""
    week_dir = _version_dir(root, week)
    link, temporary = week_dir / "current", week_dir / ".current.tmp"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(version_name(number), temporary)
    os.replace(temporary, link)
    _sync_dir(week_dir)
    return link


def current_version(root: Path, week: date | None) -> int | None:
    link = _version_dir(root, week) / "current"
    if not link.is_symlink():
        return None
    try:
        return int(os.readlink(link).removeprefix("v"))
    except ValueError:
        return None
