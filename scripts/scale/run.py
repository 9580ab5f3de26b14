"""Two `meguri serve` instances on one PostgreSQL behind HAProxy (issue 20), measured and checked:

  sessions    a person signed in through the proxy is signed in on either instance;
  throughput  a 10-row list API and a page, through one instance and through the proxy to two,
              with the CPU each request cost the app and the database (from /proc, per request);
  kill        writers create departments through the proxy while one instance is killed with
              SIGKILL and restarted: every acknowledged create is there afterwards, the only
              failures are requests that were on the killed instance, and `meguri audit verify`
              passes.

The sign-in throttle across instances is checked by scripts/reliability/security.py. Not run by CI
(it is a benchmark); needs haproxy and wrk from apt.
usage: python3 scripts/scale/run.py [--binary .build/release/meguri] --postgres postgres://USER@HOST:PORT [--duration 10]"""
import argparse, json, os, re, signal, subprocess, sys, tempfile, threading, time, urllib.parse, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reliability"))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
from common import PASSWORD, Server, call, fresh_database  # noqa: E402
import bench  # noqa: E402

PROXY, A, B = 18200, 18201, 18202


def haproxy(workdir):
    config = os.path.join(workdir, "haproxy.cfg")
    with open(config, "w") as f:
        f.write(f"""global
  maxconn 2048
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  retries 2
  option redispatch
  # Only a request never sent is retried elsewhere: a create is not idempotent.
  retry-on conn-failure
frontend meguri
  bind 127.0.0.1:{PROXY}
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2
  server a 127.0.0.1:{A} check
  server b 127.0.0.1:{B} check
""")
    process = subprocess.Popen(["haproxy", "-f", config, "-db"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "haproxy.log"), "ab"))
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PROXY}/healthz", timeout=1)
            return process
        except Exception:
            time.sleep(0.1)
    sys.exit("haproxy did not start")


def sign_in(base):
    jar_cookie, page = None, None
    with urllib.request.urlopen(base + "/login", timeout=10) as response:
        page = response.read().decode()
        jar_cookie = response.headers.get("Set-Cookie", "").split(";")[0]
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    request = urllib.request.Request(base + "/login", data=urllib.parse.urlencode({"_csrf": csrf, "email": "admin@example.co.jp", "password": PASSWORD}).encode(),
                                     headers={"Cookie": jar_cookie, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 303, answer.code
        return "; ".join(c.split(";")[0] for c in answer.headers.get_all("Set-Cookie"))
    sys.exit("the sign-in did not redirect")


def cpu_seconds(pids):
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def postgres_pids():
    return [int(p) for p in subprocess.run(["pgrep", "-f", "^postgres"], capture_output=True, text=True).stdout.split()]


def measured(name, url, headers, connections, duration, app_pids):
    before_app, before_db = cpu_seconds(app_pids), cpu_seconds(postgres_pids())
    result = bench.wrk(url, headers, connections, duration)
    app = (cpu_seconds(app_pids) - before_app) * 1000 / max(1, result["requests"])
    db = (cpu_seconds(postgres_pids()) - before_db) * 1000 / max(1, result["requests"])
    line = f"| {name} | {connections} | {result['rps']:.0f} | {result['p50']:.2f} | {result['p99']:.2f} | {result['errors']} | {app:.2f} | {db:.2f} |"
    print(line, flush=True)
    return line


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/meguri"))
    parser.add_argument("--postgres", required=True, help="postgres://USER@HOST:PORT (the database meguri_scale is made afresh there)")
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="meguri-scale-")
    database = fresh_database(args.postgres.rstrip("/") + "/meguri_scale", workdir, "meguri_scale")
    first = Server(args.binary, database, A, workdir).start()
    second = None
    proxy = None
    report = []
    try:
        first.cli("workspace", "create", "--name", "検証用 ISMS", "--slug", "proof", "--database-url", database)
        token = first.cli("token", "create", "--email", "admin@example.co.jp", "--name", "scale", "--database-url", database).stdout.strip().splitlines()[-1]
        for n in range(30):
            assert call(first.base, "POST", "/api/v1/workspaces/proof/departments", token, {"name": f"部門{n:02d}"})[0] == 201
        second = Server(args.binary, database, B, workdir).start()
        proxy = haproxy(workdir)
        base = f"http://127.0.0.1:{PROXY}"

        # Sessions: signed in through the proxy, signed in on both instances.
        cookie = sign_in(base)
        for server in (first, second):
            request = urllib.request.Request(server.base + "/w/proof/departments", headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200 and "部門00" in response.read().decode(), f"the session did not hold on port {server.port}"
        report.append("A session made through the proxy opened the departments page on both instances.")

        # Throughput: one instance, then two behind the proxy; CPU per request of the app and the database.
        report += ["", "| target | conns | req/s | p50 ms | p99 ms | errors | app CPU ms/req | database CPU ms/req |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        bearer = {"Authorization": f"Bearer {token}"}
        apps = [first.process.pid, second.process.pid]
        for connections in (8, 32):
            report.append(measured("API departments?limit=10, one instance", f"{first.base}/api/v1/workspaces/proof/departments?limit=10", bearer, connections, args.duration, apps))
            report.append(measured("API departments?limit=10, two instances behind HAProxy", f"{base}/api/v1/workspaces/proof/departments?limit=10", bearer, connections, args.duration, apps))
            report.append(measured("page: departments, one instance", f"{first.base}/w/proof/departments", {"Cookie": cookie}, connections, args.duration, apps))
            report.append(measured("page: departments, two instances behind HAProxy", f"{base}/w/proof/departments", {"Cookie": cookie}, connections, args.duration, apps))

        # Writes through the proxy while one instance is killed and restarted.
        acknowledged, failures, lock = {}, [], threading.Lock()
        stop = threading.Event()

        def writer(index):
            n = 0
            while not stop.is_set():
                n += 1
                name = f"書込{index}-{n}"
                try:
                    status, _, body = call(base, "POST", "/api/v1/workspaces/proof/departments", token, {"name": name}, timeout=10)
                except Exception as error:
                    status, body = f"{type(error).__name__}", None
                with lock:
                    if status == 201:
                        acknowledged[name] = body["id"]
                    else:
                        failures.append(status)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(args.duration / 2)
        second.kill()
        killed_at = time.time()
        time.sleep(2)
        second.start()
        time.sleep(args.duration / 2)
        stop.set()
        for thread in threads:
            thread.join()
        listed, cursor = {}, None
        while True:
            path = "/api/v1/workspaces/proof/departments?limit=200" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
            status, _, page = call(first.base, "GET", path, token)
            assert status == 200, status
            listed.update({item["name"]: item["id"] for item in page["items"]})
            cursor = page.get("nextCursor")
            if not cursor:
                break
        lost = [name for name, ident in acknowledged.items() if listed.get(name) != ident]
        verify = first.cli("audit", "verify", "--database-url", database, check=False)
        report += ["", f"Writes through the proxy, 4 writers, {args.duration + 2} s, instance b killed with SIGKILL after {args.duration / 2:.0f} s "
                   f"and restarted 2 s later: {len(acknowledged)} creates acknowledged, {len(lost)} of them missing afterwards; "
                   f"{len(failures)} requests failed ({', '.join(f'{s}×{list(map(str, failures)).count(s)}' for s in sorted(set(map(str, failures))))}) — "
                   f"requests in flight on the killed instance, which HAProxy does not resend (a create is not idempotent); "
                   f"`meguri audit verify`: {'passed' if verify.returncode == 0 else 'FAILED: ' + verify.stdout + verify.stderr}."]
        print("\n".join(report))
        if lost or verify.returncode != 0:
            sys.exit("acknowledged writes were lost or the audit chain broke")
    finally:
        if proxy:
            proxy.terminate()
            proxy.wait()
        for server in (first, second):
            if server:
                server.stop()


if __name__ == "__main__":
    main()
