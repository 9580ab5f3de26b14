"""The security review's attacks that need a live server, a socket or a zip (issue 11), each run
against a real `meguri serve` and refused as the issue asks:

  bodies     40 anonymous 24 MB uploads (to an upload route, an import and a route that does not
             exist) leave the server's peak memory where it was: bodies are read only after the
             caller is known.
  zip bomb   a 1 MB .xlsx that inflates to 1 GiB, once declaring its size and once lying about it,
             is refused (422) with the server's peak memory under 200 MB more than before.
  csv        24 MB of newlines and a 24 MB header of unknown columns are refused within seconds of
             CPU and without the memory they once took.
  audit csv  the audit trail of 20,000 events downloads without the server holding it.
  throttle   two instances on one PostgreSQL behind a proxy (a small reverse proxy here, adding
             X-Forwarded-For, trusted through MEGURI_TRUSTED_PROXIES): thirty parallel wrong
             passwords for one account are checked five times in all, sixty failures of sixty other
             clients lock nobody out, and the account signs in once its back-off has passed.

usage: security.py BINARY WORKDIR [POSTGRES_URL]   (the throttle part needs PostgreSQL; without it it runs on one instance)"""
import http.client, http.server, io, itertools, json, os, re, socketserver, struct, sys, threading, time, urllib.error, urllib.parse, urllib.request, zipfile, zlib

from common import PASSWORD, Server, call, fresh_database, prepare

binary, workdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
postgres = sys.argv[3] if len(sys.argv) > 3 else None
os.makedirs(workdir, exist_ok=True)
failures = []


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message, flush=True)
    if not condition:
        failures.append(message)


def status_of(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def peak_mb(pid):
    return int(status_of(pid)["VmHWM"].split()[0]) / 1024


def rss_mb(pid):
    return int(status_of(pid)["VmRSS"].split()[0]) / 1024


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def raw_post(port, path, length, headers, chunk=1 << 20):
    """Sends a body of `length` bytes of 'x' and returns the status (or the error the server closed with)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.putrequest("POST", path)
        for key, value in headers.items():
            connection.putheader(key, value)
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        block = b"x" * chunk
        sent = 0
        while sent < length:
            connection.send(block[: min(chunk, length - sent)])
            sent += chunk
        return connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError) as error:
        return type(error).__name__
    finally:
        connection.close()


def upload(server, token, path, data, content_type):
    return call(server.base, "POST", path, token, data, headers={"Content-Type": content_type}, timeout=300)


def bomb_xlsx(inflated, declared=None):
    """A workbook whose sheet inflates to `inflated` bytes of empty elements; `declared` overrides
    the sizes written in the archive's headers (a lying archive)."""
    header = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    footer = b"</sheetData></worksheet>"
    block = b"<x/>" * (1 << 18)  # 1 MiB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts, crc, size = [compressor.compress(header)], zlib.crc32(header), len(header)
    for _ in range(inflated // len(block)):
        parts.append(compressor.compress(block))
        crc, size = zlib.crc32(block, crc), size + len(block)
    parts.append(compressor.compress(footer))
    crc, size = zlib.crc32(footer, crc), size + len(footer)
    parts.append(compressor.flush())
    deflated = b"".join(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>')
    small = buffer.getvalue()
    # Append the sheet by hand: local header, data, then a rebuilt central directory.
    end = small.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", small[end + 12:end + 20])
    entries = small[:cd_offset]
    central = small[cd_offset:cd_offset + cd_size]
    count = struct.unpack("<H", small[end + 10:end + 12])[0]
    name = b"xl/worksheets/sheet1.xml"
    stated = declared if declared is not None else size
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(deflated), stated, len(name), 0) + name
    offset = len(entries)
    directory = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(deflated), stated, len(name), 0, 0, 0, 0, 0, offset) + name
    body = entries + local + deflated
    central = central + directory
    tail = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count + 1, count + 1, len(central), len(body), 0)
    return body + central + tail


def part_bodies(server, token):
    print("bodies: 40 anonymous uploads of 24 MB", flush=True)
    pid = server.process.pid
    before = peak_mb(pid)
    targets = ["/w/proof/evidence", "/api/v1/workspaces/proof/assets/import", "/no/such/route"]
    results = []

    def send(index):
        path = targets[index % len(targets)]
        results.append(raw_post(server.port, path, 24 << 20, {"Content-Type": "multipart/form-data; boundary=x"}))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = peak_mb(pid)
    check(all(r in (401, 404, 303, "BrokenPipeError", "ConnectionResetError") for r in results), f"every upload refused unread: {sorted(set(map(str, results)))}")
    check(after - before < 100, f"peak memory grew {after - before:.0f} MB (from {before:.0f} to {after:.0f} MB; limit 100 MB)")
    check(call(server.base, "GET", "/api/v1/me", token)[0] == 200, "the server still answers")


def part_zip_bomb(server, token):
    print("zip bomb: a 1 GiB sheet in a small .xlsx", flush=True)
    pid = server.process.pid
    for declared, label in [(None, "declaring its size"), (4096, "lying about its size")]:
        data = bomb_xlsx(1 << 30, declared)
        before, started = peak_mb(pid), time.time()
        status, _, body = upload(server, token, "/api/v1/workspaces/proof/assets/import?dryRun=true", data,
                                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        message = json.dumps(body, ensure_ascii=False)[:200]
        check(status == 422 and "file" in message, f"{len(data) // 1024} KB bomb {label}: {status} {message}")
        check(peak_mb(pid) - before < 200, f"peak memory grew {peak_mb(pid) - before:.0f} MB in {time.time() - started:.1f} s (limit 200 MB)")


def part_csv(server, token):
    print("csv: newlines and endless headers", flush=True)
    pid = server.process.pid
    for label, data in [("24 MB of newlines", b"\n" * (24 << 20)), ("a 24 MB header of unknown columns", b"x," * (12 << 20))]:
        before_cpu, before_peak, started = cpu_seconds(pid), peak_mb(pid), time.time()
        status, _, body = upload(server, token, "/api/v1/workspaces/proof/assets/import?dryRun=true", data, "text/csv")
        message = json.dumps(body, ensure_ascii=False)[:160]
        check(status == 422, f"{label}: {status} {message}")
        cpu = cpu_seconds(pid) - before_cpu
        check(cpu < 10, f"{label}: {cpu:.1f} s of CPU (limit 10 s; was 73 s)")
        check(peak_mb(pid) - before_peak < 300, f"{label}: peak memory grew {peak_mb(pid) - before_peak:.0f} MB (was 1.9–8.5 GB)")


def part_audit_csv(server, token):
    print("audit csv: 20,000 events streamed", flush=True)
    pid = server.process.pid
    rows = "name,code\n" + "".join(f"部門{n},D{n:05d}\n" for n in range(20000))
    status, _, body = upload(server, token, "/api/v1/workspaces/proof/departments/import", rows.encode(), "text/csv")
    check(status == 200, f"20,000 departments imported: {status}")
    # Download through a page session: sign in as the administrator.
    cookies = sign_in_session(server.base, "admin@example.co.jp", PASSWORD)
    before = rss_mb(pid)
    request = urllib.request.Request(server.base + "/w/proof/audit-trail.csv", headers={"Cookie": cookies})
    size, highest = 0, before
    with urllib.request.urlopen(request, timeout=300) as response:
        while True:
            chunk = response.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            highest = max(highest, rss_mb(pid))
    check(size > 2_000_000, f"the export is {size / 1e6:.1f} MB")
    check(highest - before < 60, f"memory while streaming grew {highest - before:.0f} MB (limit 60 MB)")


def login_form(base, headers):
    request = urllib.request.Request(base + "/login", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        page = response.read().decode()
        cookie = response.headers.get("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    return cookie, token


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def attempt(base, email, password, client=None):
    headers = {"X-Forwarded-For": client} if client else {}
    cookie, token = login_form(base, headers)
    data = urllib.parse.urlencode({"_csrf": token, "email": email, "password": password, "next": "/"}).encode()
    request = urllib.request.Request(base + "/login", data=data, headers=dict(headers, Cookie=cookie, **{"Content-Type": "application/x-www-form-urlencoded"}))
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def sign_in_session(base, email, password):
    status, headers = attempt(base, email, password)
    assert status == 303, status
    return "; ".join(c.split(";")[0] for c in headers.get_all("Set-Cookie"))


class Proxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def start_proxy(port, backends):
    counter = itertools.count()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def forward(self):
            host, backend_port = backends[next(counter) % len(backends)]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            forwarded = self.headers.get("X-Forwarded-For")
            headers["X-Forwarded-For"] = (forwarded + ", " if forwarded else "") + self.client_address[0]
            connection = http.client.HTTPConnection(host, backend_port, timeout=60)
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            connection.close()

        do_GET = do_POST = forward

    proxy = Proxy(("127.0.0.1", port), Handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    return proxy


def part_throttle(servers):
    print(f"throttle: {len(servers)} instance(s) behind a proxy", flush=True)
    proxy = start_proxy(18140, [("127.0.0.1", s.port) for s in servers])
    base = "http://127.0.0.1:18140"
    try:
        outcomes = []
        barrier = threading.Barrier(30)

        def wrong(index):
            barrier.wait()
            outcomes.append(attempt(base, "admin@example.co.jp", f"wrong password {index}", client=f"198.51.100.{index + 1}")[0])

        threads = [threading.Thread(target=wrong, args=(n,)) for n in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        check(outcomes.count(401) == 5 and outcomes.count(429) == 25, f"30 parallel wrong passwords: {outcomes.count(401)} checked, {outcomes.count(429)} refused (want 5 and 25)")
        others = [attempt(base, f"nobody{n}@example.co.jp", "wrong password", client=f"203.0.113.{n + 1}")[0] for n in range(60)]
        check(others.count(401) == 60, f"60 failures of 60 other clients: {others.count(401)} checked, {others.count(429)} refused (nobody is locked out)")
        check(attempt(base, "someone@example.co.jp", "wrong password", client="192.0.2.1")[0] == 401, "a new client is not locked out by others' failures")
        status, headers = attempt(base, "admin@example.co.jp", PASSWORD, client="192.0.2.7")
        wait = int(headers.get("Retry-After") or 0)
        check(status == 429 and 0 < wait <= 30, f"the right password during the back-off: {status}, retry after {wait} s")
        time.sleep(wait + 1)
        check(attempt(base, "admin@example.co.jp", PASSWORD, client="192.0.2.7")[0] == 303, "after the back-off the account signs in, on whichever instance")
    finally:
        proxy.shutdown()


database = fresh_database("sqlite", workdir, "security")
server, token = prepare(binary, database, 18130, workdir)
try:
    part_bodies(server, token)
    part_zip_bomb(server, token)
    part_csv(server, token)
    part_audit_csv(server, token)
finally:
    server.stop()

servers = []
try:
    if postgres:
        shared = fresh_database(postgres.rstrip("/") + "/security_throttle", workdir, "security_throttle")
        first, _ = prepare(binary, shared, 18131, workdir)
        servers.append(first)
        second = Server(binary, shared, 18132, workdir)
        second.env["MEGURI_TRUSTED_PROXIES"] = "127.0.0.1"
        first.env["MEGURI_TRUSTED_PROXIES"] = "127.0.0.1"
        first.stop()
        first.start()
        servers.append(second.start())
    else:
        single = Server(binary, fresh_database("sqlite", workdir, "security_throttle"), 18131, workdir)
        single.env["MEGURI_TRUSTED_PROXIES"] = "127.0.0.1"
        servers.append(single.start())
    part_throttle(servers)
finally:
    for s in servers:
        s.stop()

if failures:
    print(f"{len(failures)} security check(s) failed")
    sys.exit(1)
print("every security check passed")
