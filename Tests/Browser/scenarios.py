"""What a person does in Meguri, step by step, in one language. Each scenario builds on the ones
before it (setup → workspace → departments → members → …)."""
import email, os, re, tempfile, threading, time, urllib.request, json
from email import policy

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from harness import Browser, totp

ADMIN = "admin@example.co.jp"
PASSWORD = "correct horse battery staple"


def first_run_setup(b, server, state):
    link = state["setup_link"]
    assert link, "the server printed no setup link"
    b.open(link).check()
    b.fill("f-email", ADMIN)
    b.fill("f-displayName", "山田 花子" if b.language == "ja" else "Hanako Yamada")
    b.fill("f-password", PASSWORD)
    b.fill("f-passwordConfirmation", PASSWORD)
    b.submit("/setup")
    assert "/login" in b.driver.current_url, b.driver.current_url
    assert b.finds(".flash"), "no confirmation after setup"
    b.check()
    # The link works once.
    b.open(link).check(expect_status=[404])
    assert not b.finds("form[action='/setup']")


def sign_in(b, server, state, email=ADMIN, password=PASSWORD):
    b.open(server.base + "/login").check()
    b.fill("f-email", email)
    b.fill("f-password", password)
    b.submit("/login")
    b.check()
    assert "/login" not in b.driver.current_url, "still on the sign-in page"


def wrong_password_is_refused(b, server, state):
    b.open(server.base + "/login")
    b.fill("f-email", ADMIN)
    b.fill("f-password", "not the password at all")
    b.submit("/login")
    b.check(expect_status=[401])
    assert b.finds(".error-summary"), "no error shown for a wrong password"


def create_workspace(b, server, state):
    b.open(server.base + "/workspaces").check()
    assert b.finds(".empty"), "the empty workspace list says nothing"
    b.open(server.base + "/workspaces/new").check()
    b.fill("f-name", "サンプル株式会社 ISMS" if b.language == "ja" else "Sample Corp ISMS")
    b.fill("f-slug", "admin")  # passes the browser's pattern, refused by the server as reserved
    b.submit("/workspaces/new")
    b.check(expect_status=[422])
    assert b.finds(".error-summary li"), "a reserved slug was accepted"
    assert b.finds(".field.has-error #f-slug"), "the slug field is not marked"
    b.fill("f-slug", "acme")
    b.fill("f-organizationName", "サンプル株式会社")
    b.submit("/workspaces/new")
    b.check()
    assert b.driver.current_url.endswith("/w/acme"), b.driver.current_url
    assert len(b.finds(".work-item")) >= 3, "my work shows nothing to do in a new workspace"


def workspace_profile(b, server, state):
    b.open(server.base + "/w/acme/settings").check()
    b.fill("f-scopeStatement", "本社における自社サービスの開発・運用")
    Select(b.find("#f-fiscalYearStartMonth")).select_by_value("4")
    b.submit("/w/acme/settings")
    b.check()
    assert b.finds(".flash")
    assert "本社における自社サービスの開発・運用" in b.source()


def departments_from_csv(b, server, state):
    path = os.path.join(tempfile.mkdtemp(), "departments.csv")
    with open(path, "wb") as f:
        f.write("部門名,部門コード,説明\r\n情報システム部,IT,社内システム\r\n営業部,SLS,\r\n".encode("cp932"))
    b.open(server.base + "/w/acme/departments/import").check()
    b.find("#f-file").send_keys(path)
    b.submit("/w/acme/departments/import")
    b.check()
    assert len(b.finds(".badge.outcome-create")) == 2, "the dry run does not list two new departments"
    b.click("form.confirm-import button.primary")
    b.check()
    b.open(server.base + "/w/acme/departments").check()
    names = [cell.text for cell in b.finds("table.table tbody td:first-child")]
    # In the order of their codes (IT before SLS), not by the names' code points.
    assert names == ["情報システム部", "営業部"], names


def add_member_with_invitation(b, server, state):
    b.open(server.base + "/w/acme/members/new").check()
    b.fill("f-email", "taro@example.co.jp")
    b.fill("f-displayName", "佐藤 太郎")
    Select(b.find("#f-homeDepartmentId")).select_by_visible_text("情報システム部")
    b.find("#f-role-secretariat").click()
    b.submit("/w/acme/members/new")
    b.check()
    link = b.find("input.copy").get_attribute("value")
    assert "/invitation/" in link, link
    state["invitation"] = link

    guest = Browser(b.language, b.artifacts, b.name + "-invitee")
    try:
        guest.open(link).check()
        guest.fill("f-displayName", "佐藤 太郎")
        guest.fill("f-password", "another long passphrase")
        guest.fill("f-passwordConfirmation", "another long passphrase")
        guest.submit(link.replace(server.base, ""))
        guest.check()
        assert "/login" in guest.driver.current_url
        sign_in(guest, server, state, "taro@example.co.jp", "another long passphrase")
        assert guest.driver.current_url.endswith("/w/acme"), guest.driver.current_url
        assert guest.finds(".badge.role-secretariat"), "the new member does not see their role"
    finally:
        guest.quit()


def members_list_and_filter(b, server, state):
    b.open(server.base + "/w/acme/members").check()
    rows = b.finds("table.table tbody tr")
    assert len(rows) == 1, f"{len(rows)} members listed"
    Select(b.find("#f-role")).select_by_value("secretariat")
    b.click("form.filters button")
    b.check()
    assert len(b.finds("table.table tbody tr")) == 1


def two_step_sign_in(b, server, state):
    b.open(server.base + "/account").check()
    b.submit("/account/two-step/start")
    b.check()
    secret = b.find("code.secret").text.strip()
    assert b.finds(".qr svg"), "no QR code"
    b.fill("f-code", totp(secret))
    b.submit("/account/two-step/confirm")
    b.check()
    codes = [item.text for item in b.finds("ul.codes li")]
    assert len(codes) == 10, codes
    state["recovery"] = codes
    # Sign out through the account menu, then sign in again with the second factor.
    b.find(".account-menu summary").click()
    b.click("form[action='/logout'] button")
    b.check()
    b.fill("f-email", ADMIN)
    b.fill("f-password", PASSWORD)
    b.submit("/login")
    b.check()
    assert "/login/second-factor" in b.driver.current_url, b.driver.current_url
    # The code used to confirm cannot be used again; the next one is accepted.
    b.fill("f-code", totp(secret, time.time() + 30))
    b.click("form[action='/login/second-factor'] button.primary")
    b.check()
    assert "/login" not in b.driver.current_url, b.driver.current_url


def api_token(b, server, state):
    b.open(server.base + "/account").check()
    b.fill("f-name", "CI")
    b.submit("/account/tokens")
    b.check()
    token = b.find(".notice code.secret").text.strip()
    assert token.startswith("mgr_")
    request = urllib.request.Request(server.base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        me = json.load(response)
    assert me["email"] == ADMIN and me["totpEnabled"] is True, me
    assert [w["slug"] for w in me["workspaces"]] == ["acme"], me


def audit_trail(b, server, state):
    b.open(server.base + "/w/acme/audit-trail").check()
    assert len(b.finds("table.audit tbody tr")) >= 4
    Select(b.find("#f-type")).select_by_value("member")
    b.click("form.filters button")
    b.check()
    rows = b.finds("table.audit tbody tr")
    assert len(rows) >= 1
    b.click("table.audit tbody tr a")
    b.check()
    assert "/history/member/" in b.driver.current_url


def pdca_pages(b, server, state):
    for phase in ["plan", "do", "check", "act"]:
        b.open(f"{server.base}/w/acme/{phase}").check()
        assert len(b.finds("li.capability")) >= 2, phase


def language_switch(b, server, state):
    b.open(server.base + "/w/acme").check()
    b.click(".lang-switch button")
    other = "en" if b.language == "ja" else "ja"
    lang = b.driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
    assert lang == other, lang
    # Remembered: a fresh page load keeps the choice, then switch back.
    b.open(server.base + "/account")
    assert b.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == other
    b.click(".lang-switch button")
    b.check()


class Inbox:
    """The test SMTP server's mailbox (an aiosmtpd handler)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def wait(self, address, contains="", timeout=40, subject=""):
        """The first message to `address` whose text part contains `contains` (and whose subject
        contains `subject`), waiting for it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for to, message in self.messages:
                    if address in to and contains in message.get_body(("plain",)).get_content() and subject in str(message["Subject"]):
                        return message
            time.sleep(0.25)
        raise AssertionError(f"no e-mail to {address} containing {contains!r} within {timeout}s")


def notifications(b, server, state):
    """An invitation arrives by e-mail in the inviter's language and is accepted from the message; a
    corrective action given to the new member appears in their notification list (the bell counts
    it) and reaches them by e-mail in their language; they turn one kind of e-mail off."""
    ja = b.language == "ja"
    address = "nozomi@example.co.jp"
    name = "小林 希" if ja else "Nozomi Kobayashi"
    b.open(server.base + "/w/acme/members/new").check()
    b.fill("f-email", address)
    b.fill("f-displayName", name)
    Select(b.find("#f-homeDepartmentId")).select_by_visible_text("情報システム部")
    b.find("#f-role-internalAuditor").click()
    b.submit("/w/acme/members/new")
    b.check()
    assert b.finds(".notice.ok"), "the page does not say the invitation was e-mailed"
    invitation = state["inbox"].wait(address)
    assert ("招待" in str(invitation["Subject"])) == ja, invitation["Subject"]
    link = re.search(r"http://\S+/invitation/\S+", invitation.get_body(("plain",)).get_content()).group(0)
    guest = Browser(b.language, b.artifacts, b.name + "-notified")
    try:
        guest.open(link).check()
        guest.fill("f-displayName", name)
        guest.fill("f-password", "notices reach the right person")
        guest.fill("f-passwordConfirmation", "notices reach the right person")
        guest.submit(link.replace(server.base, ""))
        guest.check()
        sign_in(guest, server, {}, address, "notices reach the right person")
        assert guest.finds("a.bell"), "no bell in the top bar"

        # The secretariat raises a nonconformity and gives it to the new member.
        description = "監査ログの保存期間が規程より短い" if ja else "Audit logs are kept shorter than the rule says"
        b.open(server.base + "/w/acme/nonconformities").check()
        b.fill("f-description", description)
        b.fill("f-owner", address)
        b.click("#new-nc button.primary")
        b.check()
        assert "/nonconformities/" in b.driver.current_url, b.driver.current_url

        # From 8:00 in the workspace's zone the scan also sends the day's digest, which names the
        # action too; the notice of the action itself is the one looked for.
        mail = state["inbox"].wait(address, description, subject="対応をお願いします" if ja else "For you")
        subject = str(mail["Subject"])
        assert ("対応をお願いします" in subject) if ja else subject.startswith("[") and "For you" in subject, subject
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

        # In the app: the bell counts it, the list shows it, opening it leads to the record.
        guest.open(server.base + "/w/acme").check()
        assert guest.finds("a.bell .count"), "the bell shows no unread notice"
        guest.open(server.base + "/notifications").check()
        item = next((li for li in guest.finds(".notice-item.unread") if description in li.text), None)
        assert item is not None, "the notice is not in the list"
        guest.click(item.find_element(By.CSS_SELECTOR, "a"))
        guest.check()
        assert "/nonconformities/" in guest.driver.current_url, guest.driver.current_url
        guest.open(server.base + "/notifications?unread=true").check()
        assert not any(description in li.text for li in guest.finds(".notice-item")), "the opened notice is still unread"

        # The member keeps due-soon notices in the app only.
        guest.open(server.base + "/account#notifications").check()
        box = guest.find("#notifications input[value='dueSoon']")
        assert box.is_selected()
        box.click()
        guest.click("#notifications button[type='submit']")
        guest.check()
        assert guest.finds(".flash")
        assert not guest.find("#notifications input[value='dueSoon']").is_selected(), "the choice was not kept"
    finally:
        guest.quit()


def set_value(b, element_id, value):
    """Sets a date (or any) input the way a person's picker would, independent of the browser's locale."""
    b.driver.execute_script("arguments[0].value = arguments[1]", b.find("#" + element_id), value)


def invite_and_join(b, server, email, name, role, password):
    """The secretariat adds a member; the person opens the link, sets a password and signs in. Returns their browser."""
    b.open(server.base + "/w/acme/members/new").check()
    b.fill("f-email", email)
    b.fill("f-displayName", name)
    box = b.find(f"#f-role-{role}")
    if not box.is_selected():  # the employee role is ticked by default
        box.click()
    b.submit("/w/acme/members/new")
    b.check()
    link = b.find("input.copy").get_attribute("value")
    guest = Browser(b.language, b.artifacts, b.name + "-" + role)
    guest.open(link).check()
    guest.fill("f-displayName", name)
    guest.fill("f-password", password)
    guest.fill("f-passwordConfirmation", password)
    guest.submit(link.replace(server.base, ""))
    guest.check()
    sign_in(guest, server, {}, email, password)
    return guest


def assets_from_excel(b, server, state):
    from openpyxl import Workbook
    b.open(server.base + "/w/acme/assets").check()
    assert b.finds(".empty"), "the empty inventory says nothing"
    book = Workbook()
    sheet = book.active
    sheet.append(["管理番号", "資産名", "種別", "形態", "所有者", "部門", "機密性", "完全性", "可用性", "備考"])
    sheet.append(["A-001", "顧客台帳", "情報", "電子", "taro@example.co.jp", "情報システム部", 3, 2, 2, "CRM内"])
    sheet.append(["A-002", "基幹システム", "ソフトウェア", "電子", None, "情報システム部", 2, 3, 3, None])
    sheet.append(["A-003", "契約書原本", "情報", "紙", None, "営業部", 3, 2, 1, "施錠キャビネット"])
    path = os.path.join(tempfile.mkdtemp(), "資産台帳.xlsx")
    book.save(path)
    b.open(server.base + "/w/acme/assets/import").check()
    b.find("#f-file").send_keys(path)
    b.submit("/w/acme/assets/import")
    b.check()
    assert len(b.finds(".badge.outcome-create")) == 3, "the dry run does not list three new assets"
    b.click("form.confirm-import button.primary")
    b.check()
    b.open(server.base + "/w/acme/assets").check()
    codes = [cell.text for cell in b.finds("table.table tbody td:first-child")]
    assert codes == ["A-001", "A-002", "A-003"], codes
    Select(b.find("#f-type")).select_by_value("software")
    b.click("form.filters button[type=submit]")
    b.check()
    assert [c.text for c in b.finds("table.table tbody td:first-child")] == ["A-002"]


def asset_form(b, server, state):
    b.open(server.base + "/w/acme/assets/new").check()
    # A code already in use passes the browser's checks and is refused by the server, naming the field.
    b.fill("f-code", "A-001")
    b.fill("f-name", "社内Wiki")
    b.submit("/w/acme/assets/new")
    b.check(expect_status=[422])
    assert b.finds(".error-summary a[href='#f-code']"), "the taken code is not named"
    assert b.find("#f-name").get_attribute("value") == "社内Wiki", "what was typed is lost"
    b.fill("f-code", "A-004")
    Select(b.find("#f-kind")).select_by_value("service")
    Select(b.find("#f-confidentiality")).select_by_value("2")
    Select(b.find("#f-availability")).select_by_value("3")
    b.submit("/w/acme/assets/new")
    b.check()
    assert "/w/acme/assets/" in b.driver.current_url and b.finds("dl.facts"), b.driver.current_url
    assert "A-004" in b.find("h1").text


def risk_assessment(b, server, state):
    b.open(server.base + "/w/acme/risk-method").check()
    assert b.finds("table.compact"), "the published method's scales are not shown"
    b.open(server.base + "/w/acme/risk-assessments").check()
    assert b.finds(".empty"), "no empty state before the first assessment"
    b.submit("/w/acme/risk-assessments")
    b.check()
    assessment = b.driver.current_url.split("#")[0].split("?")[0]
    assert "/risk-assessments/" in assessment, assessment
    state["assessment"] = assessment
    b.click(f"a[href='{assessment.replace(server.base, '')}/risks/new']")
    b.check()
    b.fill("f-assetCode", "A-001")
    Select(b.find("#f-threatId")).select_by_index(1)
    Select(b.find("#f-vulnerabilityId")).select_by_index(1)
    Select(b.find("#f-inherentThreat")).select_by_value("2")
    Select(b.find("#f-inherentVulnerability")).select_by_value("3")
    Select(b.find("#f-treatment")).select_by_value("modify")
    b.fill("f-owner", "taro@example.co.jp")
    b.fill("f-controls", "5.15, 99.9")
    Select(b.find("#f-residualThreat")).select_by_value("1")
    Select(b.find("#f-residualVulnerability")).select_by_value("2")
    b.click("form button.primary")
    b.check(expect_status=[422])
    assert b.finds(".error-summary a[href='#f-controls']"), "an unknown control is not named"
    b.fill("f-controls", "A.5.15, ８．５")
    b.click("form button.primary")
    b.check()
    assert "/w/acme/risks/" in b.driver.current_url, b.driver.current_url
    state["risk"] = b.driver.current_url
    assert len(b.finds(".level")) == 2, "inherent and residual levels are not both shown"
    assert "A.8.5" in b.source() and "A.5.15" in b.source()
    # The heat map links to the risks in a cell.
    b.open(assessment).check()
    cells = b.finds("figure.heatmap a")
    assert len(cells) == 2, f"{len(cells)} filled cells"
    href = cells[0].get_dom_attribute("href")
    assert "cell=inherent:" in href, href
    b.driver.get(server.base + href if href.startswith("/") else href)
    b.check()
    assert len(b.finds("#register table.table tbody tr")) == 1


def treatment_plan(b, server, state):
    b.open(state["risk"]).check()
    b.click("a[href*='/treatment-plan?risk=']")
    b.check()
    assert b.find("#f-risks").get_attribute("value") == "R-001"
    b.fill("f-title", "顧客台帳のアクセス権を棚卸しする" if b.language == "ja" else "Review access to the customer ledger")
    b.fill("f-owner", "taro@example.co.jp")
    set_value(b, "f-dueOn", "2027-03-31")
    b.click("#new-action button.primary")
    b.check()
    assert "/treatment-actions/" in b.driver.current_url, b.driver.current_url
    state["action"] = b.driver.current_url
    b.open(server.base + "/w/acme/treatment-plan").check()
    assert len(b.finds("table.table tbody tr")) == 1


def owner_accepts_and_reports(b, server, state):
    taro = Browser(b.language, b.artifacts, b.name + "-owner")
    try:
        sign_in(taro, server, {}, "taro@example.co.jp", "another long passphrase")
        taro.open(server.base + "/w/acme").check()
        assert taro.finds(".badge.kind-accept"), "the risk owner is not asked to accept"
        taro.open(state["risk"]).check()
        # Above the acceptance criterion a reason is required; the form says so and keeps the page.
        above = not taro.finds("#acceptance .hint")
        taro.click("form[action$='/accept'] button.primary")
        if above:
            taro.check(expect_status=[422])
            assert taro.finds(".error-summary a[href='#f-acceptanceReason']"), "the missing reason is not named"
            taro.fill("f-acceptanceReason", "対応策の完了までの間、月次でアクセスログを確認する。")
            taro.click("form[action$='/accept'] button.primary")
        taro.check()
        assert taro.finds("#acceptance .badge.ok"), "the acceptance is not shown"
        taro.open(state["action"]).check()
        Select(taro.find("#f-status")).select_by_value("done")
        taro.click("form button.primary")
        taro.check(expect_status=[422])
        assert taro.finds(".error-summary a[href='#f-completionNote']"), "done without a note is accepted"
        taro.fill("f-completionNote", "四半期ごとの棚卸し手順を定め、初回を実施した。")
        taro.click("form button.primary")
        taro.check()
        assert taro.finds(".badge.action-done")
    finally:
        taro.quit()


def assessment_approval(b, server, state):
    b.open(state["assessment"]).check()
    # Risks no owner has accepted are named before submitting; the secretariat goes on only by saying so.
    if b.finds("#unaccepted-warning"):
        b.find("#unaccepted-warning input[name='proceed']").click()
    b.click("form[action$='/submit'] button.primary")
    b.check()
    assert b.finds(".badge.status-inReview")
    boss = invite_and_join(b, server, "ceo@example.co.jp", "鈴木 一郎", "topManagement", "the boss has a long passphrase")
    try:
        boss.open(server.base + "/w/acme").check()
        assert boss.finds(".badge.kind-approve"), "top management is not asked to approve"
        boss.open(state["assessment"]).check()
        boss.fill("f-note", "承認します。" if b.language == "ja" else "Approved.")
        boss.click("form[action$='/approve'] button.primary")
        boss.check()
        assert boss.finds(".badge.status-approved")
        boss.open(state["assessment"] + "/report").check()
        assert boss.finds("table.report-table tbody tr")
    finally:
        boss.quit()


def risk_method_versions(b, server, state):
    b.open(server.base + "/w/acme/risk-method").check()
    # A new version from the current one: the published version stays as it is.
    b.click(b.find("form[action='/w/acme/risk-method/new'] input[name=source]").find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, "button.primary"))
    b.check()
    draft = b.driver.current_url
    assert "/risk-method/" in draft and b.finds("input[name=band_1_minimum]"), draft
    # A gap between two levels cannot be saved; the error names the scores left out.
    minimum = b.find("input[name=band_1_minimum]")
    minimum.clear()
    minimum.send_keys("7")
    b.click(f"form[action='{draft.replace(server.base, '')}'] button.primary")
    b.check(expect_status=[422])
    summary = b.find(".error-summary").text
    assert "6" in summary and b.finds(".error-summary a[href='#f-bands']"), summary
    minimum = b.find("input[name=band_1_minimum]")
    minimum.clear()
    minimum.send_keys("5")
    b.click(f"form[action='{draft.replace(server.base, '')}'] button.primary")
    b.check()
    b.click(f"form[action='{draft.replace(server.base, '')}/publish'] button.primary")
    b.check()
    rows = b.finds("table.table:not(.compact) tbody tr")
    assert len(rows) == 2 and rows[0].find_elements(By.CSS_SELECTOR, ".badge.ok"), "the new version is not the current one"


def control_guidance(b, server, state):
    # From a risk to the guidance of the control it relies on, and back to the risks that use it.
    b.open(state["risk"]).check()
    b.click("a[href='/w/acme/controls/5.15']")
    b.check()
    parts = b.finds("dl.guidance dt")
    assert len(parts) == 3, f"{len(parts)} guidance parts for 5.15"
    assert "A.9.1.1" in b.source(), "the 2013 origin is not shown"
    b.click("a[href*='?control=5.15']")
    b.check()
    assert len(b.finds("#register table.table tbody tr")) == 1
    # Filter the catalog: physical controls new in 2022 → only 7.4, which may be excluded without premises.
    b.open(server.base + "/w/acme/controls").check()
    assert len(b.finds("table.table tbody tr")) == 50, "the first page is not 50 controls"
    Select(b.find("#f-theme")).select_by_value("physical")
    b.find("#f-new2022").click()
    b.click("form.filters button[type=submit]")
    b.check()
    rows = b.finds("table.table tbody tr")
    assert len(rows) == 1 and "A.7.4" in rows[0].text, [r.text for r in rows]
    b.click("table.table tbody tr a")
    b.check()
    assert len(b.finds("dl.guidance dt")) == 4, "the exclusion note of 7.4 is missing"
    # The clauses, each with its guidance behind a summary.
    b.open(server.base + "/w/acme/clauses").check()
    clauses = b.finds("details.clause")
    assert len(clauses) == 34, f"{len(clauses)} requirement clauses"
    clauses[0].find_element(By.TAG_NAME, "summary").click()
    assert clauses[0].find_element(By.CSS_SELECTOR, "dl.guidance dd").is_displayed()


def statement_of_applicability(b, server, state):
    """Last year's SoA (2013 ids) imported, the review list decided, evidence attached, a version
    submitted, approved by top management and compared with a later change."""
    import csv as csvmodule
    here = os.path.dirname(os.path.abspath(__file__))
    mapping = os.path.join(here, "..", "..", "Sources", "Catalog", "iso27001-2022", "mapping-2013-2022.csv")
    folder = tempfile.mkdtemp()
    old = os.path.join(folder, "適用宣言書_2013年版.csv")
    with open(mapping, encoding="utf-8") as source, open(old, "w", encoding="utf-8", newline="") as out:
        writer = csvmodule.writer(out)
        writer.writerow(["管理策番号", "適用", "理由", "実施状況", "実施内容"])
        for row in csvmodule.DictReader(source):
            if row["id_2013"].startswith("A.11.1.6"):
                writer.writerow([row["id_2013"], "除外", "荷受け場所がない", "", ""])
            else:
                writer.writerow([row["id_2013"], "適用", "リスク対応のため", "実施済み", "規程に基づき運用"])
    b.open(server.base + "/w/acme/soa").check()
    assert "93" in b.find(".summary").text
    b.open(server.base + "/w/acme/soa/import").check()
    b.find("#f-file").send_keys(old)
    b.submit("/w/acme/soa/import")
    b.check()
    assert len(b.finds(".badge.outcome-create")) == 93, "every 2022 control gets a proposal"
    b.click("form.confirm-import button.primary")
    b.check()
    # The controls that did not carry over one-to-one wait for a person.
    b.open(server.base + "/w/acme/soa?warning=reviewNeeded&limit=200").check()
    waiting = len(b.finds("table.soa-table tbody tr"))
    assert waiting >= 11, f"{waiting} entries on the review list"
    # A.5.7 is new in 2022: deciding it without a reason is refused, then saved.
    b.open(server.base + "/w/acme/soa/5.7").check()
    assert b.finds("dl.guidance dt"), "the guidance is not beside the entry"
    Select(b.find("#f-decision")).select_by_value("applicable")
    b.find("#f-justification").clear()
    b.click("#soa-entry button.primary")
    b.check(expect_status=[422])
    assert b.finds(".error-summary a[href='#f-justification']"), "the missing justification is not named"
    b.fill("f-justification", "脅威情報を購読し、月次で共有する" if b.language == "ja" else "We subscribe to threat feeds and share them monthly")
    b.click("#soa-entry button.primary")
    b.check()
    assert not b.finds(".flash.warning"), "the entry is still on the review list"
    # The rest of the review list is decided in the spreadsheet and imported again (2022 ids).
    b.open(server.base + "/w/acme/soa?warning=reviewNeeded&limit=200").check()
    rest = [row.find_element(By.CSS_SELECTOR, "td a").text for row in b.finds("table.soa-table tbody tr")]
    fixed = os.path.join(folder, "review.csv")
    with open(fixed, "w", encoding="utf-8", newline="") as out:
        writer = csvmodule.writer(out)
        writer.writerow(["管理策番号", "適用", "理由", "実施状況"])
        for control in rest:
            writer.writerow([control, "適用", "2022年版への移行で確認済み", "計画中"])
    b.open(server.base + "/w/acme/soa/import").check()
    b.find("#f-file").send_keys(fixed)
    b.submit("/w/acme/soa/import")
    b.check()
    b.click("form.confirm-import button.primary")
    b.check()
    # Evidence for 8.13, uploaded from the entry with a Japanese file name.
    b.open(server.base + "/w/acme/soa/8.13").check()
    b.click("section.evidence a.button")
    b.check()
    # A file over the limit (25 MB) is refused on the form, before sending, and what was typed stays.
    huge = os.path.join(folder, "大きすぎる記録.pdf")
    with open(huge, "wb") as out:
        out.truncate(26 * 1024 * 1024)
    form_url = b.driver.current_url
    b.fill("f-title", "復元テスト" if b.language == "ja" else "Restore test")
    b.find("#f-file").send_keys(huge)
    assert b.finds(".upload-too-big"), "no message for a file over the limit"
    assert "25" in b.find(".upload-too-big").text
    b.find("#new-evidence button.primary").click()
    assert b.driver.current_url == form_url and b.find("#f-title").get_attribute("value"), "the form was sent or lost what was typed"
    b.find("#f-file").clear()
    b.fill("f-title", "")
    os.remove(huge)
    record = os.path.join(folder, "バックアップ復元テスト記録.pdf")
    with open(record, "wb") as out:
        out.write(b"%PDF-1.4\n% restore test\n")
    b.find("#f-file").send_keys(record)
    b.click("#new-evidence button.primary")
    b.check()
    assert "/w/acme/soa/8.13" in b.driver.current_url
    b.click("section.evidence li a")
    b.check()
    assert b.find("code.hash").text and "バックアップ復元テスト記録.pdf" in b.source()
    # Submit, and top management approves.
    b.open(server.base + "/w/acme/soa/versions").check()
    b.submit("/w/acme/soa/versions")
    b.check()
    assert b.finds(".badge.soa-version-inReview")
    headings = [dt.text for dt in b.finds("dt")]
    assert ("提出" in headings) if b.language == "ja" else ("Submitted" in headings), headings
    version = b.driver.current_url
    boss = Browser(b.language, b.artifacts, b.name + "-boss")
    try:
        sign_in(boss, server, {}, "ceo@example.co.jp", "the boss has a long passphrase")
        boss.open(server.base + "/w/acme").check()
        assert boss.finds("a[href='/w/acme/soa/versions/1']"), "top management is not asked to approve the SoA"
        boss.open(version).check()
        boss.click("#soa-approve button.primary")
        boss.check()
        assert boss.finds(".badge.soa-version-approved")
        boss.open(server.base + "/w/acme/soa/print?version=1").check()
        assert len(boss.finds("table.report-table tbody tr")) == 93
    finally:
        boss.quit()
    # The approved version as Excel, read back by an independent reader (and LibreOffice when installed).
    from openpyxl import load_workbook
    import shutil, subprocess
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in b.driver.get_cookies())
    request = urllib.request.Request(server.base + "/w/acme/soa/export?format=xlsx&version=1", headers={"Cookie": cookies})
    with urllib.request.urlopen(request) as response:
        book_path = os.path.join(folder, "soa-v1.xlsx")
        with open(book_path, "wb") as out:
            out.write(response.read())
    sheet = load_workbook(book_path).active
    assert sheet.max_row == 94 and sheet.max_column == 11, (sheet.max_row, sheet.max_column)
    assert sheet["A2"].value == "A.5.1" and sheet["E2"].alignment.wrap_text and sheet.freeze_panes == "A2"
    if shutil.which("soffice"):
        subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir", folder, book_path], check=True, capture_output=True, timeout=120)
        with open(os.path.join(folder, "soa-v1.csv"), encoding="utf-8", errors="replace", newline="") as converted:
            rows = list(csvmodule.reader(converted))
        assert len(rows) == 94 and rows[1][0] == "A.5.1", f"LibreOffice read {len(rows)} rows"
    # A later change shows in the comparison with the approved version.
    b.open(server.base + "/w/acme/soa/8.13").check()
    Select(b.find("#f-implementation")).select_by_value("partial")
    b.click("#soa-entry button.primary")
    b.check()
    b.open(server.base + "/w/acme/soa/compare?from=1").check()
    changes = b.finds("section.change")
    assert len(changes) == 1 and "A.8.13" in changes[0].text, [c.text for c in changes]


def objectives_and_measurements(b, server, state):
    """An objective set up (a target that is not a number refused first), measured, and shown with its trend."""
    b.open(server.base + "/w/acme/objectives").check()
    assert b.finds(".empty"), "the empty list says nothing"
    b.fill("f-statement", "年次教育の受講率を95%以上にする" if b.language == "ja" else "At least 95% of staff complete the yearly training")
    b.fill("f-metric", "教育システムの受講記録を月末に集計" if b.language == "ja" else "Training system records, counted at month end")
    b.fill("f-unit", "%")
    b.fill("f-target", "95%以上")
    b.click("#new-objective button.primary")
    b.check(expect_status=[422])
    assert b.finds(".error-summary a[href='#f-target']"), "a target that is not a number is not named"
    b.fill("f-target", "95")
    b.click("#new-objective button.primary")
    b.check()
    assert "/objectives/" in b.driver.current_url
    for value in ["91", "96.5"]:
        b.fill("f-measurement", value)
        b.click("#new-measurement button.primary")
        b.check()
    assert b.finds("svg.trend circle") and len(b.finds("svg.trend circle")) == 2, "the trend does not show both readings"
    assert b.finds("dl.facts .badge.ok"), "the latest reading meets the target but the status does not say so"
    b.open(server.base + "/w/acme/objectives").check()
    assert len(b.finds("table.table tbody tr")) == 1


def internal_audit_to_management_review(b, server, state):
    """A process and a programme; an audit refused for independence, then allowed with a reason; a finding that
    opens a corrective action closed by an effectiveness check; a management review whose frozen inputs show it."""
    import datetime
    ja = b.language == "ja"
    b.open(server.base + "/w/acme/processes").check()
    assert b.finds(".empty"), "the empty register says nothing"
    b.fill("f-name", "受注から請求まで" if ja else "Order to invoice")
    b.fill("f-owner", "taro@example.co.jp")
    Select(b.find("#f-department")).select_by_visible_text("営業部")
    b.click("#new-process button.primary")
    b.check()
    b.open(server.base + "/w/acme/audit-programmes").check()
    b.fill("f-title", "2026年度 内部監査プログラム" if ja else "FY2026 audit programme")
    set_value(b, "f-startsOn", "2026-04-01")
    set_value(b, "f-endsOn", "2027-03-31")
    b.click("#new-programme button.primary")
    b.check()
    programme = b.driver.current_url
    # Taro owns the process in scope: the audit is refused with the reason until the secretariat records why.
    b.fill("f-title", "第1回 営業部監査" if ja else "Audit no. 1 — Sales")
    set_value(b, "f-startsOn", "2026-06-01")
    set_value(b, "f-endsOn", "2026-06-05")
    b.find("#new-audit-form input[name='processes[]']").click()
    b.fill("f-criteria", "7.2, A.5.15")
    b.fill("f-lead", "taro@example.co.jp")
    b.click("#new-audit-form button.primary")
    b.check(expect_status=[422])
    assert b.finds(".error-summary a[href='#f-independenceOverride']"), "the independence conflict is not named"
    assert "佐藤 太郎" in b.find(".error-summary").text
    b.fill("f-independenceOverride", "社員15名のため、他部門の監査員を確保できない" if ja else "Fifteen staff: no auditor from another department")
    b.click("#new-audit-form button.primary")
    b.check()
    assert "/audits/" in b.driver.current_url
    audit = b.driver.current_url
    assert len(b.finds("li.checklist-item")) == 2, "the checklist does not come from the two criteria"
    assert b.finds("li.checklist-item details"), "no guidance beside the checklist"
    b.click("form[action$='/status'] button")
    b.check()
    Select(b.find("li.checklist-item select")).select_by_value("nonconforming")
    # Every question gets a result: an audit with one still "not audited" cannot be reported.
    Select(b.finds("li.checklist-item select")[1]).select_by_value("conforming")
    b.find("li.checklist-item textarea[name$='[notes]']").send_keys("新任者2名の記録がない" if ja else "No records for two new hires")
    b.click("#checklist-form button.primary")
    b.check()
    assert b.finds("li.checklist-item .badge.pending"), "the nonconforming result was not saved"
    Select(b.find("#f-kind")).select_by_value("minor")
    Select(b.find("#f-item")).select_by_index(1)
    b.fill("f-description", "新任者2名の教育記録がない" if ja else "No training records for two new hires")
    b.click("#new-finding button.primary")
    b.check()
    b.click("#findings a[href*='/nonconformities/']")
    b.check()
    assert "/nonconformities/" in b.driver.current_url
    nc = b.driver.current_url
    # The corrective action: owner, why, plan; plan, implement; then someone other than the owner checks it.
    b.fill("f-owner", "ceo@example.co.jp")
    b.fill("f-correction", "2名に教育を実施" if ja else "Trained the two")
    b.fill("f-why1", "入社手続きに教育が含まれていない" if ja else "Onboarding has no training step")
    b.fill("f-actionPlan", "入社手続きのチェックリストに教育を加える" if ja else "Add training to the onboarding checklist")
    set_value(b, "f-dueOn", "2026-12-31")
    b.click("#nc-form button[name='then']")
    b.check()
    assert b.finds("#implement"), "saving and confirming the plan did not plan it"
    # The owner (top management here) records the action as carried out; the secretariat checks it.
    boss = Browser(b.language, b.artifacts, b.name + "-nc-owner")
    try:
        sign_in(boss, server, {}, "ceo@example.co.jp", "the boss has a long passphrase")
        boss.open(nc).check()
        assert not boss.finds("#verify"), "the owner is offered to check their own action"
        boss.click("#implement button.primary")
        boss.check()
    finally:
        boss.quit()
    b.open(nc).check()
    b.fill("f-verificationNote", "翌月入社の2名の記録を確認" if ja else "Checked the records of the next two hires")
    b.click("#verify button[value='true']")
    b.check()
    assert b.finds("dl.facts .badge.ok"), "the effective check did not close it"
    # The audit is reported and closed; its report prints.
    b.open(audit).check()
    b.fill("f-conclusion", "概ね適合。教育記録に不備。" if ja else "Largely conforming; training records incomplete.")
    b.click("#conclusion button.primary")
    b.check()
    b.click("form[action$='/status'] button.primary")
    b.check()
    b.click("form[action$='/status'] button.primary")
    b.check()
    b.open(audit + "/report")
    assert ("内部監査報告書" if ja else "Internal audit report") in b.source()
    # The management review compiles exactly that; holding it freezes the inputs.
    b.open(server.base + "/w/acme/management-reviews").check()
    b.fill("f-title", "2026年度 マネジメントレビュー" if ja else "FY2026 management review")
    # The meeting is today (in the workspace's Tokyo time): its frozen period ends today and so includes NC-1.
    today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=9)).date().isoformat()
    set_value(b, "f-heldOn", today)
    b.fill("f-attendees", "taro@example.co.jp")
    b.click("#new-review button.primary")
    b.check()
    review = b.driver.current_url
    assert "NC-1" in b.find("section.review-inputs").text
    b.click("#hold button.primary")
    b.check(expect_status=[422])
    assert b.finds(".error-summary a[href='#f-attendees']"), "a review without top management was held"
    b.fill("f-attendees", "taro@example.co.jp, ceo@example.co.jp")
    b.click("#review-form button.primary")
    b.check()
    b.click("#hold button.primary")
    b.check()
    b.fill("f-text", "教育手順を全社に展開する" if ja else "Roll the training step out company-wide")
    b.click("#new-action button.primary")
    b.check()
    b.open(review + "/minutes")
    minutes = b.source()
    assert "NC-1" in minutes and ("教育手順を全社に展開する" if ja else "Roll the training step out") in minutes


POLICY_JA = """# 情報セキュリティ基本方針

当社は**お客様の情報**を守るため、次のとおり取り組む。

1. パスワードは8文字以上とする。
2. 全従業者に年1回の教育を行う。
"""
POLICY_EN = """# Information security policy

We protect **our customers' information** as follows.

1. Passwords have at least 8 characters.
2. Everyone is trained once a year.
"""


def documents_and_reading(b, server, state):
    """The policy written, submitted, approved by top management, published to everyone; an employee reads and acknowledges
    it on a phone-sized screen; completion shows one reader; a major revision asks again; the comparison shows the changed characters."""
    ja = b.language == "ja"
    policy = POLICY_JA if ja else POLICY_EN
    b.open(server.base + "/w/acme/documents").check()
    assert b.finds(".empty"), "the empty register says nothing"
    b.fill("f-title", "情報セキュリティ基本方針" if ja else "Information security policy")
    Select(b.find("#new-document #f-kind")).select_by_value("policy")
    b.click("#new-document button.primary")
    b.check()
    document = b.driver.current_url
    assert "/documents/" in document
    b.fill("f-body", policy)
    b.click("#version-form button.primary")
    b.check()
    b.click("#submit-form button.primary")
    b.check()
    boss = Browser(b.language, b.artifacts, b.name + "-approver")
    try:
        sign_in(boss, server, {}, "ceo@example.co.jp", "the boss has a long passphrase")
        boss.open(server.base + "/w/acme").check()
        boss.open(document).check()
        boss.click("#approve-form button.primary")
        boss.check()
        assert not boss.finds("#approve-form"), "the version was not approved"
    finally:
        boss.quit()
    b.open(document).check()
    b.click("#publish-form button.primary")
    b.check()
    assert not b.finds("#open-version"), "the version was not published"

    # An employee reads and acknowledges it on a phone.
    reader = invite_and_join(b, server, "yoshiko@example.co.jp", "高橋 良子" if ja else "Yoshiko Takahashi", "employee", "a reader with a long passphrase")
    try:
        reader.driver.set_window_size(390, 844)
        reader.open(server.base + "/w/acme/reading").check()
        assert reader.finds(".reading-list .badge.pending"), "the policy is not on the reading list"
        reader.click(".reading-item a")
        reader.check()
        assert reader.finds(".markdown h2") and reader.finds(".markdown ol li"), "the policy is not rendered"
        overflow = reader.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the reading page scrolls sideways on a phone by {overflow}px"
        reader.screenshot("reading-on-a-phone")
        reader.click("#acknowledge-form button.primary")
        reader.check()
        assert reader.finds(".reading-list .badge.ok") and not reader.finds(".reading-list .badge.pending"), "the acknowledgement is not shown"
        # Drafts stay closed to the employee.
        reader.open(server.base + "/w/acme/documents").check(expect_status=[403])
    finally:
        reader.quit()
    b.open(document + "/completion").check()
    done = sum(int(cell.text.split("/")[0]) for cell in b.finds("td.num"))
    assert done == 1, f"completion shows {done} readers, not 1"
    assert ("1 / " if ja else "read by 1 of") in b.find(".page-header").text

    # A major revision asks again; the comparison shows the changed characters.
    b.open(document).check()
    b.find("#new-version summary").click()
    assert b.find("#f-body").get_attribute("value").startswith("#"), "the revision does not start from the text in force"
    b.fill("f-body", policy.replace("8", "12"))
    b.fill("f-summary", "パスワード長の変更" if ja else "Longer passwords")
    b.click("#version-form button.primary")
    b.check()
    submit_approve_publish(b, server, document, "-approver2")
    b.open(document + "/completion").check()
    assert sum(int(cell.text.split("/")[0]) for cell in b.finds("td.num")) == 0, "a major revision kept the old acknowledgements"
    b.open(document + "/compare").check()
    inserted = [element.text for element in b.finds(".diff-line.changed ins")]
    removed = [element.text for element in b.finds(".diff-line.changed del")]
    assert "12" in "".join(inserted) and "8" in "".join(removed), f"the comparison does not show the changed characters: {inserted} {removed}"
    b.open(document + "/versions/2/print").check()
    assert "2.0" in b.find(".print-header").text


def submit_approve_publish(b, server, document, suffix):
    """The draft on the document's page submitted, approved by top management in a browser of their own, then published."""
    b.click("#submit-form button.primary")
    b.check()
    boss = Browser(b.language, b.artifacts, b.name + suffix)
    try:
        sign_in(boss, server, {}, "ceo@example.co.jp", "the boss has a long passphrase")
        boss.open(document).check()
        boss.click("#approve-form button.primary")
        boss.check()
    finally:
        boss.quit()
    b.open(document).check()
    b.click("#publish-form button.primary")
    b.check()


def starter_documents(b, server, state):
    """The starter set written from the workspace's data; the policy edited, approved and published; then a new risk method
    with another acceptance criterion flags the risk procedure, whose draft is brought up to date."""
    ja = b.language == "ja"
    b.open(server.base + "/w/acme/documents").check()
    boxes = b.finds("#starters-form input[type=checkbox]")
    assert len(boxes) == 8, f"{len(boxes)} starter documents offered"
    b.click("#starters-form button.primary")
    b.check()
    codes = [cell.text for cell in b.finds("table.table tbody td.nowrap a")]
    assert all(f"ISMS-0{n}" in codes for n in range(1, 9)), codes
    assert not b.finds("#starters-form input[type=checkbox]"), "written documents are offered again"

    # The policy: its draft names the organization; edited, approved by top management, published.
    b.click(b.driver.find_element(By.LINK_TEXT, "ISMS-02"))
    b.check()
    policy = b.driver.current_url
    b.find("#draft-form").find_element(By.XPATH, "..").find_element(By.TAG_NAME, "summary").click()
    body = b.find("#draft-form #f-body")
    text = body.get_attribute("value")
    assert "{{" not in text and text.startswith("# "), text[:200]
    body.send_keys(Keys.CONTROL, Keys.END)
    body.send_keys("\n\n" + ("以上" if ja else "End of policy."))
    b.click("#draft-form button.primary")
    b.check()
    submit_approve_publish(b, server, policy, "-starter-approver")
    assert not b.finds("#open-version"), "the policy was not published"

    # A new risk method version accepts up to another score: the risk procedure says its data changed.
    b.open(server.base + "/w/acme/risk-method").check()
    b.click(b.find("form[action='/w/acme/risk-method/new'] input[name=source]").find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, "button.primary"))
    b.check()
    draft = b.driver.current_url.replace(server.base, "")
    acceptable = b.find("#f-acceptableUpTo")
    before = acceptable.get_attribute("value")
    acceptable.clear()
    acceptable.send_keys(str(int(before) + 1))
    b.click(f"form[action='{draft}'] button.primary")
    b.check()
    b.click(f"form[action='{draft}/publish'] button.primary")
    b.check()
    b.open(server.base + "/w/acme/documents").check()
    flagged = [row.text for row in b.finds("table.table tbody tr") if row.find_elements(By.CSS_SELECTOR, ".badge.pending") and "ISMS-03" in row.text]
    assert flagged, "the risk procedure is not flagged"
    b.click(b.driver.find_element(By.LINK_TEXT, "ISMS-03"))
    b.check()
    changes = b.find("#starter-changes").text
    assert str(int(before) + 1) in changes, changes
    b.screenshot("starter-data-changed")
    b.click("#starter-changes button.primary")
    b.check()
    assert not b.finds("#starter-changes"), "the document still says its data changed"


def _course_key(key):
    """Which choices are right in our ready-made course, read from the bundled file (the page never says before you answer)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources", "Catalog", "training", "courses.json")
    course = next(c for c in json.load(open(path, encoding="utf-8"))["courses"] if c["key"] == key)
    letters = "abcdefghij"
    return [([letters[i] for i, choice in enumerate(q["choices"]) if choice["correct"]],
             [letters[i] for i, choice in enumerate(q["choices"]) if not choice["correct"]]) for q in course["questions"]]


def _answer(b, key, right):
    for fieldset, (correct, wrong) in zip(b.finds("fieldset.question"), _course_key(key)):
        for letter in (correct if right else wrong[:1]):
            box = fieldset.find_element(By.CSS_SELECTOR, f"input[value='{letter}']")
            b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            box.click()
    b.click("#quiz-form button.primary")


def training_campaign(b, server, state):
    """The secretariat starts the yearly campaign from the ready-made course; an employee fails on a phone, reads the
    explanations, retakes and passes; completion moves; a drill file is imported and the one who clicked gets the follow-up."""
    ja = b.language == "ja"
    b.open(server.base + "/w/acme/training").check()
    assert len(b.finds("#courses .reading-item")) == 3, "the ready-made courses are not there"
    assert b.finds("#campaigns .empty"), "the empty campaign list says nothing"
    b.find("#new-campaign summary").click()
    b.fill("f-title", "2026年度 年次情報セキュリティ教育" if ja else "FY2026 annual security training")
    Select(b.find("#campaign-form #f-course")).select_by_index(1)
    b.click("#campaign-form button.primary")
    b.check()
    campaign = b.driver.current_url
    assert "/training/campaigns/" in campaign
    def done_and_total():
        cells = [cell.text.split("/") for cell in b.finds("#by-department td.num") if "/" in cell.text]
        return sum(int(c[0]) for c in cells), sum(int(c[1]) for c in cells)
    done, total = done_and_total()
    assert done == 0 and total >= 3, f"the campaign has {done} of {total}"

    reader = Browser(b.language, b.artifacts, b.name + "-learner")
    try:
        sign_in(reader, server, {}, "yoshiko@example.co.jp", "a reader with a long passphrase")
        reader.driver.set_window_size(390, 844)
        reader.open(server.base + "/w/acme").check()
        assert any(("受講" in a.text) or ("Take" in a.text) for a in reader.finds("a")), "the course is not on my work"
        reader.open(server.base + "/w/acme/training").check()
        reader.click("#mine .reading-item a")
        reader.check()
        assert not reader.finds(".explanation"), "explanations are shown before answering"
        # Sending with a question unanswered is refused, naming it.
        reader.click("#quiz-form button.primary")
        reader.check(expect_status=[422])
        assert reader.finds(".error-summary li"), "unanswered questions were accepted"
        _answer(reader, "awareness-annual", right=False)
        reader.check()
        assert reader.finds(".score.fail") and reader.finds(".explanation"), "the failed result does not explain"
        overflow = reader.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the result scrolls sideways on a phone by {overflow}px"
        reader.screenshot("quiz-result-on-a-phone")
        reader.click("a.button.primary[href$='#quiz']")
        reader.check()
        _answer(reader, "awareness-annual", right=True)
        reader.check()
        assert reader.finds(".score.ok"), "the right answers did not pass"
    finally:
        reader.quit()
    b.open(campaign).check()
    assert done_and_total() == (1, total), f"completion did not move: {done_and_total()}"
    assert b.finds("#missed table tbody tr"), "the questions most often missed are not shown"

    # A drill's results from a CSV; the one who clicked gets the follow-up course.
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "drill.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("email,opened,clicked,submitted,reported\nyoshiko@example.co.jp,1,1,0,0\ntaro@example.co.jp,1,0,0,1\nceo@example.co.jp,0,0,0,0\n")
    b.open(server.base + "/w/acme/training/drills").check()
    b.fill("f-title", "12月 訓練" if ja else "December drill")
    b.find("#f-file").send_keys(path)
    b.click("#drill-form button.primary")
    b.check()
    assert "/training/drills/" in b.driver.current_url
    assert "33%" in b.find("section.card table").text, "the click rate is not one in three"
    b.click("#follow-up-form button.primary")
    b.check()
    assert "/training/campaigns/" in b.driver.current_url
    # Only the one who clicked is in it (she has already passed the course today, so she is done).
    assert done_and_total() == (1, 1), f"the follow-up campaign holds {done_and_total()}"


def _second_tuesday(year, month):
    import datetime
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(1 - first.weekday()) % 7 + 7)


def annual_plan(b, server, state):
    """The secretariat starts the year from the typical plan, adds the monthly committee on the second Tuesday, sees it
    in the year view, records a past meeting as done with its minutes as evidence, and finds the one left open on my work."""
    import datetime
    ja = b.language == "ja"
    b.open(server.base + "/w/acme/annual-plan").check()
    b.click("a[href*='/annual-plan/typical']")
    b.check()
    rows = b.finds("#typical-form tbody tr")
    assert len(rows) == 12, f"the typical plan proposes {len(rows)} activities"
    b.click("#typical-form button.primary")
    b.check()
    assert b.finds(".flash"), "adopting the typical plan said nothing"
    assert len(b.finds(".plan-grid tbody tr")) >= 12, "the adopted activities are not in the year view"

    # The committee: the second Tuesday of every month, starting two months ago.
    today = datetime.date.today()
    month = (today.month - 3) % 12 + 1
    year = today.year if today.month > 2 else today.year - 1
    start = _second_tuesday(year, month)
    title = "情報セキュリティ委員会" if ja else "Information security committee"
    b.open(server.base + "/w/acme/annual-plan/activities/new").check()
    b.fill("f-title", title)
    b.driver.execute_script("document.getElementById('f-startsOn').value = arguments[0]", start.isoformat())
    b.fill("f-rrule", "FREQ=MONTHLY;BYDAY=2TU;COUNT=12")
    Select(b.find("#f-phase")).select_by_value("check")
    b.click("#activity-form button.primary")
    b.check()
    activity = b.driver.current_url.split("?")[0]
    dates = [row.text.split(" ")[0] for row in b.finds("table tbody tr td.nowrap")]
    assert len(dates) == 12, f"twelve meetings expected, the page lists {len(dates)}"
    for text in dates:
        day = datetime.date.fromisoformat(text)
        assert day.weekday() == 1 and 8 <= day.day <= 14, f"{text} is not a second Tuesday"

    # The year view shows the committee's row with a mark per month.
    b.open(server.base + "/w/acme/annual-plan").check()
    row = [r for r in b.finds(".plan-grid tbody tr") if title in r.text]
    assert row and len(row[0].find_elements(By.CSS_SELECTOR, ".plan-mark")) >= 1, "the committee is not in the year view"
    b.screenshot("annual-plan-year")

    # The first meeting is recorded as done, its minutes attached as evidence.
    b.open(f"{activity}?date={start.isoformat()}#mark").check()
    folder = tempfile.mkdtemp()
    minutes = os.path.join(folder, "minutes.pdf")
    with open(minutes, "wb") as f:
        f.write(b"%PDF-1.4\n% committee minutes\n")
    Select(b.find("#mark-form #f-state")).select_by_value("done")
    b.fill("f-note", "議事録を共有した" if ja else "Minutes shared")
    b.find("#mark-form #f-file").send_keys(minutes)
    b.click("#mark-form button.primary")
    b.check()
    assert b.finds(".flash"), "recording the meeting said nothing"
    assert b.finds(f"table a[href*='/evidence/']"), "the evidence is not linked from the meeting"
    assert b.finds(".plan-status.plan-done"), "the meeting is not shown as done"

    # The second meeting has passed unrecorded: it waits on my work, overdue.
    b.open(server.base + "/w/acme").check()
    assert any(title in item.text for item in b.finds("li, tr")), "the overdue meeting is not on my work"


def spreadsheets_mapped(b, server, state):
    """Issue 14: an asset register and a SoA kept in other people's layouts (title rows, No.,
    名称, 分類, CIA-C, O/X) are mapped on the page, imported, and next year's file goes straight to
    the dry run with the remembered mapping."""
    from openpyxl import Workbook
    from urllib.parse import urlparse
    folder = tempfile.mkdtemp()

    def asset_book(rows, name):
        book = Workbook()
        sheet = book.active
        sheet.append(["情報資産管理台帳" if b.language == "ja" else "Information asset register"])
        sheet.append(["No.", "名称", "分類", "CIA-C", "CIA-I", "CIA-A", "確認メモ"])
        for row in rows:
            sheet.append(row)
        path = os.path.join(folder, name)
        book.save(path)
        return path

    def upload(action, path):
        b.open(server.base + action).check()
        b.find("#f-file").send_keys(path)
        b.submit(action)
        b.check()

    first = asset_book([["M-001", "顧客アンケート", "情報", 2, 2, 1, "棚卸済"], ["M-002", "勤怠システム", "ソフトウェア", 2, 3, 3, ""]], "台帳2026.xlsx")
    upload("/w/acme/assets/import", first)
    assert b.finds("table.import-map"), "the mapping step is not shown for foreign headers"
    step = urlparse(b.driver.current_url).path
    # 分類 was read as the type from its values; CIA-C/I/A are new to Meguri and mapped by hand.
    assert Select(b.find("#f-map-2")).first_selected_option.get_attribute("value") == "type"
    for index, field in [(3, "confidentiality"), (4, "integrity"), (5, "availability")]:
        Select(b.find(f"#f-map-{index}")).select_by_value(field)
    b.submit(step)
    b.check()
    assert len(b.finds(".badge.outcome-create")) == 2, "the dry run does not list two new assets"
    assert "確認メモ" in b.find("dl.import-mapping").text, "the column left out is not named"
    b.click("form.confirm-import button.primary")
    b.check()
    b.open(server.base + "/w/acme/assets?q=M-00").check()
    assert {c.text for c in b.finds("table.table tbody td:first-child")} >= {"M-001", "M-002"}
    # Next year: the same layout imports in one step, read as last time.
    second = asset_book([["M-003", "採用応募書類", "情報", 3, 2, 1, ""]], "台帳2027.xlsx")
    upload("/w/acme/assets/import", second)
    assert not b.finds("table.import-map") and len(b.finds(".badge.outcome-create")) == 1, "the remembered mapping was not used"
    b.click("form.confirm-import button.primary")
    b.check()

    # A consultant's SoA: title rows, No./管理策/適用 with O and X, － where excluded.
    here = os.path.dirname(os.path.abspath(__file__))
    import csv as csvmodule
    soa = os.path.join(folder, "適用宣言書.csv")
    with open(os.path.join(here, "..", "..", "Sources", "Catalog", "iso27001-2022", "controls-2022.csv"), encoding="utf-8") as source, \
            open(soa, "w", encoding="cp932", newline="") as out:
        writer = csvmodule.writer(out, lineterminator="\r\n")
        writer.writerow(["適用宣言書", "", "", ""])
        writer.writerow(["No.", "管理策", "適用", "適用/除外の理由"])
        for row in csvmodule.DictReader(source):
            writer.writerow([row["id"], row["title_ja"], "O", "リスク対応のため"])
    upload("/w/acme/soa/import", soa)
    assert b.finds("table.import-map"), "the SoA's mapping step is not shown"
    assert Select(b.find("#f-map-0")).first_selected_option.get_attribute("value") == "id"
    b.submit(urlparse(b.driver.current_url).path)
    b.check()
    assert b.finds("form.confirm-import"), "the SoA's dry run has no confirm button"
    b.click("form.confirm-import button.primary")
    b.check()
    upload("/w/acme/soa/import", soa)
    assert not b.finds("table.import-map") and b.finds("form.confirm-import"), "the SoA's remembered mapping was not used"


SCENARIOS = [
    ("first-run setup", first_run_setup),
    ("a wrong password is refused", wrong_password_is_refused),
    ("sign in", sign_in),
    ("create a workspace", create_workspace),
    ("workspace profile", workspace_profile),
    ("departments from a Shift_JIS CSV", departments_from_csv),
    ("add a member who accepts the invitation", add_member_with_invitation),
    ("members list and filter", members_list_and_filter),
    ("two-step sign-in with TOTP", two_step_sign_in),
    ("an API token works", api_token),
    ("audit trail and record history", audit_trail),
    ("assets from an Excel file", assets_from_excel),
    ("an asset by hand, with a mistake first", asset_form),
    ("a risk assessment with a rated risk and its heat map", risk_assessment),
    ("a treatment action from the risk", treatment_plan),
    ("the risk owner accepts and reports progress", owner_accepts_and_reports),
    ("top management approves the assessment", assessment_approval),
    ("a new risk method version, refused with a gap first", risk_method_versions),
    ("guidance for a control and the clauses", control_guidance),
    ("the SoA from a 2013 file: review, evidence, approval, comparison", statement_of_applicability),
    ("objectives measured against their target", objectives_and_measurements),
    ("an internal audit through corrective action to the management review", internal_audit_to_management_review),
    ("a policy through approval and publication, read and acknowledged on a phone", documents_and_reading),
    ("the starter set: written, the policy published, a method change flags the risk procedure", starter_documents),
    ("the yearly training campaign: fail, explanations, retake, pass; a drill and its follow-up", training_campaign),
    ("the annual plan: the typical year, the monthly committee, a meeting done with evidence, one overdue", annual_plan),
    ("notifications: an invitation by e-mail, a corrective action in the list and the mailbox, a choice kept", notifications),
    ("spreadsheets in other layouts: columns mapped on the page, next year's file in one step", spreadsheets_mapped),
    ("the PDCA phase pages", pdca_pages),
    ("switch the language", language_switch),
]
