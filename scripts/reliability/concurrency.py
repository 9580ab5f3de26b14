"""Fifty clients update the same record with If-Match: no update is lost and every refusal is a 409.
usage: concurrency.py BINARY WORKDIR DATABASE(sqlite|postgres URL) [CLIENTS] [ATTEMPTS]"""
import os, sys, threading, time

from common import call, fresh_database, prepare

binary, workdir, kind = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
clients = int(sys.argv[4]) if len(sys.argv) > 4 else 50
attempts = int(sys.argv[5]) if len(sys.argv) > 5 else 10
os.makedirs(workdir, exist_ok=True)
database = fresh_database(kind, workdir, "concurrency")
server, token = prepare(binary, database, 18093, workdir)
base = "/api/v1/workspaces/proof/departments"
results = {"ok": 0, "conflict": 0, "other": []}
lock = threading.Lock()
try:
    status, _, department = call(server.base, "POST", base, token, {"name": "競合テスト", "code": "0"})
    assert status == 201, department
    path = f"{base}/{department['id']}"
    barrier = threading.Barrier(clients)

    def client(number):
        barrier.wait()
        for attempt in range(attempts):
            status, headers, _ = call(server.base, "GET", path, token, timeout=30)
            etag = headers["etag"]
            status, _, body = call(server.base, "PATCH", path, token, {"description": f"client {number} attempt {attempt}"},
                                   headers={"If-Match": etag}, timeout=30)
            with lock:
                if status == 200:
                    results["ok"] += 1
                elif status == 409:
                    results["conflict"] += 1
                else:
                    results["other"].append((status, body))

    started = time.time()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    status, _, final = call(server.base, "GET", path, token)
    status, _, events = call(server.base, "GET", f"/api/v1/workspaces/proof/audit-events?entityId={department['id']}&action=update&limit=200", token)
    updates = len(events["items"])
    print(f"{clients} clients × {attempts}: {results['ok']} updates, {results['conflict']} conflicts, {len(results['other'])} other "
          f"answers; final version {final['version']}; {updates} update events ({time.time() - started:.1f}s)")
    assert not results["other"], results["other"][:5]
    assert final["version"] == 1 + results["ok"], "an update was lost or counted twice"
    assert updates == results["ok"], "the audit trail does not match the accepted updates"
    assert results["ok"] + results["conflict"] == clients * attempts
    verify = server.cli("audit", "verify", "--database-url", database, check=False)
    assert verify.returncode == 0, verify.stdout
    print("concurrency: no lost update, every refusal a 409, chain ok")
finally:
    server.stop()
