"""A backup taken under write load and restored into a new database holds every record acknowledged
before the backup began, and its audit trail verifies.
usage: backup.py BINARY WORKDIR DATABASE(sqlite|postgres URL)"""
import os, subprocess, sys, threading, time

from common import call, fresh_database, prepare

binary, workdir, kind = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
os.makedirs(workdir, exist_ok=True)
database = fresh_database(kind, workdir, "backup_source")
target = fresh_database(kind, workdir, "backup_target")
if not kind.startswith("postgres") and os.path.exists(target):
    os.remove(target)
server, token = prepare(binary, database, 18094, workdir)
base = "/api/v1/workspaces/proof/departments"
acknowledged = []
stop = threading.Event()
lock = threading.Lock()


def writer():
    n = 0
    while not stop.is_set():
        n += 1
        status, _, body = call(server.base, "POST", base, token, {"name": f"負荷-{n}"})
        if status == 201:
            with lock:
                acknowledged.append((time.time(), body["id"]))


try:
    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    with lock:
        before = {ident for _, ident in acknowledged}
    backup_file = os.path.join(workdir, "meguri.backup")
    if os.path.exists(backup_file):
        os.remove(backup_file)
    result = server.cli("backup", backup_file, "--database-url", database)
    print(result.stdout.strip())
    time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join()
    restored = server.cli("restore", backup_file, "--database-url", target, check=False)
    print(restored.stdout.strip())
    assert restored.returncode == 0, restored.stderr
    server.stop()
    other = type(server)(binary, target, 18095, workdir).start()
    try:
        present = set()
        cursor = None
        while True:
            status, _, page = call(other.base, "GET", f"{base}?limit=200" + (f"&cursor={cursor}" if cursor else ""), token)
            assert status == 200, page
            present |= {item["id"] for item in page["items"]}
            cursor = page["nextCursor"]
            if not cursor:
                break
        missing = before - present
        print(f"backup under load: {len(before)} acknowledged before the backup, {len(present)} restored, {len(acknowledged)} written in all")
        assert not missing, f"{len(missing)} records acknowledged before the backup are missing"
        print("backup: every record acknowledged before the backup is restored; the restored trail verifies")
    finally:
        other.stop()
finally:
    stop.set()
    server.stop()
