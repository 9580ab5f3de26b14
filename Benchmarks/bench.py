"""Latency and throughput of a release build on a large generated workspace, measured with wrk.

usage: python3 Benchmarks/bench.py [--database URL_OR_PATH] [--scale enterprise] [--duration 10] [--only PATTERN] [--out FILE]

Seeds the workspace once (kept in .bench/ for SQLite; for PostgreSQL in the database the URL
names, created when missing), runs on a fresh copy of it (a file copy; a database made from it as
a template), starts `.build/release/meguri serve`,
measures cold start to /readyz, then runs wrk at 8 and 64 connections against pages, list APIs
with filters, detail pages and a write endpoint, plus /healthz as the framework's own ceiling (the
ceiling and the creates at one connection too: a single client's create median). Each read
target's first view is timed alone before wrk (a cached page's first compilation).
Prints a Markdown table: median and p99 latency, requests/s, each as a fraction of the ceiling,
and the server's peak RSS. `--only PATTERN` (a regular expression, case-insensitive) measures
only the targets whose names match, the /healthz ceiling always; the import, mapping, notification,
campaign and starter-set timings run when the pattern matches their names ("import", "mapping",
"notification", "campaign", "starter")."""
import argparse, socket, json, os, re, signal, subprocess, sys, tempfile, time, urllib.parse, urllib.request
from http.cookiejar import CookieJar

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build/release/meguri")
SLUG = "bench"


# The server's own notification scan is put a day away (the bench runs one itself, timed, before
# starting the server), so no background scan runs while wrk measures.
QUIET = {"MEGURI_NOTIFY_SCAN_SECONDS": "86400"}


def meguri(database, *arguments):
    env = dict(os.environ, MEGURI_DATABASE_URL=database, MEGURI_LOG_LEVEL="error", **QUIET)
    return subprocess.run([BINARY, *arguments], env=env, capture_output=True, text=True, check=True, cwd=ROOT)


def seed(database, scale):
    result = subprocess.run([BINARY, "demo", "seed", "--workspace", SLUG, "--scale", scale, "--seed", "7"],
                            env=dict(os.environ, MEGURI_DATABASE_URL=database, MEGURI_LOG_LEVEL="error"), capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0 and "already used" not in result.stderr:
        sys.exit(result.stderr)
    print(result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "workspace already seeded", flush=True)
    # Databases seeded before the statement existed get it added (a no-op otherwise).
    added = subprocess.run([BINARY, "demo", "statement", "--workspace", SLUG, "--scale", scale],
                           env=dict(os.environ, MEGURI_DATABASE_URL=database, MEGURI_LOG_LEVEL="error"), capture_output=True, text=True, cwd=ROOT)
    if added.returncode != 0:
        sys.exit(added.stderr)
    print(added.stdout.strip().splitlines()[-1], flush=True)


def secretariat_email(database):
    out = meguri(database, "export", "members", "--workspace", SLUG, "--lang", "en").stdout
    for line in out.splitlines()[1:]:
        cells = line.split(",")
        if "secretariat" in cells[3]:
            return cells[0].lstrip("\ufeff")
    sys.exit("no secretariat member in the bench workspace")


def start(database, port):
    env = dict(os.environ, MEGURI_DATABASE_URL=database, MEGURI_PORT=str(port), MEGURI_LOG_LEVEL="error", MEGURI_BCRYPT_COST="4", **QUIET)
    started = time.perf_counter()
    # The server's errors (and a crash's backtrace) go to .bench/server.log for a look after the run.
    os.makedirs(os.path.join(ROOT, ".bench"), exist_ok=True)
    log = open(os.path.join(ROOT, ".bench", "server.log"), "a")
    process = subprocess.Popen([BINARY, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT)
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                if response.status == 200:
                    cold = (time.perf_counter() - started) * 1000
                    quiet_after_start(process)
                    return process, cold
        except Exception:
            if process.poll() is not None:
                sys.exit("the server did not start")
            time.sleep(0.01)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def quiet_after_start(process, limit=180):
    """Waits until the server's own work after start (the notification worker's first scan of
    every member's "my work", about 14 s of one core on the enterprise workspace when its time
    has come, starting a moment after /readyz) is over: three seconds in a row with under 5 % of
    a core. A measurement taken during it shares the cores with it."""
    if not os.path.exists(f"/proc/{process.pid}/stat"):
        return
    started = time.perf_counter()
    quiet = 0
    while quiet < 3 and time.perf_counter() - started < limit:
        before = cpu_seconds(process.pid)
        time.sleep(1)
        quiet = quiet + 1 if cpu_seconds(process.pid) - before < 0.05 else 0
    waited = time.perf_counter() - started
    if waited > 4:
        print(f"(waited {waited:.0f} s for the server's background work after start)", flush=True)


def sign_in(base, email):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"_csrf": csrf, "email": email, "password": "meguri-demo-password"}).encode()
    opener.open(base + "/login", data)
    session = next(cookie.value for cookie in jar if cookie.name == "meguri_session")
    return f"meguri_session={session}"


def api(base, token, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


WRITE_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  counter = 0
  started = os.time()
end
function request()
  counter = counter + 1
  local body = '{"name":"bench-' .. started .. '-' .. id .. '-' .. counter .. '"}'
  return wrk.format("POST", nil, nil, body)
end
"""

ASSET_WRITE_SCRIPT = WRITE_SCRIPT.replace(
    """local body = '{"name":"bench-' .. started .. '-' .. id .. '-' .. counter .. '"}'""",
    """local body = '{"code":"B-' .. started .. '-' .. id .. '-' .. counter .. '","name":"ベンチ資産","confidentiality":2,"integrity":2,"availability":1}'""")

READ_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d\\n", summary.requests, latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def wrk(url, headers, connections, duration, script_text=""):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script_text + READ_SCRIPT)
        script = f.name
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", script]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True).stdout
    os.unlink(script)
    match = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+)", output)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": int(match.group(2)) / 1000, "p99": int(match.group(3)) / 1000,
            "errors": int(match.group(4)) + (int(non2xx.group(1)) if non2xx else 0), "requests": int(match.group(1))}


def first_view(url, headers):
    """One request alone, in milliseconds."""
    request = urllib.request.Request(url, headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def settle(base, limit=60):
    """Waits until requests a slow target left queued are served: /readyz (one database round
    trip) answers within 10 ms twice in a row, so no target pays for the one before it."""
    quick, started = 0, time.time()
    while quick < 2 and time.time() - started < limit:
        t = time.perf_counter()
        try:
            urllib.request.urlopen(base + "/readyz", timeout=10).read()
        except Exception:
            pass
        quick = quick + 1 if (time.perf_counter() - t) < 0.010 else 0
        time.sleep(0.2)


def asset_rows(count, prefix, emails, departments):
    kinds = ["情報", "ソフトウェア", "物理", "サービス"]
    for n in range(count):
        yield [f"{prefix}{n:06d}", f"取込資産 {n}", kinds[n % 4], "電子" if n % 3 else "紙", emails[n % len(emails)], departments[n % len(departments)],
               n % 3 + 1, (n // 3) % 3 + 1, (n // 9) % 3 + 1, "一括取込のベンチマーク"]


def upload(base, token, path, data, content_type):
    request = urllib.request.Request(base + path, data=data, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        report = json.load(response)
    return time.perf_counter() - started, report


def import_benchmark(base, token, database, count=50_000):
    """50,000 new assets as CSV and as Excel: dry run, then the import."""
    header = ["管理番号", "資産名", "種別", "形態", "所有者", "部門", "機密性", "完全性", "可用性", "備考"]
    members = meguri(database, "export", "members", "--workspace", SLUG, "--lang", "en").stdout.splitlines()[1:]
    emails = [line.split(",")[0].lstrip("\ufeff") for line in members if "departmentOfficer" in line][:50] or [members[0].split(",")[0]]
    departments = [line.split(",")[0].lstrip("\ufeff") for line in meguri(database, "export", "departments", "--workspace", SLUG).stdout.splitlines()[1:]]
    results = []
    csv_text = "\n".join(",".join(str(cell) for cell in row) for row in [header, *asset_rows(count, "IMP-C-", emails, departments)]) + "\n"
    path = f"/api/v1/workspaces/{SLUG}/assets/import"
    dry, report = upload(base, token, path + "?dryRun=true", csv_text.encode(), "text/csv")
    assert len(report["rows"]) == count, report
    done, _ = upload(base, token, path, csv_text.encode(), "text/csv")
    results.append(("CSV (UTF-8)", count, dry, done))
    print(f"import CSV {count} rows: dry run {dry:.1f}s, import {done:.1f}s", flush=True)
    try:
        from openpyxl import Workbook
    except ImportError:
        return results
    book = Workbook(write_only=True)
    sheet = book.create_sheet("資産")
    sheet.append(header)
    for row in asset_rows(count, "IMP-X-", emails, departments):
        sheet.append(row)
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as f:
        book.save(f.name)
        data = open(f.name, "rb").read()
    os.unlink(f.name)
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    dry, _ = upload(base, token, path + "?dryRun=true", data, kind)
    done, _ = upload(base, token, path, data, kind)
    results.append(("Excel (.xlsx)", count, dry, done))
    print(f"import XLSX {count} rows: dry run {dry:.1f}s, import {done:.1f}s", flush=True)
    return results


def mapping_benchmark(base, email, database, count=50_000):
    """Issue 14: a 50,000-row file in another organization's layout uploaded to the import page —
    read, its mapping proposed and the file kept as a pending import (the upload answers with the
    mapping step) — then the mapping step itself (the pending file read and proposed again)."""
    import uuid
    from http.cookiejar import CookieJar

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    try:
        opener.open(base + "/login", urllib.parse.urlencode({"_csrf": csrf, "email": email, "password": "meguri-demo-password"}).encode())
    except urllib.error.HTTPError as signed_in:
        assert signed_in.code in (302, 303), signed_in.code
    form = opener.open(base + f"/w/{SLUG}/assets/import").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', form).group(1)
    members = meguri(database, "export", "members", "--workspace", SLUG, "--lang", "en").stdout.splitlines()[1:]
    emails = [line.split(",")[0].lstrip("\ufeff") for line in members][:50]
    departments = [line.split(",")[0].lstrip("\ufeff") for line in meguri(database, "export", "departments", "--workspace", SLUG).stdout.splitlines()[1:]]
    header = ["No.", "名称", "分類", "媒体", "オーナー", "所属部門", "C", "I", "A", "メモ"]
    rows = [header, *asset_rows(count, "MAP-", emails, departments)]
    files = [("CSV (Shift_JIS)", "台帳.csv", ("\r\n".join(",".join(str(c) for c in row) for row in rows) + "\r\n").encode("cp932"), "text/csv")]
    try:
        from openpyxl import Workbook
        book = Workbook(write_only=True)
        sheet = book.create_sheet("資産台帳")
        sheet.append(["情報資産管理台帳"])
        for row in rows:
            sheet.append(row)
        with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as f:
            book.save(f.name)
            files.append(("Excel (.xlsx)", "台帳.xlsx", open(f.name, "rb").read(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        os.unlink(f.name)
    except ImportError:
        pass
    results = []
    for label, name, data, kind in files:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {kind}\r\n\r\n").encode() \
            + data + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(base + f"/w/{SLUG}/assets/import", data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        started = time.perf_counter()
        try:
            opener.open(request, timeout=600)
            sys.exit("the upload did not lead to the mapping step")
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 303, redirect.code
            step = redirect.headers["Location"]
        upload_s = time.perf_counter() - started
        started = time.perf_counter()
        html = opener.open(base + step, timeout=600).read().decode()
        step_s = time.perf_counter() - started
        assert "f-map-0" in html
        results.append((label, count, len(data), upload_s, step_s))
        print(f"mapping step {label} {count} rows ({len(data) / 1e6:.1f} MB): upload and proposal {upload_s:.2f}s, the step's page {step_s:.2f}s", flush=True)
    return results


def readers(base, database, count=150):
    """Signed-in sessions of `count` employees (the demo's shared password): (Cookie header, CSRF token) each."""
    members = meguri(database, "export", "members", "--workspace", SLUG, "--lang", "en").stdout.splitlines()[1:]
    emails = [line.split(",")[0].lstrip("\ufeff") for line in members if line.split(",")[3:4] == ["employee"]][:count]
    sessions = []
    for email in emails:
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + "/login").read().decode()
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        opener.open(base + "/login", urllib.parse.urlencode({"_csrf": csrf, "email": email, "password": "meguri-demo-password"}).encode())
        page = opener.open(base + f"/w/{SLUG}/reading").read().decode()
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page)
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        if csrf and "meguri_session" in cookie:
            sessions.append((cookie, csrf.group(1)))
    return sessions


def acknowledge_script(sessions, paths):
    """Each request is one reader acknowledging one document: readers × documents pairs in turn, each thread its own run of them."""
    readers = ",".join('{"%s","%s"}' % (cookie.replace('"', ""), csrf) for cookie, csrf in sessions)
    documents = ",".join(f'"{path}"' for path in paths)
    return """
local readers = {%s}
local documents = {%s}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  counter = (id - 1) * 100000
end
function request()
  counter = counter + 1
  local r = readers[(counter %% #readers) + 1]
  local d = documents[(math.floor(counter / #readers) %% #documents) + 1]
  return wrk.format("POST", d, {["Cookie"] = r[1], ["Content-Type"] = "application/x-www-form-urlencoded"}, "_csrf=" .. r[2])
end
""" % (readers, documents)


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0


def notification_scans(database):
    """Times `meguri notify scan` over every member's "my work": the first scan (which remembers
    what was waiting) and the next (nothing new), with the longest write transaction of each; then
    the worker's delivery rate to a local SMTP server (aiosmtpd, when installed)."""
    lines = []
    for label in ("first scan", "second scan"):
        started = time.perf_counter()
        out = meguri(database, "notify", "scan", "--workspace", SLUG).stdout.strip().splitlines()
        seconds = time.perf_counter() - started
        lines.append(f"Notifications, {label} of every member's my work: {seconds:.1f} s ({out[0]}; {out[-1]}).")
        print(lines[-1], flush=True)
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        return lines
    class Sink:
        count = 0
        async def handle_DATA(self, server, session, envelope):
            Sink.count += 1
            return "250 OK"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = dict(os.environ, MEGURI_DATABASE_URL=database, MEGURI_LOG_LEVEL="error", MEGURI_SMTP_URL=f"smtp://127.0.0.1:{port}",
                   MEGURI_MAIL_FROM="isms@example.co.jp", **QUIET)
        subprocess.run([BINARY, "notify", "send-test", "--email", "bench@example.co.jp", "--count", "2000", "--queue-only"], env=env, check=True, cwd=ROOT,
                       capture_output=True)
        started = time.perf_counter()
        subprocess.run([BINARY, "notify", "deliver"], env=env, check=True, cwd=ROOT, capture_output=True)
        seconds = time.perf_counter() - started
        lines.append(f"The worker delivered {Sink.count} messages to a local SMTP server (aiosmtpd) in {seconds:.1f} s: {Sink.count / seconds:.0f} messages/s.")
        print(lines[-1], flush=True)
    finally:
        controller.stop()
    return lines


def psql(url, statement):
    """Runs one statement with psql on the server of `url` (its maintenance database `postgres`)."""
    parsed = urllib.parse.urlparse(url)
    query = urllib.parse.parse_qs(parsed.query)
    libpq = "?sslmode=disable" if query.get("tlsmode") == ["disable"] else ""
    admin = parsed._replace(path="/postgres", query="").geturl() + libpq
    subprocess.run(["psql", admin, "-v", "ON_ERROR_STOP=1", "-qc", statement], check=True, capture_output=True, text=True)


def postgres_database(url):
    """Creates the database the URL names when it is missing (the seed fills it)."""
    name = urllib.parse.urlparse(url).path.lstrip("/")
    try:
        psql(url, f'CREATE DATABASE "{name}"')
        print(f"created database {name}", flush=True)
    except subprocess.CalledProcessError as error:
        if "already exists" not in error.stderr:
            sys.exit(error.stderr)


def postgres_copy(url):
    """A fresh copy of the seeded database for this run (CREATE DATABASE … TEMPLATE), so writes of
    one run never slow the next; returns its URL."""
    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    copy = name + "_run"
    psql(url, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    psql(url, f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    # No parallel workers for the app's queries (docs/BENCHMARKS.md, "Issue 20, fourth part"): on
    # two cores shared with the app and wrk, starting a worker cost more than the query it split
    # (the 顧客 search's page of 50: 16.8 ms → 4.8 ms in EXPLAIN ANALYZE).
    for setting, value in POSTGRES_SETTINGS.items():
        psql(url, f'ALTER DATABASE "{copy}" SET {setting} = {value}')
    return parsed._replace(path="/" + copy).geturl()


POSTGRES_SETTINGS = {"max_parallel_workers_per_gather": "0"}


def postgres_settings(url):
    """The server settings a run was measured with, for the report."""
    parsed = urllib.parse.urlparse(url)
    libpq = "?sslmode=disable" if urllib.parse.parse_qs(parsed.query).get("tlsmode") == ["disable"] else ""
    names = ["shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "max_parallel_workers_per_gather", "jit"]
    query = "SELECT name, setting, unit FROM pg_settings WHERE name IN (" + ",".join(f"'{n}'" for n in names) + ") ORDER BY name"
    out = subprocess.run(["psql", parsed._replace(query="").geturl() + libpq, "-AtF", " ", "-c", query], capture_output=True, text=True).stdout
    shown = []
    for line in out.splitlines():
        name, setting, *unit = line.split(" ")
        unit = unit[0] if unit else ""
        if unit == "8kB":
            setting, unit = str(int(setting) * 8 // 1024), "MB"
        elif unit == "kB":
            setting, unit = str(int(setting) // 1024), "MB"
        shown.append(f"`{name}` {setting}{(' ' + unit) if unit else ''}")
    pool = os.environ.get("MEGURI_POSTGRES_POOL", "4 (the default)")
    return f"PostgreSQL {', '.join(shown)}; the app's pool: {pool} connections per event loop."


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=os.path.join(ROOT, ".bench", "enterprise.sqlite"),
                        help="the seeded database; SQLite runs work on a fresh copy of it, so writes of one run never slow the next")
    parser.add_argument("--scale", default="enterprise")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--only", help="a regular expression: measure only the targets whose names match (and the /healthz ceiling)")
    parser.add_argument("--out")
    args = parser.parse_args()
    only = re.compile(args.only, re.IGNORECASE) if args.only else None
    def wanted(name):
        return only is None or bool(only.search(name))
    if not os.path.exists(BINARY):
        sys.exit("build the release binary first: swift build -c release")
    if args.database.startswith("postgres"):
        postgres_database(args.database)
    else:
        os.makedirs(os.path.dirname(args.database), exist_ok=True)
    engine = "PostgreSQL" if args.database.startswith("postgres") else "SQLite"
    started = time.time()
    seed(args.database, args.scale)
    print(f"seeding/check took {time.time() - started:.0f}s", flush=True)
    if args.database.startswith("postgres"):
        args.database = postgres_copy(args.database)
    else:
        copy = args.database.replace(".sqlite", ".run.sqlite")
        for suffix in ["", "-wal", "-shm"]:
            if os.path.exists(copy + suffix):
                os.remove(copy + suffix)
        subprocess.run(["cp", args.database, copy], check=True)
        os.sync()  # the copy's 1.3 GB written back before the run, not during its writes
        args.database = copy
    email = secretariat_email(args.database)
    token = meguri(args.database, "token", "create", "--email", email, "--name", "bench", "--workspace", SLUG).stdout.strip().splitlines()[-1]
    scans = notification_scans(args.database) if wanted("notification") else []
    port = 18300
    process, cold = start(args.database, port)
    base = f"http://127.0.0.1:{port}"
    try:
        cookie = sign_in(base, email)
        member = api(base, token, f"/api/v1/workspaces/{SLUG}/members?limit=1&q=sato")["items"][0]["id"]
        department = api(base, token, f"/api/v1/workspaces/{SLUG}/departments?limit=1")["items"][0]["id"]
        bearer = {"Authorization": f"Bearer {token}"}
        page = {"Cookie": cookie}
        q = urllib.parse.quote("佐藤")
        w = f"/api/v1/workspaces/{SLUG}"
        asset = api(base, token, f"{w}/assets?limit=1&sort=valueDescending")["items"][0]["id"]
        assessment = api(base, token, f"{w}/risk-assessments")["items"][0]["id"]
        risk = api(base, token, f"{w}/risk-assessments/{assessment}/risks?limit=1&sort=inherentDescending")["items"][0]["id"]
        heat = api(base, token, f"{w}/risk-assessments/{assessment}/heat-map")
        busiest = max(heat["cells"], key=lambda cell: cell["count"])
        cell = f"inherent:{busiest['x']}:{busiest['y']}"
        q_asset = urllib.parse.quote("顧客")
        audit = api(base, token, f"{w}/audits")["items"][0]["id"]
        review = api(base, token, f"{w}/management-reviews?limit=1")["items"][0]["id"]
        documents = api(base, token, f"{w}/documents?limit=12")["items"]
        policy = documents[0]
        q_document = urllib.parse.quote("暗号")
        courses = api(base, token, f"{w}/courses")["items"]
        annual = api(base, token, f"{w}/courses/{courses[0]['id']}")
        right = {q["id"]: [c["id"] for c in q["choices"] if c["correct"]] for q in annual["questions"]}
        campaigns = api(base, token, f"{w}/campaigns")["items"]
        yearly = next(c for c in campaigns if c["courseId"] == annual["id"] and c["status"] == "open")
        today_tokyo = time.gmtime(time.time() + 9 * 3600)
        fy = today_tokyo.tm_year if today_tokyo.tm_mon >= 4 else today_tokyo.tm_year - 1
        # The personal feed spans every workspace: a token limited to one may not have it.
        me_token = meguri(args.database, "token", "create", "--email", email, "--name", "bench-calendar").stdout.strip().splitlines()[-1]
        my_feed = urllib.parse.urlparse(api(base, me_token, "/api/v1/me/calendar")["url"]).path
        plan_feed = urllib.parse.urlparse(api(base, token, f"{w}/plan/calendar")["url"]).path
        extra = []
        if wanted("campaign"):
            started = time.perf_counter()
            request = urllib.request.Request(base + f"{w}/campaigns", method="POST", headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                                             data=json.dumps({"title": "bench campaign", "courseId": annual["id"], "audience": {"everyone": True}, "dueDays": 30}).encode())
            with urllib.request.urlopen(request) as response:
                new_campaign = json.load(response)["id"]
            start_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            everyone = api(base, token, f"{w}/campaigns/{new_campaign}/completion")["total"]
            first_completion_ms = (time.perf_counter() - started) * 1000
            print(f"starting a campaign for {everyone} people: {start_ms:.0f} ms (its first completion: {first_completion_ms:.0f} ms)", flush=True)
            extra += [f"Starting a campaign for {everyone} people (POST /campaigns): {start_ms:.0f} ms; its first completion: {first_completion_ms:.0f} ms.", ""]
        if wanted("starter"):
            # The starter set: all eight drafts written from the workspace's data in one request.
            started = time.perf_counter()
            request = urllib.request.Request(base + f"{w}/documents/starters", method="POST", data=b'{"language":"ja"}',
                                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            with urllib.request.urlopen(request) as response:
                starters_written = len(json.load(response)["items"])
            starters_ms = (time.perf_counter() - started) * 1000
            print(f"writing the starter set ({starters_written} drafts): {starters_ms:.0f} ms", flush=True)
            extra += [f"Writing the starter set (POST /documents/starters, {starters_written} drafts): {starters_ms:.0f} ms.", ""]
        attempt_script = WRITE_SCRIPT.replace(
            """local body = '{"name":"bench-' .. started .. '-' .. id .. '-' .. counter .. '"}'""",
            "local body = '" + json.dumps({"courseId": annual["id"], "answers": right}).replace("'", "\\'") + "'")
        acknowledge = ""
        if wanted("acknowledge a document"):
            sessions = readers(base, args.database)
            acknowledge = acknowledge_script(sessions, [f"/w/{SLUG}/documents/{d['id']}/versions/{d['publishedVersion']}/acknowledge" for d in documents])
            print(f"{len(sessions)} readers signed in for the acknowledgement benchmark", flush=True)
        targets = [
            ("framework ceiling: GET /healthz", "/healthz", {}, ""),
            ("page: my work (home)", f"/w/{SLUG}", page, ""),
            ("page: members list", f"/w/{SLUG}/members", page, ""),
            ("page: members search 佐藤", f"/w/{SLUG}/members?q={q}", page, ""),
            ("page: departments list", f"/w/{SLUG}/departments", page, ""),
            ("page: audit trail", f"/w/{SLUG}/audit-trail", page, ""),
            ("page: audit trail filtered (member updates)", f"/w/{SLUG}/audit-trail?type=member&action=update", page, ""),
            ("page: member detail", f"/w/{SLUG}/members/{member}", page, ""),
            ("page: member history", f"/w/{SLUG}/history/member/{member}", page, ""),
            ("API: members list", f"/api/v1/workspaces/{SLUG}/members?limit=50", bearer, ""),
            ("API: members by role", f"/api/v1/workspaces/{SLUG}/members?role=departmentOfficer&limit=50", bearer, ""),
            ("API: members search", f"/api/v1/workspaces/{SLUG}/members?q=sato&limit=50", bearer, ""),
            ("API: departments list", f"/api/v1/workspaces/{SLUG}/departments?limit=50", bearer, ""),
            ("API: audit events", f"/api/v1/workspaces/{SLUG}/audit-events?limit=50", bearer, ""),
            ("API: audit events of one record", f"/api/v1/workspaces/{SLUG}/audit-events?entityType=member&entityId={member}", bearer, ""),
            ("API: member detail", f"/api/v1/workspaces/{SLUG}/members/{member}", bearer, ""),
            ("API: department detail", f"/api/v1/workspaces/{SLUG}/departments/{department}", bearer, ""),
            ("page: asset inventory", f"/w/{SLUG}/assets", page, ""),
            ("page: asset inventory, page 500 (offset 24,950)", f"/w/{SLUG}/assets?page=500", page, ""),
            ("page: assets filtered (software, by value)", f"/w/{SLUG}/assets?type=software&sort=valueDescending", page, ""),
            ("page: assets search 顧客", f"/w/{SLUG}/assets?q={q_asset}", page, ""),
            ("page: assets not reviewed for a year", f"/w/{SLUG}/assets?stale=1", page, ""),
            ("page: asset detail", f"/w/{SLUG}/assets/{asset}", page, ""),
            ("page: risk assessment (heat maps, register)", f"/w/{SLUG}/risk-assessments/{assessment}", page, ""),
            ("page: register of one heat-map cell", f"/w/{SLUG}/risk-assessments/{assessment}?cell={cell}", page, ""),
            ("page: risk detail", f"/w/{SLUG}/risks/{risk}", page, ""),
            ("page: treatment plan", f"/w/{SLUG}/treatment-plan", page, ""),
            ("API: assets list", f"{w}/assets?limit=50", bearer, ""),
            ("API: assets list, 10 rows", f"{w}/assets?limit=10", bearer, ""),
            ("API: assets list, 100 rows", f"{w}/assets?limit=100", bearer, ""),
            ("API: assets filtered", f"{w}/assets?type=information&minValue=3&sort=valueDescending&limit=50", bearer, ""),
            ("API: assets search 顧客 (2 characters, gram index)", f"{w}/assets?q={q_asset}&limit=50", bearer, ""),
            ("API: asset detail", f"{w}/assets/{asset}", bearer, ""),
            ("API: risks of the assessment", f"{w}/risk-assessments/{assessment}/risks?limit=50", bearer, ""),
            ("API: risks high, by residual", f"{w}/risk-assessments/{assessment}/risks?level=high&sort=residualDescending&limit=50", bearer, ""),
            ("API: risks search 顧客 (own text or the asset's)", f"{w}/risk-assessments/{assessment}/risks?q={q_asset}&limit=50", bearer, ""),
            ("API: heat map", f"{w}/risk-assessments/{assessment}/heat-map", bearer, ""),
            ("API: treatment actions overdue", f"{w}/treatment-actions?overdue=true&limit=50", bearer, ""),
            ("page: controls filtered (technological, detective)", f"/w/{SLUG}/controls?theme=technological&type=Detective", page, ""),
            ("page: control with guidance and linked risks", f"/w/{SLUG}/controls/5.15", page, ""),
            ("page: clauses with guidance", f"/w/{SLUG}/clauses", page, ""),
            ("API: controls list", f"{w}/controls?limit=50", bearer, ""),
            ("page: SoA (93 + 200 own controls, first 100)", f"/w/{SLUG}/soa", page, ""),
            ("page: SoA lines with warnings", f"/w/{SLUG}/soa?warning=any", page, ""),
            ("page: SoA entry with guidance and evidence", f"/w/{SLUG}/soa/8.13", page, ""),
            ("page: SoA version 1 (frozen)", f"/w/{SLUG}/soa/versions/1", page, ""),
            ("page: SoA print (all lines)", f"/w/{SLUG}/soa/print", page, ""),
            ("page: evidence list", f"/w/{SLUG}/evidence", page, ""),
            ("page: evidence expired", f"/w/{SLUG}/evidence?validity=expired", page, ""),
            ("API: SoA entries", f"{w}/soa?limit=50", bearer, ""),
            ("API: SoA export XLSX (as it stands)", f"{w}/soa/export?format=xlsx", bearer, ""),
            ("API: SoA export XLSX (version 1)", f"{w}/soa/export?format=xlsx&version=1", bearer, ""),
            ("API: evidence of one control", f"{w}/evidence?control=8.13&limit=50", bearer, ""),
            ("page: objectives (status, next measurement)", f"/w/{SLUG}/objectives", page, ""),
            ("API: objectives with measurements", f"{w}/objectives?limit=50", bearer, ""),
            ("page: audit programmes", f"/w/{SLUG}/audit-programmes", page, ""),
            ("page: internal audit (checklist, findings)", f"/w/{SLUG}/audits/{audit}", page, ""),
            ("page: nonconformities register", f"/w/{SLUG}/nonconformities", page, ""),
            ("API: open nonconformities", f"{w}/nonconformities?open=true&limit=50", bearer, ""),
            ("page: management review (inputs compiled live)", f"/w/{SLUG}/management-reviews/{review}", page, ""),
            ("API: management review with inputs", f"{w}/management-reviews/{review}", bearer, ""),
            ("page: review minutes (print)", f"/w/{SLUG}/management-reviews/{review}/minutes", page, ""),
            ("page: documents register", f"/w/{SLUG}/documents", page, ""),
            ("API: starter documents and what changed", f"{w}/documents/starters", bearer, ""),
            ("page: documents search 暗号", f"/w/{SLUG}/documents?q={q_document}", page, ""),
            ("API: documents search 暗号", f"{w}/documents?q={q_document}&limit=50", bearer, ""),
            ("page: to read (reading list)", f"/w/{SLUG}/reading", page, ""),
            ("API: my reading", f"{w}/my-reading", bearer, ""),
            ("page: read the policy in force", f"/w/{SLUG}/documents/{policy['id']}/versions/{policy['publishedVersion']}", page, ""),
            ("page: policy completion by department (5,000 readers)", f"/w/{SLUG}/documents/{policy['id']}/completion", page, ""),
            ("API: policy acknowledgements (5,000 readers)", f"{w}/documents/{policy['id']}/acknowledgements", bearer, ""),
            ("page: training (my courses, campaigns with totals)", f"/w/{SLUG}/training", page, ""),
            ("API: my courses (assignments?mine=true)", f"{w}/assignments?mine=true", bearer, ""),
            ("page: a course with its quiz", f"/w/{SLUG}/training/courses/{annual['id']}", page, ""),
            ("page: campaign completion by department (5,000 people)", f"/w/{SLUG}/training/campaigns/{yearly['id']}", page, ""),
            ("API: campaign completion (5,000 people)", f"{w}/campaigns/{yearly['id']}/completion", bearer, ""),
            ("page: annual plan, the year in twelve columns", f"/w/{SLUG}/annual-plan?year={fy}", page, ""),
            ("page: annual plan, month calendar", f"/w/{SLUG}/annual-plan?view=month", page, ""),
            ("API: the plan of a fiscal year", f"{w}/plan?from={fy}-04-01&to={fy + 1}-03-31", bearer, ""),
            ("feed: a busy person's calendar (the secretariat)", my_feed, {}, ""),
            ("feed: the workspace's whole plan", plan_feed, {}, ""),
            ("page: my notifications (the secretariat)", "/notifications", page, ""),
            ("API: my notifications (limited token)", "/api/v1/me/notifications?limit=50", bearer, ""),
            # Writes last: the rows they add would otherwise swell the lists measured after them.
            ("write: POST department (API)", f"/api/v1/workspaces/{SLUG}/departments", {**bearer, "Content-Type": "application/json"}, WRITE_SCRIPT),
            ("write: POST asset (API)", f"{w}/assets", {**bearer, "Content-Type": "application/json"}, ASSET_WRITE_SCRIPT),
            ("write: acknowledge a document (page form, 150 readers × 12 documents)", f"/w/{SLUG}/documents", {}, acknowledge),
            ("write: submit a quiz (API, scored on the server)", f"{w}/attempts", {**bearer, "Content-Type": "application/json"}, attempt_script),
        ]
        rows = []
        ceiling = {}
        first = {}
        for name, path, headers, script in targets:
            if not name.startswith("framework") and not wanted(name):
                continue
            if not name.startswith(("framework", "write")):
                # The first view of the run, alone: what a cache's first compilation costs (or a
                # cold path), reported apart from the steady state wrk measures after it.
                settle(base)
                first[name] = first_view(base + path, headers)
            # One client too for the ceiling and the creates: issue 20's one-client create median.
            for connections in ((1, 8, 64) if name.startswith(("framework", "write: POST")) else (8, 64)):
                settle(base)
                result = wrk(base + path, headers, connections, args.duration, script)
                if name.startswith("framework"):
                    ceiling[connections] = result["rps"]
                rows.append((name, connections, result))
                print(f"{name:48s} c={connections:<3d} {result['rps']:9.0f} req/s  p50 {result['p50']:7.2f} ms  p99 {result['p99']:7.2f} ms"
                      f"{f'  first {first[name]:.1f} ms' if name in first and connections == 8 else ''}"
                      f"  ({result['rps'] / ceiling[connections]:.2f} of ceiling){'  ERRORS ' + str(result['errors']) if result['errors'] else ''}", flush=True)
        rows_import = import_benchmark(base, token, args.database) if wanted("import") else []
        rows_mapping = mapping_benchmark(base, email, args.database) if wanted("mapping") else []
        rss = peak_rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()
    extra += [*scans, ""] if scans else []
    lines = [f"### {engine}, {args.scale} workspace ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, wrk -t2 -d{args.duration}s)", "",
             f"Cold start to /readyz: {cold:.0f} ms. Peak RSS of the server during the run: {rss:.0f} MB.", "",
             *([postgres_settings(args.database), ""] if args.database.startswith("postgres") else []), *extra,
             "The first view of each read target is timed alone before wrk starts (a cached page's first compilation, a cold path) and given on its 8-connection row; wrk's percentiles are the steady state after it.", "",
             "| endpoint | conns | req/s | × ceiling | p50 ms | p99 ms | first view ms | errors |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, connections, r in rows:
        view = f"{first[name]:.1f}" if name in first and connections == 8 else ""
        lines.append(f"| {name} | {connections} | {r['rps']:.0f} | {r['rps'] / ceiling[connections]:.2f} | {r['p50']:.2f} | {r['p99']:.2f} | {view} | {r['errors']} |")
    if rows_import:
        lines += ["", "Importing a file of new assets through `POST /api/v1/workspaces/{slug}/assets/import` (whole file in one request, all or nothing):", "",
                  "| file | rows | dry run s | import s |", "|---|---:|---:|---:|"]
    for label, count, dry, done in rows_import:
        lines.append(f"| {label} | {count} | {dry:.1f} | {done:.1f} |")
    if rows_mapping:
        lines += ["", "The import page's mapping step for a file in another layout (`No.`, `名称`, `分類`, `C`/`I`/`A`): the upload read, its mapping proposed and the file kept as a pending import; then the step's page (the pending file read and proposed again):", "",
                  "| file | rows | MB | upload and proposal s | mapping step s |", "|---|---:|---:|---:|---:|"]
    for label, count, size, upload_s, step_s in rows_mapping:
        lines.append(f"| {label} | {count} | {size / 1e6:.1f} | {upload_s:.2f} | {step_s:.2f} |")
    report = "\n".join(lines) + "\n"
    print("\n" + report)
    if args.out:
        with open(args.out, "a") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
