"""The import's floor (issue 20): the 50,000 assets of the bench's import, their 50,000 audit
events and search documents inserted by a bare loop of multi-row INSERTs (400 rows each) into a
copy of the enterprise file (.bench/enterprise.sqlite, migrated), with the same indexes and
triggers, in one transaction and with the server's connection settings (ADR 0016). Rows are made
beforehand; only the SQL is timed. The import's time divided by this is its multiple of the floor.

usage: python3 Benchmarks/import_floor.py"""
import hashlib, json, os, shutil, sqlite3, time, uuid
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src, dst = os.path.join(ROOT, ".bench", "enterprise.sqlite"), os.path.join(ROOT, ".bench", "floor.sqlite")
for s in ["", "-wal", "-shm"]:
    if os.path.exists(dst + s): os.remove(dst + s)
shutil.copy(src, dst)
os.sync()  # the copy written back before the timed inserts, not during them
db = sqlite3.connect(dst, isolation_level=None)
for p in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA cache_size=-16384", "PRAGMA mmap_size=268435456", "PRAGMA temp_store=MEMORY", "PRAGMA foreign_keys=ON"]:
    db.execute(p)
w = db.execute("select id from workspaces where slug='bench'").fetchone()[0]
owners = [r[0] for r in db.execute("select user_id from members where workspace_id=? limit 50", (w,))]
depts = [r[0] for r in db.execute("select id from departments where workspace_id=?", (w,))]
head = db.execute("select last_sequence, last_hash from audit_chains where chain_key=?", (w.lower(),)).fetchone()
def tok(g): return "g" + "".join(f"{ord(c):06x}" for c in g)
def grams(texts):
    out = set()
    for t in texts:
        t = " " + t.lower() + " "
        out |= {t[i:i+2] for i in range(len(t) - 1)}
    return " ".join(sorted(tok(g) for g in out))
kinds = ["information", "software", "physical", "service"]
now = time.time()
rows_a, rows_e, rows_d = [], [], []
seq, prev = head
for n in range(50000):
    aid = str(uuid.uuid4()).upper(); code = f"FLR-{n:06d}"; name = f"取込資産 {n}"
    rows_a.append((aid, w, code, code.lower(), name, name.lower(), kinds[n % 4], "electronic", owners[n % len(owners)], None, depts[n % len(depts)], None, None,
                   n % 3 + 1, (n // 3) % 3 + 1, (n // 9) % 3 + 1, 3, 0, "active", None, "一括取込のベンチマーク", now, now, 1))
    after = json.dumps({"code": code, "name": name, "kind": kinds[n % 4], "confidentiality": n % 3 + 1}, ensure_ascii=False)
    seq += 1
    h = hashlib.sha256((prev + after).encode()).hexdigest()
    rows_e.append((str(uuid.uuid4()).upper(), w.lower(), w, seq, now, "user", owners[0], None, "bench", "asset", aid, "create", None, after, None, prev, h))
    prev = h
    rows_d.append((w, "assets", aid, grams([code, name, ""])))
def insert(table, columns, rows):
    marks = "(" + ",".join("?" * len(columns)) + ")"
    for i in range(0, len(rows), 400):
        chunk = rows[i:i + 400]
        db.execute(f"INSERT INTO {table} ({','.join(columns)}) VALUES " + ",".join([marks] * len(chunk)), [v for r in chunk for v in r])
started = time.perf_counter()
db.execute("BEGIN")
insert("assets", ["id","workspace_id","code","code_key","name","name_key","kind","form","owner_id","custodian_id","department_id","location","classification",
                  "confidentiality","integrity","availability","value","is_group","status","last_reviewed_on","notes","created_at","updated_at","version"], rows_a)
insert("audit_events", ["id","chain_key","workspace_id","sequence","occurred_at","actor_kind","actor_user_id","actor_token_id","actor_label","entity_type","entity_id",
                        "action","before_json","after_json","request_id","previous_hash","hash"], rows_e)
insert("search_docs", ["workspace_id","record_type","record_id","grams"], rows_d)
db.execute("UPDATE audit_chains SET last_sequence=?, last_hash=? WHERE chain_key=?", (seq, prev, w.lower()))
db.execute("COMMIT")
print(f"floor: {time.perf_counter() - started:.2f} s for 50,000 assets, 50,000 audit events and 50,000 search documents (SQL only; rows prepared beforehand)")
