import Domain
import Features
import Foundation
import Storage
import Vapor

/// Internal audit (9.2): the process register, audit programmes, each audit with its checklist,
/// findings and follow-up, and the printable report.
struct InternalAuditPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "processes", access: .workspace(.workspaceRead), use: processes)
        routes.endpoint(.POST, "w", ":slug", "processes", access: .workspace(.auditsManage), use: createProcess)
        routes.endpoint(.POST, "w", ":slug", "processes", ":processID", access: .workspace(.auditsManage), use: updateProcess)
        routes.endpoint(.POST, "w", ":slug", "processes", ":processID", "delete", access: .workspace(.auditsManage), use: deleteProcess)
        routes.endpoint(.GET, "w", ":slug", "audit-programmes", access: .workspace(.auditsRead), use: programmes)
        routes.endpoint(.POST, "w", ":slug", "audit-programmes", access: .workspace(.auditsManage), use: createProgramme)
        routes.endpoint(.GET, "w", ":slug", "audit-programmes", ":programmeID", access: .workspace(.auditsRead), use: programme)
        routes.endpoint(.POST, "w", ":slug", "audit-programmes", ":programmeID", access: .workspace(.auditsManage), use: updateProgramme)
        routes.endpoint(.POST, "w", ":slug", "audit-programmes", ":programmeID", "delete", access: .workspace(.auditsManage), use: deleteProgramme)
        routes.endpoint(.POST, "w", ":slug", "audit-programmes", ":programmeID", "audits", access: .workspace(.auditsManage), use: createAudit)
        routes.endpoint(.GET, "w", ":slug", "audits", ":auditID", access: .workspace(.auditsRead), use: audit)
        routes.endpoint(.POST, "w", ":slug", "audits", ":auditID", access: .workspace(.auditsRead), use: updateAudit)
        routes.endpoint(.POST, "w", ":slug", "audits", ":auditID", "status", access: .workspace(.auditsRead), use: move)
        routes.endpoint(.POST, "w", ":slug", "audits", ":auditID", "delete", access: .workspace(.auditsManage), use: deleteAudit)
        routes.endpoint(.GET, "w", ":slug", "audits", ":auditID", "report", access: .workspace(.auditsRead), use: report)
        routes.endpoint(.POST, "w", ":slug", "audits", ":auditID", "findings", access: .workspace(.auditsRead), use: addFinding)
        routes.endpoint(.POST, "w", ":slug", "audits", ":auditID", "checklist", access: .workspace(.auditsRead), use: saveChecklist)
        routes.endpoint(.POST, "w", ":slug", "findings", ":findingID", "delete", access: .workspace(.auditsRead), use: deleteFinding)
    }

    func processID(_ req: Request) throws -> BusinessProcess.ID { try req.id("processID", BusinessProcess.ID.self, entity: "process") }
    func programmeID(_ req: Request) throws -> AuditProgramme.ID { try req.id("programmeID", AuditProgramme.ID.self, entity: "audit_programme") }
    func auditID(_ req: Request) throws -> InternalAudit.ID { try req.id("auditID", InternalAudit.ID.self, entity: "audit") }

    // MARK: Processes

    struct ProcessForm: Content { var name, owner, department, description: String?; var version: Int? }

    @Sendable func processes(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await processesPage(req, form: ProcessForm(), errors: []))
    }

    func processesPage(_ req: Request, form: ProcessForm, errors: [FieldError], editing: BusinessProcess.ID? = nil) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let page = try await InternalAudits(req.meguri).processes(access, page: try req.listPage())
        let departments = try await Departments(req.meguri).all(access)
        let owners = try await People(req.meguri).load(try req.access(), page.items.compactMap(\.ownerID))
        let manages = access.allows(.auditsManage)
        let departmentOptions = [(value: "", label: "—")] + departments.map { (value: $0.id.description, label: $0.name) }
        let rows: [HTML] = page.items.map { p in
            let edit: HTML = manages ? """
            <details><summary>\(c.t("form.edit"))</summary>
            \(Form.open(c.w("/processes/\(p.id)"), c))\(Form.version(p.version))
            \(Form.text("name", c.t("field.name"), value: p.name, errors: editing == p.id ? errors : [], c, required: true, id: "name-\(p.id)"))
            \(Form.text("owner", c.t("field.owner"), value: p.ownerID.flatMap { owners[$0]?.email }, errors: editing == p.id ? errors : [], c, type: "email", id: "owner-\(p.id)"))
            \(Form.select("department", c.t("field.department"), options: departmentOptions, selected: p.departmentID?.description, errors: [], c, id: "department-\(p.id)"))
            \(Form.submit(c.t("form.save")))\(Form.close())
            \(Form.open(c.w("/processes/\(p.id)/delete"), c))<button type="submit" class="link danger">\(c.t("form.delete"))</button>\(Form.close())
            </details>
            """ : .empty
            return """
            <tr id="process-\(p.id)"><td>\(p.name)\(p.description.map { HTML("<br><span class=\"small\">\($0)</span>") })</td>
            <td>\(p.ownerID.flatMap { owners[$0]?.displayName } ?? "—")</td><td>\(p.departmentID.flatMap { id in departments.first { $0.id == id }?.name } ?? "—")</td><td>\(edit)</td></tr>
            """
        }
        return Layout.page(c, title: c.t("process.title"), wide: true, """
        \(Components.pageHeader(c.t("process.title"), subtitle: c.t("process.intro"), actions: HTML("<a class=\"button\" href=\"\(c.w("/audit-programmes"))\">\(c.t("cap.internalAudit"))</a>")))
        \(HTML.when(editing != nil, Form.errorSummary(errors, c)))
        \(rows.isEmpty ? Components.empty(c.t("process.none")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.name"))</th><th>\(c.t("field.owner"))</th><th>\(c.t("field.department"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/processes"), query: [:]))
        \(HTML.when(manages, HTML("""
        <section class="card" id="new"><h2>\(c.t("process.new"))</h2>
        \(HTML.when(editing == nil, Form.errorSummary(errors, c)))
        \(Form.open(c.w("/processes"), c, id: "new-process"))
        <div class="row">
        \(Form.text("name", c.t("field.name"), value: form.name, errors: editing == nil ? errors : [], c, required: true))
        \(Form.text("owner", c.t("field.owner"), value: form.owner, errors: editing == nil ? errors : [], c, type: "email", hint: c.t("hint.memberEmail")))
        \(Form.select("department", c.t("field.department"), options: departmentOptions, selected: form.department, errors: editing == nil ? errors : [], c))
        </div>
        \(Form.textarea("description", c.t("field.description"), value: form.description, errors: editing == nil ? errors : [], c, rows: 2))
        \(Form.submit(c.t("process.create")))
        \(Form.close())</section>
        """)))
        """)
    }

    func processInput(_ form: ProcessForm, _ req: Request, _ access: WorkspaceAccess) async throws -> ProcessInput {
        var input = ProcessInput(name: form.name, description: form.description ?? "")
        input.ownerID = .some(try await CheckActViews.person(form.owner, field: "owner", req, access))
        if let raw = Text.nonBlank(form.department) {
            guard let id = Department.ID(raw) else { throw DomainError.invalid(field: "department", code: "error.unknownDepartment") }
            input.departmentID = .some(id)
        } else { input.departmentID = .some(nil) }
        return input
    }


    @Sendable func createProcess(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(ProcessForm.self)
        do {
            _ = try await InternalAudits(req.meguri).createProcess(access, try await processInput(form, req, access), context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/processes", flash: req.t("process.created"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: processesPage(req, form: form, errors: errors)).encodeResponse(for: req)
        }
    }

    @Sendable func updateProcess(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try processID(req)
        let form = try req.content.decode(ProcessForm.self)
        do {
            _ = try await InternalAudits(req.meguri).updateProcess(access, id, try await processInput(form, req, access), expectedVersion: form.version,
                                                                  context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/processes", flash: req.t("form.saved"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: processesPage(req, form: ProcessForm(), errors: errors, editing: id))
                .encodeResponse(for: req)
        }
    }

    @Sendable func deleteProcess(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try processID(req)
        do {
            try await InternalAudits(req.meguri).deleteProcess(access, id, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/processes", flash: req.t("process.deleted"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: processesPage(req, form: ProcessForm(), errors: errors, editing: id)).encodeResponse(for: req)
        }
    }

    // MARK: Programmes

    struct ProgrammeForm: Content { var title, startsOn, endsOn, notes: String?; var version: Int? }

    @Sendable func programmes(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await programmesPage(req, form: ProgrammeForm(), errors: []))
    }

    func programmesPage(_ req: Request, form: ProgrammeForm, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let audits = InternalAudits(req.meguri)
        let page = try await audits.programmes(access, page: try req.listPage())
        let all = try await audits.audits(access, programme: nil)
        let open = try await Nonconformities(req.meguri).openPerAudit(access)
        let rows: [HTML] = page.items.map { p in
            let mine = all.filter { $0.programmeID == p.id }
            let openCount = mine.reduce(0) { $0 + (open[$1.id] ?? 0) }
            return """
            <tr><td><a href="\(c.w("/audit-programmes/\(p.id)"))">\(p.title)</a></td><td class="nowrap">\(p.startsOn.description) – \(p.endsOn.description)</td>
            <td class="num">\(mine.count)</td><td class="num">\(mine.filter { $0.status == .closed }.count)</td>
            <td class="num">\(openCount > 0 ? CheckActViews.badge("pending", String(openCount)) : HTML("0"))</td></tr>
            """
        }
        return Layout.page(c, title: c.t("cap.internalAudit"), wide: true, """
        \(Components.pageHeader(c.t("cap.internalAudit"), subtitle: c.t("internalAudit.intro"), actions: HTML("""
        <a class="button" href="\(c.w("/processes"))">\(c.t("process.title"))</a><a class="button" href="\(c.w("/nonconformities?source=internalAudit&open=true"))">\(c.t("audit.followUp"))</a>
        """)))
        \(rows.isEmpty ? Components.empty(c.t("programme.none")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("programme.title"))</th><th>\(c.t("programme.period"))</th><th>\(c.t("programme.audits"))</th>
        <th>\(c.t("audit.status.closed"))</th><th>\(c.t("audit.openNonconformities"))</th></tr></thead><tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/audit-programmes"), query: [:]))
        \(HTML.when(access.allows(.auditsManage), HTML("""
        <section class="card" id="new"><h2>\(c.t("programme.new"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/audit-programmes"), c, id: "new-programme"))
        \(programmeFields(form, errors, c))
        \(Form.submit(c.t("programme.create")))
        \(Form.close())</section>
        """)))
        """)
    }

    func programmeFields(_ form: ProgrammeForm, _ errors: [FieldError], _ c: PageContext) -> HTML {
        """
        \(Form.text("title", c.t("programme.title"), value: form.title, errors: errors, c, required: true, hint: c.t("programme.titleHint")))
        <div class="row">
        \(Form.text("startsOn", c.t("field.startsOn"), value: form.startsOn, errors: errors, c, type: "date", required: true))
        \(Form.text("endsOn", c.t("field.endsOn"), value: form.endsOn, errors: errors, c, type: "date", required: true))
        </div>
        \(Form.textarea("notes", c.t("programme.notes"), value: form.notes, errors: errors, c, rows: 3, hint: c.t("programme.notesHint")))
        """
    }

    @Sendable func createProgramme(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(ProgrammeForm.self)
        do {
            let p = try await InternalAudits(req.meguri).createProgramme(access, ProgrammeInput(title: form.title, startsOn: form.startsOn, endsOn: form.endsOn,
                                                                                                 notes: form.notes ?? ""), context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/audit-programmes/\(p.id)", flash: req.t("programme.created"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: programmesPage(req, form: form, errors: errors)).encodeResponse(for: req)
        }
    }

    struct AuditForm: Content {
        var title, criteria, startsOn, endsOn, lead, team, auditees, independenceOverride, conclusion: String?
        var departments, processes: [String]?
        var allClauses: String?
        var version: Int?

        func input(_ req: Request, _ access: WorkspaceAccess, planning: Bool) async throws -> AuditInput {
            guard planning else { return AuditInput(conclusion: conclusion ?? "") }
            var criteriaText = criteria ?? ""
            if allClauses != nil {
                criteriaText = (req.meguri.catalog.clauses.filter(\.isRequirement).map(\.id) + [criteriaText]).joined(separator: ", ")
            }
            var v = Validator()
            let departmentIDs = (departments ?? []).filter { !$0.isEmpty }.compactMap { raw -> Department.ID? in
                if let id = Department.ID(raw) { return id }
                v.add("departments", "error.unknownDepartment")
                return nil
            }
            let processIDs = (processes ?? []).filter { !$0.isEmpty }.compactMap { raw -> BusinessProcess.ID? in
                if let id = BusinessProcess.ID(raw) { return id }
                v.add("processes", "error.unknownProcess")
                return nil
            }
            var leadID: User.ID? = nil
            var teamIDs: [User.ID] = []
            do { leadID = try await CheckActViews.person(lead, field: "lead", req, access) } catch DomainError.invalid(let e) { v.merge(e) }
            do { teamIDs = try await CheckActViews.people(team, field: "team", req, access) } catch DomainError.invalid(let e) { v.merge(e) }
            try v.check()
            return AuditInput(title: title, criteria: criteriaText, startsOn: startsOn, endsOn: endsOn, auditees: auditees ?? "",
                              independenceOverride: independenceOverride ?? "", departmentIDs: departmentIDs, processIDs: processIDs,
                              leadAuditorID: .some(leadID), teamIDs: teamIDs)
        }
    }

    @Sendable func programme(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await programmePage(req, form: nil, errors: [], auditForm: AuditForm(), auditErrors: []))
    }

    func programmePage(_ req: Request, form: ProgrammeForm?, errors: [FieldError], auditForm: AuditForm, auditErrors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let (p, audits) = try await InternalAudits(req.meguri).programme(access, try programmeID(req))
        let people = try await People(req.meguri).load(try req.access(), audits.compactMap(\.leadAuditorID))
        let openPerAudit = try await Nonconformities(req.meguri).openPerAudit(access)
        let manages = access.allows(.auditsManage)
        let rows: [HTML] = audits.map { a in
            let open = openPerAudit[a.id] ?? 0
            return """
            <tr><td><a href="\(c.w("/audits/\(a.id)"))">\(a.title)</a></td><td class="nowrap">\(a.startsOn.description) – \(a.endsOn.description)</td>
            <td>\(a.leadAuditorID.flatMap { people[$0]?.displayName } ?? "—")</td><td>\(CheckActViews.auditStatus(a.status, c))</td>
            <td class="num">\(open > 0 ? CheckActViews.badge("pending", String(open)) : HTML("0"))</td></tr>
            """
        }
        let newAuditFields = manages ? try await auditFields(req, access, auditForm, auditErrors, c, creating: true) : HTML.empty
        let shown = form ?? ProgrammeForm(title: p.title, startsOn: p.startsOn.description, endsOn: p.endsOn.description, notes: p.notes, version: p.version)
        return Layout.page(c, title: p.title, wide: true, """
        \(Components.pageHeader(p.title, subtitle: "\(p.startsOn.description) – \(p.endsOn.description)", actions: HTML("""
        <a class="button" href="\(c.w("/audit-programmes"))">\(c.t("programme.back"))</a>
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/audit_programme/\(p.id)"))\">\(c.t("audit.history"))</a>"))
        """)))
        \(p.notes.map { HTML("<section class=\"card\"><p class=\"prose\">\($0)</p></section>") })
        <section class="card"><h2>\(c.t("programme.audits"))</h2>
        \(rows.isEmpty ? Components.empty(c.t("internalAudit.none")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("audit.title"))</th><th>\(c.t("audit.dates"))</th><th>\(c.t("audit.lead"))</th><th>\(c.t("field.status"))</th>
        <th>\(c.t("audit.openNonconformities"))</th></tr></thead><tbody>\(rows)</tbody></table>
        """))</section>
        \(HTML.when(manages, HTML("""
        <section class="card" id="new-audit"><h2>\(c.t("audit.new"))</h2>
        \(Form.errorSummary(auditErrors, c))
        \(Form.open(c.w("/audit-programmes/\(p.id)/audits"), c, id: "new-audit-form"))
        \(newAuditFields)
        \(Form.submit(c.t("audit.create")))
        \(Form.close())</section>
        <details class="card"><summary>\(c.t("programme.edit"))</summary>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/audit-programmes/\(p.id)"), c))\(Form.version(p.version))
        \(programmeFields(shown, errors, c))
        \(Form.submit(c.t("form.save")))\(Form.close())
        \(Form.open(c.w("/audit-programmes/\(p.id)/delete"), c))<button type="submit" class="link danger">\(c.t("programme.delete"))</button>\(Form.close())
        </details>
        """)))
        """)
    }

    func auditFields(_ req: Request, _ access: WorkspaceAccess, _ form: AuditForm, _ errors: [FieldError], _ c: PageContext, creating: Bool) async throws -> HTML {
        let departments = try await Departments(req.meguri).all(access)
        let processes = try await InternalAudits(req.meguri).allProcesses(access)
        let chosenDepartments = Set(form.departments ?? [])
        let chosenProcesses = Set(form.processes ?? [])
        let departmentBoxes: [HTML] = departments.map { Form.checkbox("departments[]", $0.name, checked: chosenDepartments.contains($0.id.description), value: $0.id.description) }
        let processBoxes: [HTML] = processes.map { Form.checkbox("processes[]", $0.name, checked: chosenProcesses.contains($0.id.description), value: $0.id.description) }
        return """
        \(Form.text("title", c.t("audit.title"), value: form.title, errors: errors, c, required: true, hint: c.t("audit.titleHint")))
        <div class="row">
        \(Form.text("startsOn", c.t("field.startsOn"), value: form.startsOn, errors: errors, c, type: "date", required: true))
        \(Form.text("endsOn", c.t("field.endsOn"), value: form.endsOn, errors: errors, c, type: "date", required: true))
        </div>
        <fieldset class="field" id="f-departments"><legend>\(c.t("audit.scopeDepartments"))</legend>\(departmentBoxes.isEmpty ? HTML("<p class=\"hint\">\(c.t("audit.noDepartments"))</p>") : departmentBoxes.joined())
        \(Form.fieldErrors("departments", errors, c).1)</fieldset>
        <fieldset class="field" id="f-processes"><legend>\(c.t("audit.scopeProcesses"))</legend>\(processBoxes.isEmpty ? HTML("<p class=\"hint\">\(c.t("audit.noProcesses"))</p>") : processBoxes.joined())
        \(Form.fieldErrors("processes", errors, c).1)</fieldset>
        \(Form.textarea("criteria", c.t("audit.criteria"), value: form.criteria, errors: errors, c, rows: 2, hint: c.t("audit.criteriaHint")))
        \(Form.checkbox("allClauses", c.t("audit.allClauses"), checked: form.allClauses != nil))
        <div class="row">
        \(Form.text("lead", c.t("audit.lead"), value: form.lead, errors: errors, c, type: "email", required: true, hint: c.t("hint.memberEmail")))
        \(Form.text("team", c.t("audit.team"), value: form.team, errors: errors, c, hint: c.t("audit.teamHint")))
        </div>
        \(Form.textarea("auditees", c.t("audit.auditees"), value: form.auditees, errors: errors, c, rows: 2))
        \(Form.textarea("independenceOverride", c.t("audit.independenceOverride"), value: form.independenceOverride, errors: errors, c, rows: 2,
                        hint: c.t("audit.independenceHint")))
        """
    }

    @Sendable func updateProgramme(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try programmeID(req)
        let form = try req.content.decode(ProgrammeForm.self)
        do {
            _ = try await InternalAudits(req.meguri).updateProgramme(access, id, ProgrammeInput(title: form.title, startsOn: form.startsOn, endsOn: form.endsOn,
                                                                                                 notes: form.notes ?? ""), expectedVersion: form.version,
                                                                    context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/audit-programmes/\(id)", flash: req.t("form.saved"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: programmePage(req, form: form, errors: errors, auditForm: AuditForm(), auditErrors: []))
                .encodeResponse(for: req)
        }
    }

    @Sendable func deleteProgramme(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try programmeID(req)
        do {
            try await InternalAudits(req.meguri).deleteProgramme(access, id, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/audit-programmes", flash: req.t("programme.deleted"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: programmePage(req, form: nil, errors: errors, auditForm: AuditForm(), auditErrors: []))
                .encodeResponse(for: req)
        }
    }

    @Sendable func createAudit(_ req: Request) async throws -> Response {
        let access = try req.access()
        let programme = try programmeID(req)
        let form = try req.content.decode(AuditForm.self)
        do {
            let audit = try await InternalAudits(req.meguri).createAudit(access, programme: programme, try await form.input(req, access, planning: true),
                                                                         language: req.language, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/audits/\(audit.id)", flash: req.t("audit.created"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: programmePage(req, form: nil, errors: [], auditForm: form, auditErrors: errors))
                .encodeResponse(for: req)
        }
    }

    // MARK: An audit

    @Sendable func audit(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await auditPage(req, errors: [], form: nil))
    }

    func auditPage(_ req: Request, errors: [FieldError], form: AuditForm?, findingForm: FindingForm? = nil, conclusion: String? = nil,
                   checklist: [String: ItemForm]? = nil) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let d = try await InternalAudits(req.meguri).dossier(access, try auditID(req))
        let a = d.audit
        let catalog = req.meguri.catalog
        let manages = access.allows(.auditsManage)
        let auditor = manages || a.auditors.contains(access.user.id)
        let base = c.w("/audits/\(a.id)")
        let running = a.status == .inProgress
        func row(_ key: String, _ value: HTML?) -> HTML { "<dt>\(c.t(key))</dt><dd>\(value ?? "—")</dd>" }
        let departments = a.departmentIDs.compactMap { d.departments[$0]?.name }.joined(separator: "、")
        let processes = a.processIDs.compactMap { d.processes[$0]?.name }.joined(separator: "、")
        let results = ChecklistItem.Result.allCases.map { (value: $0.rawValue, label: c.t("checklist.result.\($0.rawValue)")) }
        let editable = auditor && (a.status == .planned || running)
        let items: [HTML] = d.items.map { i in
            let guidance = Requirement.guidance(i.reference, catalog: catalog)
            // What was typed comes back after a refusal, with the errors on this item's fields.
            let typed = checklist?[i.id.description]
            let mine = errors.filter { $0.field.hasSuffix("-\(i.id)") }
            func name(_ field: String) -> String { "items[\(i.id)][\(field)]" }
            func ids(_ field: String) -> String { "\(field)-\(i.id)" }
            return """
            <li class="checklist-item card" id="item-\(i.id)">
            <h3>\(CheckActViews.requirement(i.reference, c, catalog)) <span class="badge\(i.result == .conforming ? " ok" : i.result == .notAudited ? "" : " pending")">\(c.t("checklist.result.\(i.result.rawValue)"))</span></h3>
            \(guidance.map { g in HTML("<details><summary>\(c.t("guidance.title"))</summary>\(ControlPages.guidance(g, c))</details>") })
            \(editable ? HTML("""
            \(Form.textarea(name("question"), c.t("checklist.question"), value: typed?.question ?? i.question, errors: mine, c, rows: 2, errorField: ids("question")))
            \(HTML.when(running, Form.select(name("result"), c.t("checklist.result"), options: results, selected: typed?.result ?? i.result.rawValue, errors: [], c,
                                              id: "f-" + ids("result"))))
            \(Form.textarea(name("notes"), c.t("checklist.notes"), value: typed?.notes ?? i.notes, errors: mine, c, rows: 2, errorField: ids("notes")))
            \(Form.text(name("evidence"), c.t("checklist.evidence"), value: typed?.evidence ?? i.evidence, errors: mine, c, errorField: ids("evidence")))
            """) : HTML("""
            <p class="prose">\(i.question)</p>\(i.notes.map { HTML("<p class=\"prose small\">\($0)</p>") })\(i.evidence.map { HTML("<p class=\"small\">\(c.t("checklist.evidence")): \($0)</p>") })
            """))
            </li>
            """
        }
        let findings: [HTML] = d.findings.map { f in
            let nc = f.nonconformityID.flatMap { d.nonconformities[$0] }
            return """
            <tr><td>\(c.t("finding.kind.\(f.kind.rawValue)"))</td><td>\(CheckActViews.requirement(f.reference, c, catalog))</td><td class="prose">\(f.description)</td>
            <td>\(nc.map { n in HTML("<a href=\"\(c.w("/nonconformities/\(n.id)"))\">\(n.code)</a> \(CheckActViews.ncStatus(n.status, c))") } ?? HTML("—"))</td>
            <td>\(HTML.when(auditor && running, HTML("\(Form.open(c.w("/findings/\(f.id)/delete"), c))<button type=\"submit\" class=\"link danger\">\(c.t("form.delete"))</button>\(Form.close())")))</td></tr>
            """
        }
        let kinds = [(value: "", label: c.t("finding.choose"))] + AuditFinding.Kind.allCases.map { (value: $0.rawValue, label: c.t("finding.kind.\($0.rawValue)")) }
        let itemOptions = [(value: "", label: "—")] + d.items.map { (value: $0.id.description, label: $0.reference) }
        let shown: AuditForm
        if let form { shown = form } else {
            shown = AuditForm(title: a.title, criteria: a.criteria.joined(separator: ", "), startsOn: a.startsOn.description, endsOn: a.endsOn.description,
                              lead: try await CheckActViews.emails([a.leadAuditorID].compactMap { $0 }, req), team: try await CheckActViews.emails(a.teamIDs, req),
                              auditees: a.auditees, independenceOverride: a.independenceOverride, conclusion: a.conclusion,
                              departments: a.departmentIDs.map(\.description), processes: a.processIDs.map(\.description), version: a.version)
        }
        let next: [(InternalAudit.Status, String)] = [(.inProgress, a.status == .reported ? "audit.reopen" : "audit.start"), (.reported, "audit.markReported"), (.closed, "audit.close")]
            .filter { AuditRules.mayMove(from: a.status, to: $0.0) }
        let stepButtons: [HTML] = next.filter { $0.0 != .closed || manages }.map { step in
            "\(Form.open("\(base)/status", c))\(Form.hidden("status", step.0.rawValue))<button type=\"submit\"\(step.0 == .closed || step.0 == .reported ? HTML(" class=\"primary\"") : .empty)>\(c.t(step.1))</button>\(Form.close())"
        }
        let f = findingForm ?? FindingForm()
        let editFields = manages && a.status != .closed ? try await auditFields(req, access, shown, errors, c, creating: false) : HTML.empty
        // The planner is told when an auditor lacks the competence the role needs (7.2).
        var warnings: [String] = []
        if manages && a.status != .closed {
            let people = try await People(req.meguri).load(access, a.auditors)
            for auditor in a.auditors {
                let missing = try await Competences(req.meguri).missing(access, user: auditor, role: .internalAuditor)
                if !missing.isEmpty { warnings.append(c.t("training.auditorLacks", ["name": people[auditor]?.displayName ?? "—", "missing": missing.joined(separator: "、")])) }
            }
        }
        let competenceWarnings: HTML = warnings.isEmpty ? .empty : HTML("<section class=\"card warnings\"><ul>\(warnings.map { HTML("<li>\($0)</li>") })</ul><p><a href=\"\(c.w("/training/competences"))\">\(c.t("training.competences"))</a></p></section>")
        return Layout.page(c, title: a.title, wide: true, """
        \(Components.pageHeader(a.title, subtitle: "\(d.programme.title) · \(a.startsOn.description) – \(a.endsOn.description)", actions: HTML("""
        <a class="button" href="\(c.w("/audit-programmes/\(d.programme.id)"))">\(c.t("programme.back"))</a>
        <a class="button" href="\(base)/report">\(c.t("audit.report"))</a>
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/audit/\(a.id)"))\">\(c.t("audit.history"))</a>"))
        """)))
        \(Form.errorSummary(errors, c))
        \(competenceWarnings)
        <section class="card"><dl class="facts">
        \(row("field.status", CheckActViews.auditStatus(a.status, c)))
        \(row("audit.scopeDepartments", departments.isEmpty ? nil : HTML("\(departments)")))
        \(row("audit.scopeProcesses", processes.isEmpty ? nil : HTML("\(processes)")))
        \(row("audit.criteria", HTML("\(a.criteria.joined(separator: ", "))")))
        \(row("audit.lead", d.name(a.leadAuditorID).map { HTML("\($0)") }))
        \(row("audit.team", a.teamIDs.isEmpty ? nil : HTML("\(a.teamIDs.compactMap { d.name($0) }.joined(separator: "、"))")))
        \(row("audit.auditees", a.auditees.map { HTML("<span class=\"prose\">\($0)</span>") }))
        \(row("audit.independenceOverride", a.independenceOverride.map { HTML("<span class=\"prose\">\($0)</span>") }))
        \(row("audit.findings", HTML("\(d.findings.count) · \(c.t("audit.openNonconformities")): \(d.openNonconformities)")))
        </dl>
        \(HTML.when(auditor && !stepButtons.isEmpty, HTML("<div class=\"actions\">\(stepButtons.joined())</div>")))
        \(HTML.when(a.status == .reported && d.openNonconformities > 0, HTML("<p class=\"hint\">\(c.t("audit.closeWhenDone", ["count": String(d.openNonconformities)]))</p>")))
        </section>
        <section class="card" id="conclusion"><h2>\(c.t("audit.conclusion"))</h2>
        \(auditor && (running || a.status == .planned) ? HTML("""
        \(Form.open(base, c))\(Form.version(a.version))
        \(Form.textarea("conclusion", c.t("audit.conclusion"), value: conclusion ?? shown.conclusion, errors: errors, c, rows: 4, hint: c.t("audit.conclusionHint")))
        \(Form.submit(c.t("form.save")))\(Form.close())
        """) : HTML("<p class=\"prose\">\(a.conclusion ?? "—")</p>"))
        </section>
        <section class="card" id="findings"><h2>\(c.t("audit.findings"))</h2>
        \(findings.isEmpty ? Components.empty(c.t("finding.none")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("finding.kind"))</th><th>\(c.t("nc.reference"))</th><th>\(c.t("finding.description"))</th><th>\(c.t("cap.nonconformities"))</th><th></th></tr></thead>
        <tbody>\(findings)</tbody></table>
        """))
        \(HTML.when(auditor && running, HTML("""
        <h3>\(c.t("finding.new"))</h3>
        \(Form.open("\(base)/findings", c, id: "new-finding"))
        <div class="row">
        \(Form.select("kind", c.t("finding.kind"), options: kinds, selected: f.kind ?? "", errors: errors, c, required: true))
        \(Form.select("item", c.t("finding.item"), options: itemOptions, selected: f.item, errors: errors, c))
        \(Form.text("reference", c.t("nc.reference"), value: f.reference, errors: errors, c, hint: c.t("nc.referenceHint")))
        </div>
        \(Form.textarea("description", c.t("finding.description"), value: f.description, errors: errors, c, rows: 3, hint: c.t("finding.descriptionHint")))
        \(Form.submit(c.t("finding.create")))\(Form.close())
        """)))
        </section>
        <section id="checklist"><h2>\(c.t("audit.checklist"))</h2>
        \(editable ? HTML("""
        \(Form.open("\(base)/checklist", c, id: "checklist-form"))
        <p class="hint">\(c.t("checklist.saveHint"))</p>
        <ol class="checklist">\(items)</ol>
        \(Form.submit(c.t("checklist.save")))\(Form.close())
        """) : HTML("<ol class=\"checklist\">\(items)</ol>"))</section>
        \(HTML.when(manages && a.status != .closed, HTML("""
        <details class="card"\(form != nil && !errors.isEmpty ? " open" : "")><summary>\(c.t("audit.edit"))</summary>
        \(Form.open(base, c))\(Form.version(a.version))\(Form.hidden("planning", "true"))
        \(editFields)
        \(Form.submit(c.t("form.save")))\(Form.close())
        \(HTML.when(a.status == .planned, HTML("\(Form.open("\(base)/delete", c))<button type=\"submit\" class=\"link danger\">\(c.t("audit.delete"))</button>\(Form.close())")))
        </details>
        """)))
        """)
    }

    struct AuditUpdateForm: Content { var planning: String? }

    @Sendable func updateAudit(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try auditID(req)
        let form = try req.content.decode(AuditForm.self)
        let planning = (try? req.content.decode(AuditUpdateForm.self))?.planning != nil
        do {
            _ = try await InternalAudits(req.meguri).updateAudit(access, id, try await form.input(req, access, planning: planning), expectedVersion: form.version,
                                                                language: req.language, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/audits/\(id)", flash: req.t("form.saved"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: auditPage(req, errors: errors, form: planning ? form : nil,
                                                                                       conclusion: planning ? nil : form.conclusion))
                .encodeResponse(for: req)
        }
    }

    struct StatusForm: Content { var status: String? }

    @Sendable func move(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try auditID(req)
        let raw = try req.content.decode(StatusForm.self).status ?? ""
        do {
            guard let status = InternalAudit.Status(rawValue: raw) else { throw DomainError.invalid(field: "status", code: "error.choice") }
            let audit = try await InternalAudits(req.meguri).move(access, id, to: status, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/audits/\(id)", flash: req.t("audit.moved", ["status": req.t("audit.status.\(audit.status.rawValue)")]))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: auditPage(req, errors: errors, form: nil)).encodeResponse(for: req)
        }
    }

    @Sendable func deleteAudit(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try auditID(req)
        do {
            let programme = try await InternalAudits(req.meguri).dossier(access, id).programme
            try await InternalAudits(req.meguri).deleteAudit(access, id, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/audit-programmes/\(programme.id)", flash: req.t("audit.deleted"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: auditPage(req, errors: errors, form: nil)).encodeResponse(for: req)
        }
    }

    struct ItemForm: Content { var question, result, notes, evidence: String? }
    struct ChecklistForm: Content { var items: [String: ItemForm]? }

    @Sendable func saveChecklist(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try auditID(req)
        let submitted = try req.content.decode(ChecklistForm.self).items ?? [:]
        do {
            var inputs: [ChecklistItem.ID: ChecklistInput] = [:]
            for (key, form) in submitted {
                guard let item = ChecklistItem.ID(key) else { throw DomainError.invalid(field: "items", code: "error.unknownChecklistItem") }
                inputs[item] = ChecklistInput(question: form.question, result: form.result, notes: form.notes ?? "", evidence: form.evidence ?? "")
            }
            let saved = try await InternalAudits(req.meguri).updateItems(access, audit: id, inputs, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/audits/\(id)#checklist", flash: req.t("checklist.saved", ["count": String(saved.count)]))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: auditPage(req, errors: errors, form: nil, checklist: submitted)).encodeResponse(for: req)
        }
    }

    struct FindingForm: Content { var kind, item, reference, description: String? }

    @Sendable func addFinding(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try auditID(req)
        let form = try req.content.decode(FindingForm.self)
        do {
            var input = FindingInput(kind: form.kind, reference: form.reference, description: form.description)
            if let raw = Text.nonBlank(form.item) {
                guard let item = ChecklistItem.ID(raw) else { throw DomainError.invalid(field: "item", code: "error.unknownChecklistItem") }
                input.checklistItemID = item
            }
            let finding = try await InternalAudits(req.meguri).addFinding(access, audit: id, input, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/audits/\(id)#findings",
                                flash: req.t(finding.nonconformityID == nil ? "finding.created" : "finding.createdWithNonconformity"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: auditPage(req, errors: errors.map { var e = $0; if e.field == "checklistItemId" { e.field = "item" }; return e },
                                                                                       form: nil, findingForm: form)).encodeResponse(for: req)
        }
    }

    @Sendable func deleteFinding(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try req.id("findingID", AuditFinding.ID.self, entity: "finding")
        let finding = try await InternalAudits(req.meguri).finding(access, id)
        do {
            try await InternalAudits(req.meguri).deleteFinding(access, id, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/audits/\(finding.auditID)#findings", flash: req.t("finding.deleted"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            req.parameters.set("auditID", to: finding.auditID.description)
            return try await PageResponse(status: .unprocessableEntity, html: auditPage(req, errors: errors, form: nil)).encodeResponse(for: req)
        }
    }

    @Sendable func report(_ req: Request) async throws -> Response {
        let access = try req.access()
        return CheckActViews.report(try await CheckActReports(req.meguri).auditReport(access, try auditID(req), language: req.language))
    }
}
