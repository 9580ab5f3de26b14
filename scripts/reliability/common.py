"""Shared pieces of the reliability checks: start and kill a real server, talk to its API."""
import json, os, signal, subprocess, sys, tempfile, time, urllib.error, urllib.request

PASSWORD = "correct horse battery staple"


class Server:
    def __init__(self, binary, database, port, workdir):
        self.binary, self.database, self.port, self.workdir = binary, database, port, workdir
        self.base = f"http://127.0.0.1:{port}"
        self.env = dict(os.environ, MEGURI_DATABASE_URL=database, MEGURI_PORT=str(port), MEGURI_BCRYPT_COST="4", MEGURI_LOG_LEVEL="error",
                        MEGURI_ADMIN_EMAIL="admin@example.co.jp", MEGURI_ADMIN_PASSWORD=PASSWORD)
        self.process = None

    def start(self, timeout=60):
        try:
            urllib.request.urlopen(self.base + "/healthz", timeout=1)
            raise RuntimeError(f"port {self.port} is already answering; stop the old server first")
        except urllib.error.URLError:
            pass
        log = open(os.path.join(self.workdir, f"server-{self.port}.log"), "ab")
        self.process = subprocess.Popen([self.binary, "serve"], cwd=self.workdir, env=self.env, stdout=log, stderr=log)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("server did not become ready")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def cli(self, *arguments, check=True):
        result = subprocess.run([self.binary, *arguments], cwd=self.workdir, env=self.env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise RuntimeError(f"meguri {' '.join(arguments)} failed: {result.stderr.strip()}")
        return result


def call(base, method, path, token, body=None, headers=None, timeout=10):
    """Returns (status, headers, parsed JSON or text). Network failures raise."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/csv")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read().decode()
            return response.status, {k.lower(): v for k, v in response.headers.items()}, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read().decode()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw
        return error.code, {k.lower(): v for k, v in error.headers.items()}, parsed


def prepare(binary, database, port, workdir, slug="proof"):
    """A server with an administrator, a workspace and an API token; returns (server, token)."""
    server = Server(binary, database, port, workdir).start()
    try:
        return server, _provision(server, database, slug)
    except Exception:
        server.stop()
        raise


def _provision(server, database, slug):
    server.cli("workspace", "create", "--name", "検証用 ISMS", "--slug", slug, "--database-url", database)
    return server.cli("token", "create", "--email", "admin@example.co.jp", "--name", "proof", "--database-url", database).stdout.strip().splitlines()[-1]


def fresh_database(kind, workdir, name):
    """An SQLite file path in workdir, or an emptied PostgreSQL database when kind is a postgres URL."""
    if kind.startswith("postgres"):
        base = kind.split("?")[0]
        admin = base.rsplit("/", 1)[0] + "/postgres"
        env = dict(os.environ, PGOPTIONS="--client-min-messages=warning")
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True, env=env)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, env=env)
        return base.rsplit("/", 1)[0] + f"/{name}?tlsmode=disable"
    path = os.path.join(workdir, f"{name}.sqlite")
    for suffix in ["", "-wal", "-shm"]:
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return path
