"""Fetch layer: mirror directories first, then the download cache, then HTTPS download.

Why: the pipeline must run offline on a mirror (e.g. ../shared/data) and online against the official
URLs with the same code, and an auditor must see for every input where it came from and its sha256.
Downloads are streamed to a temporary file and moved into place only when complete and verified, so a
failed or truncated download is never cached as good.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import requests

USER_AGENT = "sto-pipeline/0.1 (+open data; contact via repository)"
HTML_MARKERS = (b"<!doctype html", b"<html", b"<?xml")


# Year suffix of a yearly DUO file name: "-2014.csv" (peiljaar) or "-2014-2015.csv" (school year 2014/15,
# the form of older pupils files). The peiljaar is the first year: count on 1 October of that year.
YEAR_SUFFIX_RE = re.compile(r"-(?P<first>(?:19|20)\d{2})(?:-(?P<second>(?:19|20)\d{2}))?\.(?:csv|xlsx)$", re.IGNORECASE)


def peiljaar_from_name(name: str) -> int | None:
    """Peiljaar of a yearly file from its name suffix: '…-2014.csv' and '…-2014-2015.csv' both give 2014.

    Returns None when the name has no year suffix or the two years of a school-year suffix are not
    consecutive (then it is not a school year, e.g. the exam file '…-2014-2019.csv').
    """
    m = YEAR_SUFFIX_RE.search(Path(name).name)
    if not m:
        return None
    first = int(m["first"])
    if m["second"] is not None and int(m["second"]) != first + 1:
        return None
    return first


class FetchError(RuntimeError):
    """A source file could not be found or retrieved; the message says which and why."""


@dataclass(frozen=True)
class FetchedFile:
    """One resolved input file with its provenance."""

    source_id: str
    peiljaar: int | None
    path: str
    origin: str
    origin_kind: str  # mirror | cache | download
    size: int
    sha256: str
    retrieved_at: str

    def as_metadata(self) -> dict[str, Any]:
        return asdict(self)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks. Remembered per process by path, size and modification
    time, so the preflight, the build plan and the assets of one `sto run` hash each input once."""
    p = Path(path)
    st = p.stat()
    return _sha256(str(p.resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=512)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def allowed_hosts(catalogue: dict[str, Any]) -> set[str]:
    """HTTPS hosts named in the source catalogue: the only hosts the pipeline downloads from."""
    hosts: set[str] = set()
    for spec in catalogue.get("sources", {}).values():
        url = spec.get("url")
        if url:
            hosts.add(urlparse(url).hostname or "")
    for extra in catalogue.get("extra_hosts", []) or []:
        hosts.add(extra)
    hosts.discard("")
    return hosts


class Fetcher:
    """Resolves catalogue sources to local files (mirror → cache → download) and records a manifest."""

    def __init__(
        self,
        catalogue: dict[str, Any],
        mirrors: list[Path] | tuple[Path, ...] = (),
        cache_dir: Path | None = None,
        offline: bool = False,
        timeout: tuple[float, float] = (10.0, 60.0),
        retries: int = 3,
        backoff_s: float = 1.0,
        session: requests.Session | None = None,
        extra_hosts: set[str] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.mirrors = [Path(m) for m in mirrors]
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.offline = offline
        self.timeout = timeout
        self.retries = retries
        self.backoff_s = backoff_s
        self.session = session or requests.Session()
        self.hosts = allowed_hosts(catalogue) | (extra_hosts or set())

    # -- catalogue -------------------------------------------------------------------------------
    def spec(self, source_id: str) -> dict[str, Any]:
        try:
            return self.catalogue["sources"][source_id]
        except KeyError as exc:
            raise FetchError(f"source catalogue has no source {source_id!r}") from exc

    def candidate_names(self, source_id: str, peiljaar: int | None = None) -> list[str]:
        """Official name first, then every alias, then each of those with the `alt_extensions` of the source,
        then (with `mirror_subdir`) each of those inside that subfolder of a mirror.

        Yearly names fill `{peiljaar}` and `{next_year}` (= peiljaar + 1, for school-year suffixes like
        '-2014-2015'); a filled name whose year suffix gives another peiljaar is a catalogue error.
        """
        spec = self.spec(source_id)
        names = [spec["filename"], *(spec.get("aliases") or [])]
        if spec.get("yearly"):
            if peiljaar is None:
                raise FetchError(f"source {source_id!r} is yearly: a peiljaar is required")
            names = [n.format(peiljaar=peiljaar, next_year=peiljaar + 1) for n in names]
            wrong = [n for n in names if peiljaar_from_name(n) not in (peiljaar, None)]
            if wrong:
                raise FetchError(f"source catalogue {source_id!r}: names {wrong} do not end in peiljaar {peiljaar}")
        for ext in spec.get("alt_extensions") or []:
            names += [str(Path(n).with_suffix(ext)) for n in names if Path(n).suffix.lower() == ".csv"]
        if spec.get("mirror_subdir"):  # a mirror may hold these files in a subfolder (geo/boundaries/…)
            names += [f"{spec['mirror_subdir']}/{n}" for n in names]
        return list(dict.fromkeys(names))

    def url(self, source_id: str, peiljaar: int | None = None) -> str | None:
        url = self.spec(source_id).get("url")
        if url and peiljaar is not None:
            url = url.format(peiljaar=peiljaar)
        return url

    # -- manifest --------------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path | None:
        return self.cache_dir / "manifest.json" if self.cache_dir else None

    def _read_manifest(self) -> dict[str, Any]:
        p = self.manifest_path
        if p is None or not p.exists():
            return {}
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise FetchError(f"{p}: download manifest is not valid JSON ({exc}); delete it to rebuild") from exc

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        p = self.manifest_path
        assert p is not None
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".manifest-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, sort_keys=True)
        os.replace(tmp, p)

    # -- rolling files ---------------------------------------------------------------------------
    def _rolling(self, source_id: str) -> tuple[dict[str, Any], re.Pattern[str]]:
        """A rolling source's `rolling` spec (span, first) and the regex of its file names, from `filename`
        with `{first}` and `{last}` (the school-year range: '…-2020-2025.csv' holds 2020-2021 … 2024-2025)."""
        spec = self.spec(source_id)
        roll = spec.get("rolling")
        if not roll:
            raise FetchError(f"source catalogue {source_id!r} is not a rolling source")
        rx = (
            re.escape(spec["filename"])
            .replace(r"\{first\}", r"(?P<first>\d{4})")
            .replace(r"\{last\}", r"(?P<last>\d{4})")
        )
        return roll, re.compile(rx)

    def rolling_range(self, source_id: str, name: str) -> tuple[int, int] | None:
        """(first, last) of a file name of the rolling source: it matches the pattern, spans `span` school
        years and starts at or after `first`; else None."""
        roll, rx = self._rolling(source_id)
        m = rx.fullmatch(Path(name).name)
        if not m:
            return None
        first, last = int(m["first"]), int(m["last"])
        return (first, last) if last - first == int(roll["span"]) and first >= int(roll["first"]) else None

    def locate_rolling(self, source_id: str) -> list[FetchedFile]:
        """Every file of a rolling source in the mirrors (the first mirror holding a name wins) and the
        download cache, newest range first; no network."""
        found: dict[str, FetchedFile] = {}
        for mirror in self.mirrors:
            if not mirror.is_dir():
                continue
            for p in sorted(mirror.iterdir()):
                if p.name not in found and p.is_file() and self.rolling_range(source_id, p.name):
                    st = p.stat()
                    found[p.name] = FetchedFile(
                        source_id, None, str(p), str(p.resolve()), "mirror", st.st_size, sha256_file(p), _now()
                    )
        if self.cache_dir:
            for name, entry in sorted(self._read_manifest().items()):
                p = self.cache_dir / name
                if name in found or not self.rolling_range(source_id, name) or not p.is_file():
                    continue
                digest = sha256_file(p)
                if digest == entry["sha256"]:
                    found[name] = FetchedFile(
                        source_id, None, str(p), entry["url"], "cache", p.stat().st_size, digest, entry["retrieved_at"]
                    )
        return sorted(found.values(), key=lambda f: self.rolling_range(source_id, f.path), reverse=True)

    def fetch_rolling(self, source_id: str, this_year: int) -> list[FetchedFile]:
        """The rolling source's files, newest first: those in the mirrors and cache, and (online) each newer
        one the catalogue's pattern predicts up to `this_year` ('…-{last-span}-{last}.csv' for every `last`
        after the newest found) that the publisher answers with, downloaded into the cache. A name the
        publisher does not (yet) serve is skipped: the newest published file is the one a refresh wants."""
        roll, _ = self._rolling(source_id)
        spec = self.spec(source_id)
        files = self.locate_rolling(source_id)
        if self.offline or self.cache_dir is None or not spec.get("url"):
            return files
        span = int(roll["span"])
        newest = max([self.rolling_range(source_id, f.path)[1] for f in files] + [int(roll["first"]) + span - 1])
        for last in range(newest + 1, this_year + 1):
            name = spec["filename"].format(first=last - span, last=last)
            url = spec["url"].format(first=last - span, last=last)
            if not self._answers(url):
                continue
            dest = self.cache_dir / name
            sha, size = self.download(url, dest)
            manifest = self._read_manifest()
            manifest[name] = {"url": url, "sha256": sha, "size": size, "retrieved_at": _now()}
            self._write_manifest(manifest)
            files.append(
                FetchedFile(source_id, None, str(dest), url, "download", size, sha, manifest[name]["retrieved_at"])
            )
        return sorted(files, key=lambda f: self.rolling_range(source_id, f.path), reverse=True)

    # -- resolution ------------------------------------------------------------------------------
    def locate(self, source_id: str, peiljaar: int | None = None) -> FetchedFile | None:
        """Find the file in a mirror or the cache without touching the network (for a rolling source: the
        newest of its files)."""
        if self.spec(source_id).get("rolling"):
            newest = self.locate_rolling(source_id)
            return newest[0] if newest else None
        names = self.candidate_names(source_id, peiljaar)
        for mirror in self.mirrors:
            for name in names:
                p = mirror / name
                if p.is_file():
                    return FetchedFile(
                        source_id,
                        peiljaar,
                        str(p),
                        str(p.resolve()),
                        "mirror",
                        p.stat().st_size,
                        sha256_file(p),
                        _now(),
                    )
        if self.cache_dir:
            manifest = self._read_manifest()
            for name in names:
                p = self.cache_dir / name
                entry = manifest.get(name)
                if p.is_file() and entry:
                    digest = sha256_file(p)
                    if digest != entry["sha256"]:
                        # A cached file that no longer matches its manifest is not trusted.
                        p.unlink()
                        continue
                    return FetchedFile(
                        source_id,
                        peiljaar,
                        str(p),
                        entry["url"],
                        "cache",
                        p.stat().st_size,
                        digest,
                        entry["retrieved_at"],
                    )
        return None

    def fetch(self, source_id: str, peiljaar: int | None = None) -> FetchedFile:
        """Resolve a source to a local file, downloading it when allowed; raise FetchError otherwise."""
        found = self.locate(source_id, peiljaar)
        if found:
            return found
        spec = self.spec(source_id)
        names = self.candidate_names(source_id, peiljaar)
        where = ", ".join(str(m) for m in self.mirrors) or "no mirror configured"
        url = self.url(source_id, peiljaar)
        if self.offline or not url or self.cache_dir is None:
            reason = "offline mode" if self.offline else "no download URL" if not url else "no cache dir"
            raise FetchError(
                f"source {source_id!r}{f' peiljaar {peiljaar}' if peiljaar else ''}: none of "
                f"{names} found in mirrors ({where}) or cache, and {reason}"
            )
        dest = self.cache_dir / names[0]
        sha, size = self.download(url, dest, expected_sha256=spec.get("sha256"))
        manifest = self._read_manifest()
        manifest[names[0]] = {"url": url, "sha256": sha, "size": size, "retrieved_at": _now()}
        self._write_manifest(manifest)
        return FetchedFile(
            source_id, peiljaar, str(dest), url, "download", size, sha, manifest[names[0]]["retrieved_at"]
        )

    def is_published(self, source_id: str, peiljaar: int | None = None) -> bool:
        """True when the file is in a mirror or the cache, or (online) its URL answers HTTP 200 with a
        non-HTML body. Never downloads the body; network errors count as 'not (yet) available'."""
        if self.locate(source_id, peiljaar) is not None:
            return True
        url = self.url(source_id, peiljaar)
        if self.offline or not url or self.cache_dir is None:
            return False
        return self._answers(url)

    def _answers(self, url: str) -> bool:
        """True when `url` answers HTTP 200 with a non-HTML body (the body is not downloaded); network
        errors count as 'not (yet) available'."""
        try:
            resp = self._get(url)
        except (FetchError, requests.RequestException):
            return False
        with resp:
            if resp.status_code != 200:
                return False
            first = next(resp.iter_content(64), b"")
        return not first.lstrip().lower().startswith(HTML_MARKERS)

    # -- download --------------------------------------------------------------------------------
    def _check_url(self, url: str) -> None:
        parsed = urlparse(url)
        if parsed.scheme != "https":
            raise FetchError(f"{url}: refused, only HTTPS downloads are allowed")
        if parsed.hostname not in self.hosts:
            raise FetchError(f"{url}: refused, host {parsed.hostname!r} is not in the source catalogue")

    def _get(self, url: str) -> requests.Response:
        """GET following redirects by hand so that every hop is checked (HTTPS, catalogue host)."""
        for _ in range(5):
            self._check_url(url)
            resp = self.session.get(
                url,
                stream=True,
                timeout=self.timeout,
                allow_redirects=False,
                headers={"User-Agent": USER_AGENT},
            )
            if resp.is_redirect or resp.status_code in (301, 302, 303, 307, 308):
                nxt = urljoin(url, resp.headers.get("Location", ""))
                resp.close()
                url = nxt
                continue
            return resp
        raise FetchError(f"{url}: too many redirects")

    def download(self, url: str, dest: Path, expected_sha256: str | None = None) -> tuple[str, int]:
        """Download with retries and backoff; verify length, content type and checksum; move into place."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        last: Exception | None = None
        for attempt in range(1, self.retries + 1):
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as fh:
                    resp = self._get(url)
                    with resp:
                        if resp.status_code >= 500:
                            raise _Retryable(f"{url}: HTTP {resp.status_code}")
                        if resp.status_code != 200:
                            raise FetchError(f"{url}: HTTP {resp.status_code}, expected 200")
                        expected_len = resp.headers.get("Content-Length")
                        h = hashlib.sha256()
                        size = 0
                        first = b""
                        for chunk in resp.iter_content(1 << 16):
                            if not first:
                                first = chunk[:64]
                            fh.write(chunk)
                            h.update(chunk)
                            size += len(chunk)
                if expected_len is not None and int(expected_len) != size:
                    raise _Retryable(f"{url}: truncated body, {size} of {expected_len} bytes received")
                if first.lstrip().lower().startswith(HTML_MARKERS) and not dest.name.endswith((".html", ".xml")):
                    raise FetchError(f"{url}: server returned an HTML/XML page instead of {dest.name}")
                digest = h.hexdigest()
                if expected_sha256 and digest != expected_sha256:
                    raise FetchError(f"{url}: checksum mismatch, expected sha256 {expected_sha256}, found {digest}")
                os.replace(tmp, dest)
                return digest, size
            except (
                _Retryable,
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                last = exc
                if attempt < self.retries:
                    time.sleep(self.backoff_s * 2 ** (attempt - 1))
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        raise FetchError(f"{url}: download failed after {self.retries} attempts: {last}")


class _Retryable(Exception):
    """A transient failure (5xx, truncated body) that is worth another attempt."""


def fetcher_for(
    catalogue: dict[str, Any],
    sample: bool,
    mirrors: list[str] | list[Path],
    cache_dir: str | Path | None,
    offline: bool,
    local: bool = False,
    extra_hosts: set[str] | None = None,
) -> Fetcher:
    """The run's fetcher. Sample mode reads only the bundled sample (data_raw/sample, offline); real mode
    looks in the mirrors, then the download cache, then downloads. `local` adds data_raw/ as a mirror for
    repository inputs (overrides). Imported without Dagster, so the CLI can answer usage errors fast."""
    from pipeline.paths import DATA_RAW, SAMPLE_DIR

    if sample:
        return Fetcher(catalogue, [SAMPLE_DIR] + ([DATA_RAW] if local else []), None, offline=True)
    dirs = [Path(m) for m in mirrors] + ([DATA_RAW] if local else [])
    return Fetcher(catalogue, dirs, Path(cache_dir) if cache_dir else None, offline=offline, extra_hosts=extra_hosts)
