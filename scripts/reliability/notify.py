#!/usr/bin/env python3
"""Notifications against real parts, on live servers:

0. STARTTLS with AUTH and smtps against aiosmtpd with a certificate made here (openssl), trusted
   through MEGURI_SMTP_CA_FILE; an untrusted certificate is refused.
1. SQLite, one `meguri serve` with a real SMTP server (aiosmtpd) and a local webhook receiver:
   invalid mail settings stop the start with the setting named; a corrective action given to a
   member arrives as an e-mail with both parts, the Japanese subject decoded, a Message-ID and the
   one-click unsubscribe (which then works); the webhook post carries a valid X-Meguri-Signature;
   an invitation is e-mailed and accepted from the message's link; with the SMTP server down a
   message is retried (shown by `notify status`), never dropped, and arrives once it is back.
2. PostgreSQL (when a base URL is given), two `meguri serve` processes sharing one queue of 1,000
   messages, one SIGKILLed halfway: every message delivered, no Message-ID with two different
   bodies, at most one message (the one in flight) delivered twice.

    scripts/reliability/notify.py .build/debug/meguri WORKDIR [postgres://USER@HOST:PORT]

Needs aiosmtpd (.ci/run installs it)."""
import base64, email, hashlib, hmac, json, os, re, socket, subprocess, sys, threading, time, urllib.parse, urllib.request
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.dirname(__file__))
from common import PASSWORD, Server, call, fresh_database  # noqa: E402

binary, workdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
postgres = sys.argv[3] if len(sys.argv) > 3 else None
os.makedirs(workdir, exist_ok=True)
FROM = "Meguri <isms@example.co.jp>"


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", flush=True)
        sys.exit(1)
    print(f"ok: {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def parsed(self):
        with self.lock:
            return [(to, email.message_from_bytes(raw, policy=policy.default)) for to, raw in self.messages]

    def count(self):
        with self.lock:
            return len(self.messages)


def smtp_server(port, inbox):
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


class Hooks(BaseHTTPRequestHandler):
    posts = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Hooks.posts.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def wait_for(predicate, timeout, step=0.25):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(step)
    return None


def text_part(message):
    return message.get_body(("plain",)).get_content()


def part_tls():
    """STARTTLS with AUTH on a submission port, and TLS from the first byte (smtps), against
    aiosmtpd with a certificate made here and trusted through MEGURI_SMTP_CA_FILE."""
    print("== TLS: STARTTLS with AUTH, and smtps", flush=True)
    import ssl
    from aiosmtpd.smtp import AuthResult
    folder = os.path.join(workdir, "tls")
    os.makedirs(folder, exist_ok=True)
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2", "-keyout", key, "-out", cert], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"isms" and auth_data.password == b"p@ss word"
        encrypted = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        logins.append((mechanism, ok, encrypted))
        return AuthResult(success=ok)

    database = fresh_database("sqlite", workdir, "notify_tls")
    # (aiosmtpd's auth_require_tls only knows STARTTLS; on smtps the connection is TLS from the
    # start, which the authenticator checks on the transport.)
    for label, scheme, options in [("STARTTLS", "smtp", dict(tls_context=context, require_starttls=True, auth_require_tls=True)),
                                   ("smtps", "smtps", dict(ssl_context=context, auth_require_tls=False))]:
        inbox, port = Inbox(), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, **options)
        controller.start()
        try:
            env = dict(os.environ, MEGURI_DATABASE_URL=database, MEGURI_LOG_LEVEL="error", MEGURI_MAIL_FROM=FROM, MEGURI_SMTP_CA_FILE=cert,
                       MEGURI_SMTP_URL=f"{scheme}://isms:p%40ss%20word@localhost:{port}")
            sent = subprocess.run([binary, "notify", "send-test", "--email", "tls@example.co.jp"], cwd=workdir, env=env, capture_output=True, text=True)
            check(sent.returncode == 0 and inbox.count() == 1, f"{label}: the test message is delivered after AUTH over TLS ({sent.stdout.strip()} {sent.stderr.strip()})")
            check(bool(logins) and logins[-1][1] and logins[-1][2], f"{label}: the login succeeded and was encrypted ({logins[-1] if logins else None})")
            # An untrusted certificate is refused, not sent to.
            env.pop("MEGURI_SMTP_CA_FILE")
            refused = subprocess.run([binary, "notify", "send-test", "--email", "tls@example.co.jp"], cwd=workdir, env=env, capture_output=True, text=True)
            check(refused.returncode != 0 and inbox.count() == 1, f"{label}: a certificate the system does not trust is refused")
        finally:
            controller.stop()


def part_one():
    print("== SQLite, one instance, real SMTP and webhook receiver", flush=True)
    smtp_port, hook_port, port = free_port(), free_port(), free_port()
    inbox = Inbox()
    controller = smtp_server(smtp_port, inbox)
    hooks = ThreadingHTTPServer(("127.0.0.1", hook_port), Hooks)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    database = fresh_database("sqlite", workdir, "notify")
    server = Server(binary, database, port, workdir)
    server.env.update(MEGURI_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", MEGURI_MAIL_FROM=FROM, MEGURI_PUBLIC_URL=f"http://127.0.0.1:{port}",
                      MEGURI_NOTIFY_SCAN_SECONDS="5", MEGURI_WEBHOOK_ALLOW_PRIVATE="true")

    # Settings that cannot work stop the start, naming the setting.
    for url, setting in [("http://mail.example.co.jp", "MEGURI_SMTP_URL"), ("smtp://user@mail.example.co.jp", "MEGURI_SMTP_URL")]:
        bad = subprocess.run([binary, "notify", "status"], cwd=workdir, env=dict(server.env, MEGURI_SMTP_URL=url), capture_output=True, text=True)
        check(bad.returncode != 0 and setting in bad.stderr, f"MEGURI_SMTP_URL={url} refused naming {setting}")
    bad = subprocess.run([binary, "notify", "status"], cwd=workdir, env=dict(server.env, MEGURI_MAIL_FROM="not an address"), capture_output=True, text=True)
    check(bad.returncode != 0 and "MEGURI_MAIL_FROM" in bad.stderr, "a MEGURI_MAIL_FROM that is no address is refused")

    seeded = server.cli("demo", "seed", "--workspace", "demo").stdout
    secretary = re.search(r"(\S+@demo\.example)\s+secretariat", seeded).group(1)
    server.start()
    try:
        admin = server.cli("token", "create", "--email", secretary, "--name", "notify").stdout.strip().splitlines()[-1]
        status, _, settings = call(server.base, "PUT", "/api/v1/workspaces/demo/notification-settings", admin,
                                   {"webhookUrl": f"http://127.0.0.1:{hook_port}/hook", "webhookFormat": "slack", "webhookLanguage": "ja"})
        check(status == 200, f"the webhook is set ({status})")
        status, _, officers = call(server.base, "GET", "/api/v1/workspaces/demo/members?role=departmentOfficer&limit=1", admin)
        owner = officers["items"][0]
        tomorrow = time.strftime("%Y-%m-%d", time.localtime(time.time() + 2 * 86400))
        status, _, nc = call(server.base, "POST", "/api/v1/workspaces/demo/nonconformities", admin,
                             {"description": "通知の検証：USBメモリの持ち出し記録の不備", "dueOn": tomorrow, "ownerId": owner["userId"]})
        check(status == 201, f"a corrective action is given to {owner['email']} ({status} {nc if status != 201 else ''})")

        def mail_for_action():
            for to, message in inbox.parsed():
                if owner["email"] in to and "USBメモリ" in text_part(message):
                    return message
        message = wait_for(mail_for_action, 60)
        check(message is not None, "the owner's e-mail arrives at the SMTP server")
        check("期限が近づいています" in str(message["Subject"]) and "USBメモリ" in str(message["Subject"]),
              f"the Japanese subject decodes: {message['Subject']}")
        check(re.fullmatch(r"<[0-9a-f]{32}@example\.co\.jp>", message["Message-ID"] or "") is not None, f"a stable Message-ID {message['Message-ID']}")
        html = message.get_body(("html",)).get_content()
        check("USBメモリ" in text_part(message) and "USBメモリ" in html and f"/w/demo/nonconformities/{nc['id']}" in html, "plain-text and HTML parts")
        check(message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", "List-Unsubscribe-Post (RFC 8058)")
        unsubscribe = (message["List-Unsubscribe"] or "").strip("<>")
        check(unsubscribe.startswith(server.base + "/unsubscribe/") and unsubscribe.endswith("/dueSoon"), f"List-Unsubscribe {unsubscribe}")
        request = urllib.request.Request(unsubscribe, data=b"List-Unsubscribe=One-Click", method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=10) as response:
            check(response.status == 200, "the one-click unsubscribe answers 200 without cookies")
        owner_token = server.cli("token", "create", "--email", owner["email"], "--name", "notify").stdout.strip().splitlines()[-1]
        status, _, prefs = call(server.base, "GET", "/api/v1/me/notification-preferences", owner_token)
        check(status == 200 and "dueSoon" not in prefs["email"] and "overdue" in prefs["email"], f"due-soon e-mails are off for the owner: {prefs}")

        def hook_for_action():
            for path, headers, body in Hooks.posts:
                payload = json.loads(body)
                if "USBメモリ" in payload.get("text", ""):
                    return headers, body, payload
        found = wait_for(hook_for_action, 30)
        check(found is not None, "the webhook receives the notice")
        headers, body, payload = found
        expected = "sha256=" + hmac.new(settings["webhookSecret"].encode(), body, hashlib.sha256).hexdigest()
        check(headers.get("x-meguri-signature") == expected, "X-Meguri-Signature is the HMAC-SHA256 of the body")
        check(payload["meguri"]["kind"] == "dueSoon" and payload["meguri"]["link"].endswith(nc["id"]), "the structured item rides along")

        # An invitation by e-mail, accepted from the message.
        status, _, member = call(server.base, "POST", "/api/v1/workspaces/demo/members", admin,
                                 {"email": "newcomer@example.co.jp", "displayName": "新人 花子", "roles": [{"role": "employee"}]})
        check(status == 201, f"a new member is invited ({status})")
        invitation = wait_for(lambda: next((m for to, m in inbox.parsed() if "newcomer@example.co.jp" in to), None), 30)
        check(invitation is not None and "招待" in str(invitation["Subject"]), f"the invitation arrives in Japanese: {invitation and invitation['Subject']}")
        link = re.search(r"http://\S+/invitation/\S+", text_part(invitation)).group(0)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(link, timeout=10).read().decode()
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"_csrf": csrf, "displayName": "新人 花子", "password": "a long enough passphrase",
                                       "passwordConfirmation": "a long enough passphrase"}).encode()
        accepted = opener.open(urllib.request.Request(link, data=form, method="POST"), timeout=10)
        check(accepted.status == 200 and "/login" in accepted.url, "the invitation is accepted from the e-mailed link")
        page = opener.open(server.base + "/login", timeout=10).read().decode()
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        signed = opener.open(urllib.request.Request(server.base + "/login", method="POST", data=urllib.parse.urlencode(
            {"_csrf": csrf, "email": "newcomer@example.co.jp", "password": "a long enough passphrase"}).encode()), timeout=10)
        check("/login" not in signed.url, f"the newcomer signs in ({signed.url})")

        # The SMTP server goes away: the message waits and is retried, then arrives.
        controller.stop()
        queued = server.cli("notify", "send-test", "--email", "ops@example.co.jp", check=False)
        check(queued.returncode != 0 and "not sent" in queued.stdout, f"with the server down the test message is not sent: {queued.stdout.strip()}")
        status_text = server.cli("notify", "status").stdout
        check(re.search(r"retrying after a failure: [1-9]", status_text) is not None, "notify status shows it waiting for a retry")
        controller = smtp_server(smtp_port, inbox)
        arrived = wait_for(lambda: any("ops@example.co.jp" in to for to, _ in inbox.parsed()), 60)
        check(arrived, "once the SMTP server is back the worker delivers it")
    finally:
        server.stop()
        controller.stop()
        hooks.shutdown()


def part_two():
    print("== PostgreSQL, two instances sharing the queue, one killed", flush=True)
    smtp_port = free_port()
    inbox = Inbox()
    controller = smtp_server(smtp_port, inbox)
    database = fresh_database(postgres.rstrip("/") + "/notify_scale", workdir, "notify_scale")
    ports = [free_port(), free_port()]
    servers = []
    for port in ports:
        server = Server(binary, database, port, workdir)
        server.env.update(MEGURI_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", MEGURI_MAIL_FROM=FROM, MEGURI_NOTIFY_LEASE_SECONDS="5",
                          MEGURI_POSTGRES_POOL="2")
        servers.append(server)
    total = 1000
    servers[0].cli("notify", "send-test", "--email", "load@example.co.jp", "--count", str(total), "--queue-only")
    try:
        started = time.time()
        for server in servers:
            server.start()
        wait_for(lambda: inbox.count() >= total // 2, 120, step=0.05)
        halfway = inbox.count()
        elapsed = time.time() - started
        servers[0].kill()
        print(f"   {halfway} messages in {elapsed:.1f} s ({halfway / elapsed:.0f}/s, two instances and PostgreSQL on this machine); instance A killed", flush=True)

        def keys():
            seen = {}
            for _, message in inbox.parsed():
                key = re.search(r"test\|[^|\s]+\|\d+", text_part(message)).group(0)
                seen.setdefault(key, []).append(message)
            return seen
        done = wait_for(lambda: len(keys()) >= total, 120, step=0.5)
        seen = keys()
        check(len(seen) == total, f"every one of {total} messages delivered ({len(seen)} distinct, {inbox.count()} received)")
        duplicates = sum(len(v) - 1 for v in seen.values())
        check(duplicates <= 1, f"at most the one message in flight delivered twice ({duplicates})")
        by_id = {}
        for _, message in inbox.parsed():
            by_id.setdefault(message["Message-ID"], set()).add(text_part(message))
        check(all(len(bodies) == 1 for bodies in by_id.values()) and len(by_id) == total, "no Message-ID with two different bodies")
        status_text = servers[1].cli("notify", "status").stdout
        check("pending: 0 " in status_text and "failed: 0" in status_text, "the queue is empty: " + " | ".join(status_text.strip().splitlines()))
    finally:
        for server in servers:
            server.stop()
        controller.stop()


part_tls()
part_one()
if postgres:
    part_two()
print("notifications: all checks passed", flush=True)
