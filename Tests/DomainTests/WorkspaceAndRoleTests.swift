import Domain
import Foundation
import Testing

@Suite struct WorkspaceValidation {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func onlyNameAndSlugAreNeededAndDefaultsApply() throws {
        let w = try Workspace.create(WorkspaceInput(name: "サンプル ISMS", slug: "Sample"), now: now)
        #expect(w.slug == "sample")
        #expect(w.timeZone == "Asia/Tokyo")
        #expect(w.fiscalYearStartMonth == 4)
    }

    @Test(arguments: [("a", "error.slug"), ("1abc", "error.slug"), ("ab_c", "error.slug"), ("abc-", "error.slug"), ("サンプル", "error.slug"),
                      ("admin", "error.slugReserved"), ("new", "error.slugReserved"), ("", "error.required")])
    func badSlugsAreNamed(slug: String, code: String) {
        #expect(throws: DomainError.invalid([FieldError(field: "slug", code: code)])) {
            try Workspace.create(WorkspaceInput(name: "x", slug: slug), now: now)
        }
    }

    @Test func everyBadFieldIsReportedAtOnce() {
        let input = WorkspaceInput(name: "", slug: "ok-slug", initialCertificationDate: "2026-02-30", timeZone: "Mars/Olympus", fiscalYearStartMonth: "13")
        #expect(throws: DomainError.invalid([
            FieldError(field: "name", code: "error.required"), FieldError(field: "initialCertificationDate", code: "error.date"),
            FieldError(field: "timeZone", code: "error.timeZone"), FieldError(field: "fiscalYearStartMonth", code: "error.month"),
        ])) { try Workspace.create(input, now: now) }
    }

    @Test func updateKeepsWhatIsNotSentClearsWhatIsEmptyAndRefusesANewSlug() throws {
        let w = try Workspace.create(WorkspaceInput(name: "A", slug: "a-ws", organizationName: "株式会社A", sites: "本社"), now: now)
        let updated = try w.updated(with: WorkspaceInput(sites: "", fiscalYearStartMonth: "１"), now: now)
        #expect(updated.organizationName == "株式会社A")
        #expect(updated.sites == nil)
        #expect(updated.fiscalYearStartMonth == 1)
        #expect(throws: DomainError.invalid([FieldError(field: "slug", code: "error.slugFixed")])) {
            try w.updated(with: WorkspaceInput(slug: "other"), now: now)
        }
    }

    @Test func fiscalYearStartsInTheConfiguredMonth() throws {
        let w = try Workspace.create(WorkspaceInput(name: "A", slug: "a-ws"), now: now)
        #expect(w.fiscalYearStart(containing: CalendarDate("2027-03-31")!).description == "2026-04-01")
        #expect(w.fiscalYearStart(containing: CalendarDate("2027-04-01")!).description == "2027-04-01")
    }
}

@Suite struct AccessPolicyTable {
    @Test(arguments: [
        (Role.secretariat, Set(Permission.allCases).subtracting([.assessmentApprove, .soaApprove])),
        (.topManagement, [.workspaceRead, .membersRead, .assetsRead, .risksRead, .assessmentApprove, .soaRead, .soaApprove, .evidenceRead, .auditsRead, .reviewsRead,
                          .documentsRead, .trainingRead, .planRead]),
        (.committeeMember, [.workspaceRead, .membersRead, .assetsRead, .risksRead, .soaRead, .evidenceRead, .auditsRead, .reviewsRead, .documentsRead, .trainingRead, .planRead]),
        (.departmentOfficer, [.workspaceRead, .membersRead, .assetsRead, .assetsManage, .risksRead, .risksManage, .soaRead, .evidenceRead, .evidenceManage,
                              .auditsRead, .reviewsRead, .documentsRead, .trainingRead, .planRead]),
        (.internalAuditor, [.workspaceRead, .membersRead, .assetsRead, .risksRead, .soaRead, .evidenceRead, .auditsRead, .nonconformitiesVerify, .reviewsRead,
                            .documentsRead, .trainingRead, .planRead]),
        (.employee, [.workspaceRead, .assetsRead]),
        (.externalAuditor, [.workspaceRead, .membersRead, .auditTrailRead, .assetsRead, .risksRead, .soaRead, .evidenceRead, .auditsRead, .reviewsRead,
                            .documentsRead, .trainingRead, .planRead]),
    ] as [(Role, Set<Permission>)])
    func eachRoleHasExactlyItsPermissions(role: Role, expected: Set<Permission>) {
        #expect(AccessPolicy.permissions(of: role) == expected)
    }

    @Test func anExpiredExternalAuditorHasNothing() {
        let grant = RoleGrant(role: .externalAuditor, expiresOn: CalendarDate("2026-11-30"))
        #expect(AccessPolicy.permissions(grants: [grant], isAdministrator: false, on: CalendarDate("2026-11-30")!) == AccessPolicy.permissions(of: .externalAuditor))
        #expect(AccessPolicy.permissions(grants: [grant], isAdministrator: false, on: CalendarDate("2026-12-01")!).isEmpty)
    }

    @Test func anAdministratorActsAsSecretariatEverywhere() {
        #expect(AccessPolicy.permissions(grants: [], isAdministrator: true, on: CalendarDate("2026-12-01")!) == AccessPolicy.permissions(of: .secretariat))
        // Approving an assessment stays with top management, even for an administrator who is not one.
        #expect(!AccessPolicy.permissions(grants: [], isAdministrator: true, on: CalendarDate("2026-12-01")!).contains(.assessmentApprove))
    }
}

@Suite struct MemberRoleRules {
    let today = CalendarDate("2026-11-22")!
    let sales = Department.ID()

    @Test func anOfficerActsForTheHomeDepartmentUnlessAnotherIsGiven() throws {
        var v = Validator()
        let grants = MemberRules.grants([RoleGrantInput(role: .departmentOfficer)], homeDepartmentID: sales, knownDepartments: [sales], today: today, into: &v)
        #expect(v.isValid)
        #expect(grants == [RoleGrant(role: .departmentOfficer, departmentID: sales)])
    }

    @Test func rulesOfRolesAreEnforced() {
        var v = Validator()
        _ = MemberRules.grants([RoleGrantInput(role: .departmentOfficer), RoleGrantInput(role: .externalAuditor),
                                RoleGrantInput(role: .externalAuditor, expiresOn: CalendarDate("2026-11-21"))],
                               homeDepartmentID: nil, knownDepartments: [], today: today, into: &v)
        #expect(v.errors.map(\.code) == ["error.officerNeedsDepartment", "error.externalAuditorNeedsExpiry", "error.expiryInPast"])
        var empty = Validator()
        _ = MemberRules.grants([], homeDepartmentID: nil, knownDepartments: [], today: today, into: &empty)
        #expect(empty.errors.map(\.code) == ["error.rolesRequired"])
    }

    @Test func aDepartmentOfAnotherWorkspaceIsUnknown() {
        var v = Validator()
        _ = MemberRules.grants([RoleGrantInput(role: .departmentOfficer, departmentID: Department.ID())], homeDepartmentID: sales,
                               knownDepartments: [sales], today: today, into: &v)
        #expect(v.errors.map(\.code) == ["error.unknownDepartment"])
    }
}

@Suite struct Passwords {
    @Test(arguments: [("", "error.required"), ("short", "error.passwordTooShort"), ("taro@example.com", "error.passwordIsEmail"),
                      (String(repeating: "あ", count: 30), "error.passwordTooLong")])
    func weakPasswordsAreRefused(password: String, code: String) {
        var v = Validator()
        PasswordPolicy.validate(password, email: "taro@example.com", into: &v)
        #expect(v.errors.map(\.code) == [code])
    }

    @Test(arguments: ["taro@example.com", "  Taro@Example.COM "])
    func emailsAreLowerCased(raw: String) {
        var v = Validator()
        #expect(Email.validate(raw, into: &v) == "taro@example.com")
        #expect(v.isValid)
    }

    @Test(arguments: ["taro", "taro@", "@example.com", "taro@example", "ta ro@example.com", "a@b@example.com"])
    func malformedEmailsAreRefused(raw: String) {
        var v = Validator()
        _ = Email.validate(raw, into: &v)
        #expect(v.errors.map(\.code) == ["error.email"])
    }
}
