"""Safe reading of zip and gzip members: no path escapes, no decompression bombs."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path, PurePosixPath

from pipeline.csvread import InputError

MAX_MEMBER_BYTES = 512 * 1024 * 1024


def _safe_member_name(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and "\\" not in name and ":" not in name


def read_member(path: Path | str, member: str | None = None, max_bytes: int = MAX_MEMBER_BYTES) -> bytes:
    """Bytes of a plain file, a .gz file, or one member of a .zip (by name, or the only member)."""
    path = Path(path)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as gz:
            data = gz.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InputError(f"{path}: gzip content exceeds {max_bytes} bytes; refused")
        return data
    if magic == b"PK\x03\x04":
        try:
            zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise InputError(f"{path}: corrupt zip archive ({exc})") from exc
        with zf:
            infos = zf.infolist()
            unsafe = [i.filename for i in infos if not _safe_member_name(i.filename)]
            if unsafe:
                raise InputError(f"{path}: zip member(s) {unsafe} would extract outside the target; refused")
            names = [i.filename for i in infos if not i.is_dir()]
            if member is None:
                if len(names) != 1:
                    raise InputError(f"{path}: expected exactly one member, found {names}")
                member = names[0]
            if member not in names:
                raise InputError(f"{path}: expected a member {member!r}, found {names}")
            info = zf.getinfo(member)
            if info.file_size > max_bytes:
                raise InputError(
                    f"{path}: member {member!r} is {info.file_size} bytes, over the {max_bytes} limit; refused"
                )
            try:
                with zf.open(info) as fh:
                    data = fh.read(max_bytes + 1)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise InputError(f"{path}: member {member!r} is corrupt ({exc})") from exc
            if len(data) > max_bytes:
                raise InputError(f"{path}: member {member!r} expands beyond {max_bytes} bytes; refused")
            return data
    return path.read_bytes()
