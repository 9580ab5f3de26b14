"""What a person does in Meguri, step by step, in one language. Each scenario builds on the ones
before it (setup → workspace → departments → members → …)."""
import os, tempfile, time, urllib.request, json

from selenium.webdriver.common.by import By
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
    b.find("form.confirm-import button.primary").click()
    b.check()
    b.open(server.base + "/w/acme/departments").check()
    names = [cell.text for cell in b.finds("table.table tbody td:first-child")]
    assert names == ["営業部", "情報システム部"], names


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
    b.find("form.filters button").click()
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
    b.find("form[action='/logout'] button").click()
    b.check()
    b.fill("f-email", ADMIN)
    b.fill("f-password", PASSWORD)
    b.submit("/login")
    b.check()
    assert "/login/second-factor" in b.driver.current_url, b.driver.current_url
    # The code used to confirm cannot be used again; the next one is accepted.
    b.fill("f-code", totp(secret, time.time() + 30))
    b.find("form[action='/login/second-factor'] button.primary").click()
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
    b.find("form.filters button").click()
    b.check()
    rows = b.finds("table.audit tbody tr")
    assert len(rows) >= 1
    b.find("table.audit tbody tr a").click()
    b.check()
    assert "/history/member/" in b.driver.current_url


def pdca_pages(b, server, state):
    for phase in ["plan", "do", "check", "act"]:
        b.open(f"{server.base}/w/acme/{phase}").check()
        assert len(b.finds("li.capability")) >= 2, phase


def language_switch(b, server, state):
    b.open(server.base + "/w/acme").check()
    b.find(".lang-switch button").click()
    other = "en" if b.language == "ja" else "ja"
    lang = b.driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
    assert lang == other, lang
    # Remembered: a fresh page load keeps the choice, then switch back.
    b.open(server.base + "/account")
    assert b.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == other
    b.find(".lang-switch button").click()
    b.check()


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
    ("the PDCA phase pages", pdca_pages),
    ("switch the language", language_switch),
]
