"""Writing files so that a reader never sees half of anything: each set of files goes to a
staging folder first and is then renamed into place; published versions live in
`<root>/<week>/vNNNN/` and `<root>/<week>/current` is a symlink switched atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path


def write_files(out: Path, files: dict[str, bytes]) -> None:
    """Write every file or none: all go to a temporary folder first, then each is renamed."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        for name, data in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for name in files:
            final = out / name
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def version_name(number: int) -> str:
    return f"v{number:04d}"


def write_version(root: Path, week: date, number: int, files: dict[str, bytes], checkpoint=lambda _: None) -> Path:
    """Materialise publication `number` of a week as a folder of its own (renamed into place whole)."""
    week_dir = root / week.isoformat()
    target = week_dir / version_name(number)
    if target.is_dir():
        return target
    staging = week_dir / f".staging-{version_name(number)}"
    shutil.rmtree(staging, ignore_errors=True)
    for n, (name, data) in enumerate(sorted(files.items())):
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if n == len(files) // 2:
            checkpoint("half-the-files-written")
    os.rename(staging, target)
    return target


def point_current(root: Path, week: date, number: int) -> Path:
    """Switch `<week>/current` to version `number` in one rename."""
    week_dir = root / week.isoformat()
    link, temporary = week_dir / "current", week_dir / ".current.tmp"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(version_name(number), temporary)
    os.replace(temporary, link)
    return link


def current_version(root: Path, week: date) -> int | None:
    link = root / week.isoformat() / "current"
    if not link.is_symlink():
        return None
    return int(os.readlink(link).removeprefix("v"))
