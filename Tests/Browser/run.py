"""Runs the browser scenarios against a freshly started server.

usage: run.py BINARY ARTIFACTS_DIR LANGUAGE DATABASE_URL PORT"""
import os, socket, sys, tempfile, time

from harness import Browser, Server, Suite
from scenarios import SCENARIOS, Inbox


def main():
    binary, artifacts, language, database, port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    os.makedirs(artifacts, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="meguri-e2e-")
    if not database.startswith("postgres"):
        database = os.path.join(workdir, database)
    # A real SMTP server for the notification scenario (aiosmtpd); the worker scans every 5 seconds.
    from aiosmtpd.controller import Controller
    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        smtp_port = s.getsockname()[1]
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    server = Server(binary, database, port, workdir, env={"MEGURI_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "MEGURI_MAIL_FROM": "Meguri <isms@example.co.jp>",
                                                          "MEGURI_NOTIFY_SCAN_SECONDS": "5"}).start()
    state = {"setup_link": server.setup_link(), "inbox": inbox}
    suite = Suite(artifacts)
    name = f"{language}-{'postgres' if database.startswith('postgres') else 'sqlite'}"
    print(f"browser suite: {name}", flush=True)
    browser = Browser(language, artifacts, name)
    started = time.time()
    try:
        for title, scenario in SCENARIOS:
            suite.run(f"{name}: {title}", scenario, browser, server, state)
    except Exception:
        pass
    finally:
        browser.quit()
        server.stop()
        smtp.stop()
    print(f"{len(suite.passed)} passed, {len(suite.failed)} failed ({time.time() - started:.1f}s)", flush=True)
    if suite.failed or len(suite.passed) != len(SCENARIOS):
        log = os.path.join(workdir, f"server-{port}.log")
        if os.path.exists(log):
            print("server log (last lines):\n" + open(log, errors="replace").read()[-4000:])
        sys.exit(1)


if __name__ == "__main__":
    main()
