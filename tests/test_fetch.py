"""Fetch layer: mirror/alias lookup, cache manifest, and downloads against a local HTTPS server.

The server runs on 127.0.0.1 with a throw-away self-signed certificate; every fault (timeout, 5xx,
truncated body, checksum mismatch, redirect to plain HTTP, HTML error page) is served by it.
"""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
import time

import pytest
import requests

from pipeline.fetch import Fetcher, FetchError, sha256_file

BODY = b"A;B\n1;2\n"


def catalogue(url: str) -> dict:
    return {
        "sources": {
            "yearly": {
                "filename": "f-{peiljaar}.csv",
                "aliases": ["alias-{peiljaar}.csv"],
                "yearly": True,
                "url": url + "/f-{peiljaar}.csv",
            },
            "plain": {"filename": "plain.csv", "aliases": [], "yearly": False, "url": url + "/plain.csv"},
        }
    }


def test_mirror_alias_and_offline_error(tmp_path):
    mirror = tmp_path / "m"
    mirror.mkdir()
    (mirror / "alias-2019.csv").write_bytes(BODY)
    f = Fetcher(catalogue("https://example.invalid"), [mirror], tmp_path / "cache", offline=True)
    got = f.fetch("yearly", 2019)
    assert got.origin_kind == "mirror" and got.sha256 == sha256_file(mirror / "alias-2019.csv")
    with pytest.raises(FetchError, match=r"none of \['f-2020.csv', 'alias-2020.csv'\].*offline mode"):
        f.fetch("yearly", 2020)


class _Handler(http.server.BaseHTTPRequestHandler):
    counts: dict = {}

    def log_message(self, *a):  # keep test output clean
        pass

    def do_GET(self):  # noqa: N802
        n = _Handler.counts[self.path] = _Handler.counts.get(self.path, 0) + 1
        if self.path == "/flaky.csv" and n < 2:
            self.send_response(503)
            self.end_headers()
            return
        if self.path == "/slow.csv":
            time.sleep(1.5)
        if self.path == "/truncated.csv":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY) + 50))
            self.end_headers()
            self.wfile.write(BODY)
            return
        if self.path == "/to-http.csv":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1/plain.csv")
            self.end_headers()
            return
        if self.path == "/html.csv":
            body = b"<!DOCTYPE html><html>Not found</html>"
        elif self.path == "/notfound.csv":
            self.send_response(404)
            self.end_headers()
            return
        else:
            body = BODY
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl not available to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"https://127.0.0.1:{srv.server_address[1]}", cert
    srv.shutdown()


def _fetcher(tmp_path, server, **kw):
    url, cert = server
    s = requests.Session()
    s.trust_env = False  # CA bundle env vars would override verify
    s.verify = str(cert)
    return Fetcher(
        catalogue(url), [], tmp_path / "cache", session=s, extra_hosts={"127.0.0.1"}, backoff_s=0.01, **kw
    ), url


def test_download_then_cache_hit(tmp_path, https_server):
    f, url = _fetcher(tmp_path, https_server)
    first = f.fetch("plain")
    assert first.origin_kind == "download" and first.origin == url + "/plain.csv"
    second = f.fetch("plain")
    assert second.origin_kind == "cache" and second.sha256 == first.sha256
    # A cached file that no longer matches the manifest is not trusted: re-downloaded.
    (tmp_path / "cache" / "plain.csv").write_bytes(b"tampered")
    third = f.fetch("plain")
    assert third.origin_kind == "download" and third.sha256 == first.sha256


def test_5xx_is_retried(tmp_path, https_server):
    f, url = _fetcher(tmp_path, https_server)
    sha, size = f.download(url + "/flaky.csv", tmp_path / "flaky.csv")
    assert size == len(BODY) and (tmp_path / "flaky.csv").read_bytes() == BODY


@pytest.mark.parametrize(
    "path, kw, fragment",
    [
        ("/truncated.csv", {}, "truncated body|IncompleteRead"),
        ("/slow.csv", {"timeout": (2.0, 0.3)}, "download failed after"),
        ("/to-http.csv", {}, "only HTTPS"),
        ("/html.csv", {}, "HTML/XML page"),
        ("/notfound.csv", {}, "HTTP 404"),
    ],
)
def test_faults_are_refused_and_never_cached(tmp_path, https_server, path, kw, fragment):
    f, url = _fetcher(tmp_path, https_server, retries=2, **kw)
    dest = tmp_path / "out.csv"
    with pytest.raises(FetchError, match=fragment):
        f.download(url + path, dest)
    assert not dest.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_checksum_mismatch_refused(tmp_path, https_server):
    f, url = _fetcher(tmp_path, https_server)
    with pytest.raises(FetchError, match="checksum mismatch"):
        f.download(url + "/plain.csv", tmp_path / "x.csv", expected_sha256="0" * 64)
    assert not (tmp_path / "x.csv").exists()


def test_plain_http_and_unknown_host_refused(tmp_path):
    f = Fetcher(catalogue("https://duo.nl"), [], tmp_path, backoff_s=0)
    with pytest.raises(FetchError, match="only HTTPS"):
        f.download("http://duo.nl/x.csv", tmp_path / "x.csv")
    with pytest.raises(FetchError, match="not in the source catalogue"):
        f.download("https://evil.example/x.csv", tmp_path / "x.csv")
