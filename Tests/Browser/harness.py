"""Drives a real Meguri server with headless Chromium: starts the server on a scratch database,
hands out browsers that fail on console errors, 5xx answers and untranslated keys, and keeps a
screenshot of every failure."""
import base64, hashlib, hmac, json, os, re, signal, struct, subprocess, sys, tempfile, time, traceback, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from selenium.common.exceptions import WebDriverException


def totp(secret, at=None, step=30, digits=6):
    """RFC 6238 with SHA-1, as authenticator apps compute it."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((at or time.time()) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(value).zfill(digits)


class Server:
    def __init__(self, binary, database, port, workdir, env=None):
        self.binary, self.database, self.port, self.workdir = binary, database, port, workdir
        self.env = dict(os.environ, MEGURI_DATABASE_URL=database, MEGURI_PORT=str(port), MEGURI_BCRYPT_COST="4", MEGURI_LOG_LEVEL="warning")
        self.env.pop("MEGURI_ADMIN_EMAIL", None)
        self.env.pop("MEGURI_ADMIN_PASSWORD", None)
        self.env.update(env or {})
        self.base = f"http://127.0.0.1:{port}"
        self.process = None
        self.output = ""

    def start(self, *arguments):
        log = open(os.path.join(self.workdir, f"server-{self.port}.log"), "ab")
        self.process = subprocess.Popen([self.binary, "serve", *arguments], cwd=self.workdir, env=self.env, stdout=subprocess.PIPE, stderr=log)
        deadline = time.time() + 60
        lines = []
        while time.time() < deadline:
            line = self.process.stdout.readline().decode()
            if not line:
                raise RuntimeError("the server stopped:\n" + "".join(lines))
            lines.append(line)
            if "listens on" in line:
                break
        # The setup link (if any) follows the address line.
        self.process.stdout.flush()
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        break
            except Exception:
                time.sleep(0.1)
        self.output = "".join(lines)
        return self

    def setup_link(self):
        line = self.process.stdout.readline().decode()  # "No user exists yet…"
        line += self.process.stdout.readline().decode()
        match = re.search(r"(http://\S+/setup\?token=\S+)", line)
        return match.group(1) if match else None

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Browser:
    """One Chromium; `check()` after each step fails on console errors, 5xx and raw keys."""

    def __init__(self, language, artifacts, name):
        self.language, self.artifacts, self.name = language, artifacts, name
        options = Options()
        options.binary_location = "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000", f"--lang={language}"]:
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": "ja,en" if language == "ja" else "en-US,en"})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.implicitly_wait(3)
        self.allowed_statuses = set()
        self.previous_expected = set()

    def open(self, url):
        # What the previous page logged late (an expected 401 reported after its check) is not this page's problem.
        self.driver.get_log("browser")
        self.driver.get_log("performance")
        self.previous_expected = set()
        self.driver.get(url)
        return self

    def click(self, target):
        """Clicks a button or link that loads a new page, and waits until the new page is there."""
        element = self.find(target) if isinstance(target, str) else target
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        def gone(_):
            try:
                old.is_enabled()
                return False
            except WebDriverException:  # stale, or Chromium's "does not belong to the document"
                return True
        WebDriverWait(self.driver, 15).until(gone)
        WebDriverWait(self.driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")
        return self

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def fill(self, field_id, text, clear=True):
        element = self.driver.find_element(By.ID, field_id)
        if clear:
            element.clear()
        element.send_keys(text)
        return element

    def submit(self, form_action):
        """Clicks the primary (or only) button of the form posting to `form_action`."""
        form = self.find(f"form[action='{form_action}']")
        buttons = form.find_elements(By.CSS_SELECTOR, "button.primary") or form.find_elements(By.CSS_SELECTOR, "button[type=submit]")
        self.click(buttons[0])

    def source(self):
        return self.driver.page_source

    def check(self, expect_status=()):
        """No console error, no 5xx, no raw message key, the page in the expected language."""
        problems = []
        # Chromium may report the previous step's expected status (a 422 form) only now.
        allowed = set(expect_status) | self.allowed_statuses | self.previous_expected
        self.previous_expected = set(expect_status)
        for entry in self.driver.get_log("browser"):
            if entry["level"] != "SEVERE":
                continue
            message = entry["message"]
            status = re.search(r"status of (\d{3})", message)
            if status and int(status.group(1)) in allowed:
                continue
            problems.append("console: " + message)
        for entry in self.driver.get_log("performance"):
            event = json.loads(entry["message"])["message"]
            if event.get("method") == "Network.responseReceived":
                status = event["params"]["response"]["status"]
                if status >= 500:
                    problems.append(f"HTTP {status} for {event['params']['response']['url']}")
        html = self.source()
        if "⟦" in html:
            problems.append("untranslated key: " + html[html.index("⟦"):html.index("⟦") + 60])
        lang = self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        if lang != self.language:
            problems.append(f"page language is {lang}, expected {self.language}")
        if problems:
            raise AssertionError("; ".join(problems))
        return self

    def screenshot(self, label):
        path = os.path.join(self.artifacts, f"{self.name}-{label}.png")
        self.driver.save_screenshot(path)
        return path

    def quit(self):
        self.driver.quit()


class Suite:
    def __init__(self, artifacts):
        self.artifacts = artifacts
        self.passed, self.failed = [], []

    def run(self, name, function, browser, *args):
        started = time.time()
        try:
            function(browser, *args)
            self.passed.append(name)
            print(f"  ok    {name} ({time.time() - started:.1f}s)", flush=True)
        except Exception as error:
            shot = browser.screenshot(re.sub(r"\W+", "-", name))
            self.failed.append(name)
            print(f"  FAIL  {name}: {error}\n        screenshot: {shot}", flush=True)
            traceback.print_exc()
            raise
