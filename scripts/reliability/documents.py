#!/usr/bin/env python3
"""Documents leave Meguri as files people open elsewhere: a version's DOCX must open in
LibreOffice with its text, list and table intact, and the acknowledgement records must open in
Excel (openpyxl) with one row per reader. Run against a real server:

    scripts/reliability/documents.py .build/debug/meguri WORKDIR

Needs LibreOffice (soffice) and openpyxl; .ci/run installs both."""
import io, os, shutil, subprocess, sys, tempfile, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from common import call, fresh_database, prepare  # noqa: E402

BODY = """# 情報セキュリティ基本方針

当社は**お客様の情報**を守るため、次のとおり取り組む。

1. 暗号化と鍵の管理を徹底する。
2. 全従業者に年1回の教育を行う。

| 分類 | 取扱い |
|------|--------|
| 極秘 | 暗号化して保管 |

詳しくは[文書管理規程](https://example.com/rules)を参照。

<script>alert(1)</script>
"""


def raw(base, path, token):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def main():
    binary, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("LibreOffice (soffice) is not installed")
    import openpyxl

    database = fresh_database("sqlite", workdir, "documents")
    server, token = prepare(binary, database, 18731, workdir)
    failures = []

    def check(condition, what):
        print(("ok   " if condition else "FAIL ") + what)
        if not condition:
            failures.append(what)

    try:
        w = "/api/v1/workspaces/proof"
        status, _, doc = call(server.base, "POST", w + "/documents", token, {"title": "情報セキュリティ基本方針", "kind": "policy", "references": ["5.2", "A.5.1"]})
        check(status == 201, f"create a document ({status})")
        status, _, version = call(server.base, "POST", f"{w}/documents/{doc['id']}/versions", token, {"body": BODY, "summary": "初版"})
        check(status == 201, f"write version 1 ({status})")

        status, content_type, data = raw(server.base, f"{w}/documents/{doc['id']}/versions/1/docx?lang=ja", token)
        check(status == 200 and "wordprocessingml" in content_type, f"download the DOCX ({status}, {content_type}, {len(data)} bytes)")
        out = tempfile.mkdtemp(dir=workdir)
        path = os.path.join(out, "policy.docx")
        with open(path, "wb") as f:
            f.write(data)
        profile = "file://" + os.path.join(out, "profile")
        result = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir", out, path],
                                capture_output=True, text=True, timeout=180)
        text_path = os.path.join(out, "policy.txt")
        check(result.returncode == 0 and os.path.exists(text_path), f"LibreOffice opens and converts it (exit {result.returncode}) {result.stderr.strip()[:200]}")
        text = open(text_path, encoding="utf-8-sig").read() if os.path.exists(text_path) else ""
        for expected in ["DOC-001", "情報セキュリティ基本方針", "お客様の情報", "暗号化と鍵の管理を徹底する。", "極秘", "暗号化して保管", "文書管理規程", "<script>alert(1)</script>"]:
            check(expected in text, f"the converted text holds {expected!r}")
        with open(os.path.join(workdir, "policy-from-libreoffice.txt"), "w", encoding="utf-8") as f:
            f.write(text)

        # A second person approves (never the submitter), the version is published to everyone,
        # that person acknowledges it, and the records open in Excel with their row.
        subprocess.run([binary, "user", "create", "--email", "ceo@example.co.jp", "--name", "山田 社長", "--password-stdin", "--database-url", database],
                       input="correct horse battery staple\n", text=True, check=True, capture_output=True, cwd=workdir, env=server.env)
        server.cli("member", "add", "--workspace", "proof", "--email", "ceo@example.co.jp", "--role", "topManagement", "--database-url", database)
        ceo = server.cli("token", "create", "--email", "ceo@example.co.jp", "--name", "ceo", "--database-url", database).stdout.strip().splitlines()[-1]
        steps = [(token, "submit", None), (ceo, "approve", {"note": "承認"}), (token, "publish", {"audience": {"everyone": True}})]
        for who, step, body in steps:
            status, _, answer = call(server.base, "POST", f"{w}/documents/{doc['id']}/versions/1/{step}", who, body)
            check(status == 200, f"{step} ({status}) {'' if status == 200 else answer}")
        status, _, _ = call(server.base, "POST", f"{w}/documents/{doc['id']}/acknowledgements", ceo, {"version": 1})
        check(status == 201, f"the reader acknowledges ({status})")
        status, content_type, data = raw(server.base, f"{w}/documents/{doc['id']}/acknowledgements/export?format=xlsx&lang=ja", token)
        check(status == 200 and "spreadsheetml" in content_type, f"download the acknowledgement records as Excel ({status})")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        rows = [row for row in book.active.iter_rows(values_only=True)]
        flat = [" ".join(str(cell) for cell in row if cell is not None) for row in rows]
        check(len(rows) == 2, f"the workbook holds a header and one reader ({len(rows)} rows)")
        check(any("山田 社長" in line and "ceo@example.co.jp" in line and "1.0" in line for line in flat), f"the reader's row names them and the version: {flat[1:]}")
        check(any(len(str(cell)) == 64 for row in rows[1:] for cell in row if cell), "the row carries the version's SHA-256")
    finally:
        server.stop()
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print("documents: all checks passed")


if __name__ == "__main__":
    main()
