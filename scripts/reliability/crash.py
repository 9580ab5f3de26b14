"""Crash safety: a writer sends creates and updates while the server is killed with SIGKILL at
random moments. After every restart each acknowledged write is present, nothing unacknowledged is
half-present (every department has its create event), and `meguri audit verify` passes.
usage: crash.py BINARY WORKDIR DATABASE(sqlite|postgres URL) [ROUNDS]"""
import os, random, sys, threading, time

from common import call, fresh_database, prepare

binary, workdir, kind = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 30
os.makedirs(workdir, exist_ok=True)
database = fresh_database(kind, workdir, "crash")
server, token = prepare(binary, database, 18092, workdir)
base = "/api/v1/workspaces/proof/departments"
rng = random.Random(20261122)
acknowledged_creates = {}   # name -> id
acknowledged_codes = {}     # id -> (version, code)
counter = [0]
failures = []


def writer(stop):
    while not stop.is_set():
        counter[0] += 1
        n = counter[0]
        try:
            if n % 3 == 0 and acknowledged_creates:
                name, ident = rng.choice(sorted(acknowledged_creates.items()))
                status, headers, body = call(server.base, "GET", f"{base}/{ident}", token, timeout=3)
                if status != 200:
                    continue
                code = f"C{n}"
                status, headers, body = call(server.base, "PATCH", f"{base}/{ident}", token, {"code": code},
                                             headers={"If-Match": headers["etag"]}, timeout=3)
                if status == 200:
                    acknowledged_codes[ident] = (body["version"], code)
            else:
                name = f"部門-{n}"
                status, _, body = call(server.base, "POST", base, token, {"name": name, "description": "crash test"}, timeout=3)
                if status == 201:
                    acknowledged_creates[name] = body["id"]
                elif status not in (409, 422):
                    failures.append(f"create answered {status}: {body}")
        except Exception:
            # The server is gone; whatever was in flight is unacknowledged.
            time.sleep(0.02)


started = time.time()
try:
    for round_number in range(1, rounds + 1):
        stop = threading.Event()
        thread = threading.Thread(target=writer, args=(stop,))
        thread.start()
        time.sleep(rng.uniform(0.2, 1.2))
        server.kill()
        stop.set()
        thread.join()
        server.start()
        # Every acknowledged write is there.
        status, _, listing = call(server.base, "GET", f"{base}?limit=200", token)
        present = {}
        cursor = None
        while True:
            status, _, page = call(server.base, "GET", f"{base}?limit=200" + (f"&cursor={cursor}" if cursor else ""), token)
            assert status == 200, page
            for item in page["items"]:
                present[item["id"]] = item
            cursor = page["nextCursor"]
            if not cursor:
                break
        missing = [name for name, ident in acknowledged_creates.items() if ident not in present]
        assert not missing, f"round {round_number}: acknowledged creates lost: {missing[:5]}"
        for ident, (version, code) in acknowledged_codes.items():
            item = present[ident]
            assert item["version"] >= version, f"round {round_number}: {ident} went back to version {item['version']} < {version}"
            if item["version"] == version:
                assert item["code"] == code, f"round {round_number}: {ident} lost its acknowledged code"
        # Nothing half-present: each department has its create event in the trail.
        status, _, events = call(server.base, "GET", "/api/v1/workspaces/proof/audit-events?entityType=department&action=create&limit=200", token)
        created = set()
        cursor = None
        while True:
            status, _, page = call(server.base, "GET", "/api/v1/workspaces/proof/audit-events?entityType=department&action=create&limit=200"
                                   + (f"&cursor={cursor}" if cursor else ""), token)
            created |= {event["entityId"] for event in page["items"]}
            cursor = page["nextCursor"]
            if not cursor:
                break
        orphans = set(present) - created
        assert not orphans, f"round {round_number}: departments without their audit event: {list(orphans)[:3]}"
        verify = server.cli("audit", "verify", "--database-url", database, check=False)
        assert verify.returncode == 0, f"round {round_number}: audit verify failed: {verify.stdout} {verify.stderr}"
        print(f"round {round_number:2d}: {len(present)} departments, {len(acknowledged_codes)} acknowledged updates, chain ok", flush=True)
    assert not failures, failures[:5]
    print(f"crash safety: {rounds} SIGKILLs, {len(acknowledged_creates)} acknowledged creates and {len(acknowledged_codes)} updates kept "
          f"({time.time() - started:.0f}s)")
finally:
    server.stop()
