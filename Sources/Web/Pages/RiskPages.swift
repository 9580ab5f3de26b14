import Domain
import Features
import Foundation
import Storage
import Vapor

/// One risk: its page (what it is, ratings, treatment, acceptance by its owner, its actions), the
/// form, reviewing a carried-forward risk and deleting it.
struct RiskPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "risks", ":riskID", access: .workspace(.risksRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "risks", ":riskID", access: .workspace(.risksManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "risks", ":riskID", "accept", access: .workspace(.risksRead), use: accept)
        routes.endpoint(.POST, "w", ":slug", "risks", ":riskID", "review", access: .workspace(.risksManage), use: review)
        routes.endpoint(.POST, "w", ":slug", "risks", ":riskID", "delete", access: .workspace(.risksManage), use: delete)
    }

    func riskID(_ req: Request) throws -> Risk.ID { try req.id("riskID", Risk.ID.self, entity: "risk") }

    /// A score with its band's name and colour.
    static func levelBadge(_ c: PageContext, _ method: RiskMethod, _ level: String?, _ score: Int?) -> HTML {
        guard let score else { return "<span class=\"muted\">—</span>" }
        guard let band = method.bands.first(where: { $0.key == level }) ?? method.band(for: score) else { return "\(score)" }
        return "<span class=\"level\">\(Components.swatch(band.colour)) <span class=\"num\">\(score)</span> \(band.label(c.language))</span>"
    }

    /// The form's fields, as typed. Ratings are the scales' numbers; people are e-mail addresses;
    /// controls are typed as `5.15, 8.5`.
    struct RiskForm: Content {
        var code, assetCode, threatId, vulnerabilityId, scenario: String?
        var affectsConfidentiality, affectsIntegrity, affectsAvailability: String?
        var inherentThreat, inherentVulnerability, inherentLikelihood, inherentImpact: String?
        var residualThreat, residualVulnerability, residualLikelihood, residualImpact: String?
        var owner, treatment, treatmentReason, controls: String?
        var version: Int?

        static let blank = RiskForm(affectsConfidentiality: "true", affectsIntegrity: "true", affectsAvailability: "true")

        init(code: String? = nil, assetCode: String? = nil, threatId: String? = nil, vulnerabilityId: String? = nil, scenario: String? = nil,
             affectsConfidentiality: String? = nil, affectsIntegrity: String? = nil, affectsAvailability: String? = nil, owner: String? = nil,
             treatment: String? = nil, treatmentReason: String? = nil, controls: String? = nil, version: Int? = nil) {
            self.code = code; self.assetCode = assetCode; self.threatId = threatId; self.vulnerabilityId = vulnerabilityId; self.scenario = scenario
            self.affectsConfidentiality = affectsConfidentiality; self.affectsIntegrity = affectsIntegrity; self.affectsAvailability = affectsAvailability
            self.owner = owner; self.treatment = treatment; self.treatmentReason = treatmentReason; self.controls = controls; self.version = version
        }

        init(_ r: Risk, asset: Asset?, owner: User?) {
            func flag(_ b: Bool) -> String? { b ? "true" : nil }
            func text(_ i: Int?) -> String? { i.map(String.init) }
            self.init(code: r.code, assetCode: asset?.code, threatId: r.threatID?.description, vulnerabilityId: r.vulnerabilityID?.description,
                      scenario: r.scenario, affectsConfidentiality: flag(r.affectsConfidentiality), affectsIntegrity: flag(r.affectsIntegrity),
                      affectsAvailability: flag(r.affectsAvailability), owner: owner?.email, treatment: r.treatment?.rawValue,
                      treatmentReason: r.treatmentReason, controls: r.controls.joined(separator: ", "), version: r.version)
            inherentThreat = text(r.inherent.threat); inherentVulnerability = text(r.inherent.vulnerability)
            inherentLikelihood = text(r.inherent.likelihood); inherentImpact = text(r.inherent.impact)
            residualThreat = text(r.residual.threat); residualVulnerability = text(r.residual.vulnerability)
            residualLikelihood = text(r.residual.likelihood); residualImpact = text(r.residual.impact)
        }

        /// The input, with the asset found by its code and people by e-mail, and the fields that
        /// could not be read (the use case reports them with its own findings).
        func input(_ req: Request, _ access: WorkspaceAccess) async throws -> (RiskInput, unreadable: [FieldError]) {
            var v = Validator()
            func rating(_ field: String, _ raw: String?) -> Int? {
                guard let text = Text.nonBlank(raw) else { return nil }
                guard let value = Int(Text.halfWidth(text)) else { v.add(field, "error.format"); return nil }
                return value
            }
            func entry(_ field: String, _ raw: String?) -> CatalogEntry.ID?? {
                guard let text = Text.nonBlank(raw) else { return .some(nil) }
                guard let id = CatalogEntry.ID(text) else { v.add(field, "error.unknownEntry"); return nil }
                return .some(id)
            }
            var input = RiskInput(code: code, threatID: entry("threatId", threatId), vulnerabilityID: entry("vulnerabilityId", vulnerabilityId),
                                  scenario: scenario ?? "", affectsConfidentiality: affectsConfidentiality != nil,
                                  affectsIntegrity: affectsIntegrity != nil, affectsAvailability: affectsAvailability != nil,
                                  treatment: treatment ?? "", treatmentReason: treatmentReason ?? "",
                                  controls: (controls ?? "").split(whereSeparator: { $0 == "," || $0 == "、" || $0 == " " || $0 == "\n" }).map(String.init))
            input.inherent = RatingInput(threat: rating("inherentThreat", inherentThreat), vulnerability: rating("inherentVulnerability", inherentVulnerability),
                                         likelihood: rating("inherentLikelihood", inherentLikelihood), impact: rating("inherentImpact", inherentImpact))
            input.residual = RatingInput(threat: rating("residualThreat", residualThreat), vulnerability: rating("residualVulnerability", residualVulnerability),
                                         likelihood: rating("residualLikelihood", residualLikelihood), impact: rating("residualImpact", residualImpact))
            if let code = Text.nonBlank(assetCode) {
                if let asset = try await Assets(req.meguri).find(access, code: code) { input.assetID = .some(asset.id) } else {
                    v.add("assetCode", "error.unknownAssetCode", ["value": code])
                }
            } else {
                input.assetID = .some(nil)
            }
            if let email = Text.nonBlank(owner) {
                if let user = try await AssetPages.people(req, access)[email.lowercased()] { input.ownerID = .some(user) } else {
                    v.add("owner", "error.unknownMemberEmail", ["value": email])
                }
            } else {
                input.ownerID = .some(nil)
            }
            return (input, v.errors)
        }
    }

    /// Errors from the use case name the input's fields; the form's differ in places.
    static func formErrors(_ errors: [FieldError]) -> [FieldError] {
        let names = ["assetId": "assetCode", "ownerId": "owner", "inherent.threat": "inherentThreat", "inherent.vulnerability": "inherentVulnerability",
                     "inherent.likelihood": "inherentLikelihood", "inherent.impact": "inherentImpact", "inherent.assetValue": "assetCode",
                     "residual.threat": "residualThreat", "residual.vulnerability": "residualVulnerability",
                     "residual.likelihood": "residualLikelihood", "residual.impact": "residualImpact", "residual.assetValue": "assetCode"]
        return errors.map { var e = $0; e.field = names[e.field] ?? e.field; return e }
    }

    func formPage(_ req: Request, assessment: RiskAssessment, title: String, action: String, cancel: String, form: RiskForm, errors: [FieldError],
                  conflict: Bool = false) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let method = try await RiskAssessments(req.meguri).method(access, of: assessment)
        let methods = RiskMethods(req.meguri)
        let threats = try await methods.catalog(access, .threat)
        let vulnerabilities = try await methods.catalog(access, .vulnerability)
        func entryOptions(_ entries: [CatalogEntry]) -> [(value: String, label: String)] {
            [(value: "", label: c.t("form.none"))] + entries.map { (value: $0.id.description, label: "\($0.code) \($0.name(c.language))") }
        }
        func scaleOptions(_ scale: RatingScale?) -> [(value: String, label: String)] {
            [(value: "", label: c.t("risk.unrated"))] + (scale?.levels ?? []).map { (value: String($0.value), label: "\($0.value) \($0.label(c.language))") }
        }
        /// One choice per factor the method rates (the asset value comes from the asset).
        func ratings(_ prefix: String, _ values: (String?, String?, String?, String?)) -> HTML {
            let selects: [HTML] = method.usedFactors.compactMap { factor in
                let selected: String?
                switch factor {
                case .assetValue: return nil
                case .threat: selected = values.0
                case .vulnerability: selected = values.1
                case .likelihood: selected = values.2
                case .impact: selected = values.3
                }
                let name = prefix + factor.rawValue.prefix(1).uppercased() + factor.rawValue.dropFirst()
                return Form.select(name, c.t("field.\(factor.rawValue)"), options: scaleOptions(method.scale(factor)), selected: selected, errors: errors, c)
            }
            return "<div class=\"row\">\(selects)</div>"
        }
        let treatmentOptions = [(value: "", label: c.t("risk.undecided"))] + RiskTreatment.allCases.map { (value: $0.rawValue, label: c.t("treatment.\($0.rawValue)")) }
        let affectsError = Form.fieldErrors("affects", errors, c)
        return Layout.page(c, title: title, """
        \(Components.pageHeader(title, subtitle: assessment.name))
        \(HTML.when(conflict, HTML("<div class=\"flash warning\" role=\"alert\">\(c.t("form.conflict"))</div>")))
        \(Form.errorSummary(errors, c))
        \(Form.open(action, c))
        \(form.version.map(Form.version) ?? .empty)
        <fieldset><legend>\(c.t("risk.identify"))</legend>
        <div class="row">
        \(Form.text("code", c.t("field.riskCode"), value: form.code, errors: errors, c, hint: c.t("risk.codeHint"), attributes: " size=\"10\""))
        \(Form.text("assetCode", c.t("risk.assetCodeLabel"), value: form.assetCode, errors: errors, c, hint: c.t("risk.assetHint"), attributes: " size=\"12\""))
        </div>
        <div class="row">
        \(Form.select("threatId", c.t("field.threat"), options: entryOptions(threats), selected: form.threatId, errors: errors, c))
        \(Form.select("vulnerabilityId", c.t("field.vulnerability"), options: entryOptions(vulnerabilities), selected: form.vulnerabilityId, errors: errors, c))
        </div>
        \(Form.textarea("scenario", c.t("field.scenario"), value: form.scenario, errors: errors, c, rows: 2, hint: c.t("risk.scenarioHint")))
        <fieldset id="f-affects" class="inline\(errors.contains { $0.field == "affects" } ? " has-error" : "")"\(affectsError.0)><legend>\(c.t("risk.affects"))</legend>
        \(affectsError.1)
        \(Form.checkbox("affectsConfidentiality", c.t("field.confidentiality"), checked: form.affectsConfidentiality != nil))
        \(Form.checkbox("affectsIntegrity", c.t("field.integrity"), checked: form.affectsIntegrity != nil))
        \(Form.checkbox("affectsAvailability", c.t("field.availability"), checked: form.affectsAvailability != nil))
        </fieldset>
        </fieldset>
        <fieldset><legend>\(c.t("risk.inherent"))</legend>
        <p class="hint">\(c.t(method.usesAssetValue ? "risk.inherentHintATV" : "risk.inherentHintLI"))</p>
        \(ratings("inherent", (form.inherentThreat, form.inherentVulnerability, form.inherentLikelihood, form.inherentImpact)))
        </fieldset>
        <fieldset><legend>\(c.t("risk.treatmentSection"))</legend>
        <div class="row">
        \(Form.select("treatment", c.t("field.treatment"), options: treatmentOptions, selected: form.treatment, errors: errors, c))
        \(Form.text("owner", c.t("field.riskOwner"), value: form.owner, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        </div>
        \(Form.textarea("treatmentReason", c.t("field.treatmentReason"), value: form.treatmentReason, errors: errors, c, rows: 2))
        \(Form.text("controls", c.t("field.controls"), value: form.controls, errors: errors, c, hint: c.t("risk.controlsHint")))
        </fieldset>
        <fieldset><legend>\(c.t("risk.residual"))</legend>
        <p class="hint">\(c.t("risk.residualHint"))</p>
        \(ratings("residual", (form.residualThreat, form.residualVulnerability, form.residualLikelihood, form.residualImpact)))
        </fieldset>
        \(Form.submit(c.t("form.save"), secondary: (c.t("form.cancel"), cancel)))
        \(Form.close())
        """)
    }

    @Sendable func newForm(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let c = PageContext(request: req)
        let assessment = try await RiskAssessments(req.meguri).load(access, try AssessmentPages().assessmentID(req))
        let base = c.w("/risk-assessments/\(assessment.id)")
        var form = RiskForm.blank
        form.assetCode = req.queryValue("asset")
        return try await formPage(req, assessment: assessment, title: c.t("risk.new"), action: "\(base)/risks/new", cancel: base, form: form, errors: [])
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(RiskForm.self)
        let c = PageContext(request: req)
        let assessment = try await RiskAssessments(req.meguri).load(access, try AssessmentPages().assessmentID(req))
        let base = c.w("/risk-assessments/\(assessment.id)")
        do {
            let (input, unreadable) = try await form.input(req, access)
            let risk = try await Risks(req.meguri).create(access, assessment: assessment.id, input, unreadable: unreadable, context: try req.context())
            return req.redirect(to: c.w("/risks/\(risk.id)"), flash: req.t("risk.created", ["code": risk.code]))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: formPage(req, assessment: assessment, title: c.t("risk.new"), action: "\(base)/risks/new",
                                                                                    cancel: base, form: form, errors: Self.formErrors(errors))).encodeResponse(for: req)
        }
    }

    @Sendable func show(_ req: Request) async throws -> HTML {
        try await page(req, acceptErrors: [])
    }

    /// The risk's page; `acceptErrors` are the owner's acceptance form's problems.
    func page(_ req: Request, acceptErrors: [FieldError], typedReason: String? = nil) async throws -> HTML {
        let access = try req.access()
        let risk = try await Risks(req.meguri).load(access, try riskID(req))
        let assessments = RiskAssessments(req.meguri)
        let assessment = try await assessments.load(access, risk.assessmentID)
        let method = try await assessments.method(access, of: assessment)
        let c = try await PageContext.make(req)
        let lookups = try await Risks(req.meguri).lookups(access, [risk])
        let (asset, users, entries) = (lookups.asset(risk.assetID), lookups.people, lookups.entries)
        let base = c.w("/risks/\(risk.id)")
        let manage = access.allows(.risksManage) && assessment.isEditable && (access.actsForAllDepartments || access.maySteward(asset?.departmentID) && asset != nil)
        if manage, req.queryValue("edit") != nil {
            return try await formPage(req, assessment: assessment, title: "\(risk.code) — \(c.t("form.edit"))", action: base, cancel: base,
                                      form: RiskForm(risk, asset: asset, owner: risk.ownerID.flatMap { users[$0] }), errors: [])
        }
        let actions = try await TreatmentActions(req.meguri).list(access, query: ActionQuery(riskID: risk.id), page: PageRequest(limit: 100)).items
        let actionOwners = try await People(req.meguri).load(try req.access(), actions.compactMap(\.ownerID))
        func row(_ key: String, _ value: HTML?) -> HTML { "<dt>\(c.t(key))</dt><dd>\(value ?? "—")</dd>" }
        func rating(_ r: RiskRating) -> HTML {
            "\(method.usedFactors.map { "\(c.t("field.\($0.rawValue)")) \(r[$0].map(String.init) ?? "–")" }.joined(separator: " × "))"
        }
        let affects = [(risk.affectsConfidentiality, "field.confidentiality"), (risk.affectsIntegrity, "field.integrity"), (risk.affectsAvailability, "field.availability")]
            .filter(\.0).map { c.t($0.1) }.joined(separator: "・")
        let actionRows: [HTML] = actions.map { a in
            """
            <tr><td><a href="\(c.w("/treatment-actions/\(a.id)"))">\(a.title)</a></td><td>\(a.ownerID.flatMap { actionOwners[$0]?.displayName } ?? "—")</td>
            <td class="nowrap\(a.isOverdue(on: access.today) ? " stale" : "")">\(a.dueOn?.description ?? "—")</td>
            <td><span class="badge action-\(a.status.rawValue)">\(c.t("plan.status.\(a.status.rawValue)"))</span></td></tr>
            """
        }
        let isOwner = risk.ownerID == access.user.id
        let evidence = try await EvidenceFiles(req.meguri).linked(access, to: EvidenceLink(.risk, risk.id.description))
        let acceptable = risk.residualScore.map(method.isAcceptable) ?? risk.inherentScore.map(method.isAcceptable) ?? true
        return Layout.page(c, title: "\(risk.code) \(asset?.name ?? "")", """
        \(Components.pageHeader("\(risk.code)\(asset.map { " — \($0.code) \($0.name)" } ?? "")", subtitle: assessment.name, actions: HTML("""
        <a class="button" href="\(c.w("/risk-assessments/\(assessment.id)"))#register">\(c.t("risk.backToRegister"))</a>
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/risk/\(risk.id)"))\">\(c.t("audit.history"))</a>"))
        \(HTML.when(manage, HTML("<a class=\"button primary\" href=\"\(base)?edit=1\">\(c.t("form.edit"))</a>")))
        """)))
        \(HTML.when(risk.review == .toReview, HTML("<div class=\"flash warning\">\(c.t("risk.toReviewExplained"))</div>")))
        <section class="card"><dl class="facts">
        \(row("risk.asset", asset.map { HTML("<a href=\"\(c.w("/assets/\($0.id)"))\">\($0.code) \($0.name)</a>") }))
        \(row("field.threat", risk.threatID.flatMap { entries[$0] }.map { HTML("\($0.code) \($0.name(c.language))") }))
        \(row("field.vulnerability", risk.vulnerabilityID.flatMap { entries[$0] }.map { HTML("\($0.code) \($0.name(c.language))") }))
        \(row("field.scenario", risk.scenario.map { HTML("<span class=\"prose\">\($0)</span>") }))
        \(row("risk.affects", "\(affects)"))
        \(row("risk.inherent", HTML("\(Self.levelBadge(c, method, risk.inherentLevel, risk.inherentScore)) <span class=\"muted\">\(rating(risk.inherent))</span>")))
        \(row("field.treatment", risk.treatment.map { t -> HTML in "\(c.t("treatment.\(t.rawValue)"))" }))
        \(row("field.treatmentReason", risk.treatmentReason.map { HTML("<span class=\"prose\">\($0)</span>") }))
        \(row("field.controls", risk.controls.isEmpty ? nil : ControlList.html(c, req.meguri.catalog, risk.controls)))
        \(row("risk.residual", HTML("\(Self.levelBadge(c, method, risk.residualLevel, risk.residualScore)) <span class=\"muted\">\(rating(risk.residual))</span>")))
        \(row("field.riskOwner", risk.ownerID.flatMap { users[$0] }.map { HTML("\($0.displayName) &lt;\($0.email)&gt;") }))
        \(row("risk.reviewState", "\(c.t("risk.review.\(risk.review.rawValue)"))"))
        </dl></section>
        <section class="card" id="acceptance"><h2>\(c.t("risk.acceptance"))</h2>
        \(risk.acceptedAt.map { date in HTML("<p><span class=\"badge ok\">\(c.t("risk.accepted"))</span> \(c.t("risk.acceptedByOn", ["name": risk.acceptedBy.flatMap { users[$0]?.displayName } ?? "", "date": c.date(date)]))</p>\(risk.acceptanceReason.map { HTML("<p class=\"prose\">\(c.t("field.acceptanceReason")): \($0)</p>") })") }
          ?? HTML("<p class=\"muted\">\(c.t("risk.notAccepted"))</p>"))
        \(HTML.when(isOwner && risk.acceptedAt == nil && risk.review != .closed, HTML("""
        <p>\(c.t(acceptable ? "risk.acceptIntro" : "risk.acceptAboveCriterion", ["limit": String(method.acceptableUpTo)]))</p>
        \(Form.errorSummary(acceptErrors, c))
        \(Form.open("\(base)/accept", c))\(Form.version(risk.version))
        \(Form.textarea("acceptanceReason", c.t("field.acceptanceReason"), value: typedReason, errors: acceptErrors, c, rows: 2,
                        hint: acceptable ? c.t("risk.reasonOptional") : nil))
        <div class="actions"><button type="submit" class="primary">\(c.t("risk.accept"))</button></div>\(Form.close())
        """)))
        \(HTML.when(!isOwner && risk.acceptedAt == nil && risk.ownerID != nil, HTML("<p class=\"hint\">\(c.t("risk.onlyOwnerAccepts"))</p>")))
        </section>
        \(HTML.when(manage && [.toReview, .changed].contains(risk.review), HTML("""
        <section class="card"><h2>\(c.t("risk.reviewTitle"))</h2><p>\(c.t("risk.reviewIntro"))</p><div class="split">
        \(Form.open("\(base)/review", c))\(Form.version(risk.version))\(Form.hidden("outcome", "reviewed"))<div class="actions"><button type="submit" class="primary">\(c.t("risk.markReviewed"))</button></div>\(Form.close())
        \(Form.open("\(base)/review", c))\(Form.version(risk.version))\(Form.hidden("outcome", "closed"))<div class="actions"><button type="submit">\(c.t("risk.markClosed"))</button></div>\(Form.close())
        </div></section>
        """)))
        <section class="card"><h2>\(c.t("risk.actions"))</h2>
        \(actionRows.isEmpty ? Components.empty(c.t("risk.noActions")) : HTML("<table class=\"table\"><thead><tr><th>\(c.t("field.title"))</th><th>\(c.t("field.owner"))</th><th>\(c.t("field.dueOn"))</th><th>\(c.t("field.status"))</th></tr></thead><tbody>\(actionRows)</tbody></table>"))
        \(HTML.when(access.allows(.risksManage), HTML("<p><a class=\"button\" href=\"\(c.w("/treatment-plan"))?risk=\(Components.encode(risk.code))&amp;assessment=\(assessment.id)#new\">\(c.t("plan.newForRisk"))</a></p>")))
        </section>
        \(HTML.when(access.allows(.evidenceRead), EvidenceViews.card(c, evidence, target: EvidenceLink(.risk, risk.id.description), canAdd: access.allows(.evidenceManage), today: access.today)))
        \(HTML.when(manage, HTML("""
        <section class="card danger-zone"><h2>\(c.t("risk.delete"))</h2><p>\(c.t("risk.deleteHint"))</p>
        \(Form.open("\(base)/delete", c))\(Form.version(risk.version))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div>\(Form.close())</section>
        """)))
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try riskID(req)
        let form = try req.content.decode(RiskForm.self)
        let c = PageContext(request: req)
        let risks = Risks(req.meguri)
        let current = try await risks.load(access, id)
        let assessment = try await RiskAssessments(req.meguri).load(access, current.assessmentID)
        let base = c.w("/risks/\(id)")
        do {
            let (input, unreadable) = try await form.input(req, access)
            _ = try await risks.update(access, id, input, expectedVersion: form.version, unreadable: unreadable, context: try req.context())
            return req.redirect(to: base, flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: formPage(req, assessment: assessment, title: "\(current.code) — \(c.t("form.edit"))",
                                                                                    action: base, cancel: base, form: form, errors: Self.formErrors(errors))).encodeResponse(for: req)
        } catch DomainError.conflict {
            let latest = try await risks.load(access, id)
            let lookups = try await risks.lookups(access, [latest])
            let (asset, owner) = (lookups.asset(latest.assetID), lookups.person(latest.ownerID))
            return try await PageResponse(status: .conflict, html: formPage(req, assessment: assessment, title: "\(current.code) — \(c.t("form.edit"))", action: base,
                                                                         cancel: base, form: RiskForm(latest, asset: asset, owner: owner), errors: [], conflict: true))
                .encodeResponse(for: req)
        } catch DomainError.rule(let code, let params) {
            return req.redirect(to: base, flash: req.t(code, params))
        }
    }

    struct AcceptForm: Content { var acceptanceReason: String?; var version: Int? }

    @Sendable func accept(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try riskID(req)
        let form = try req.content.decode(AcceptForm.self)
        let base = PageContext(request: req).w("/risks/\(id)")
        do {
            _ = try await Risks(req.meguri).accept(access, id, reason: form.acceptanceReason, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: base, flash: req.t("risk.acceptedFlash"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: page(req, acceptErrors: errors, typedReason: form.acceptanceReason)).encodeResponse(for: req)
        } catch DomainError.rule(let code, let params) {
            return req.redirect(to: base, flash: req.t(code, params))
        }
    }

    struct ReviewForm: Content { var outcome: String?; var version: Int? }

    @Sendable func review(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try riskID(req)
        let form = try req.content.decode(ReviewForm.self)
        let base = PageContext(request: req).w("/risks/\(id)")
        do {
            let risk = try await Risks(req.meguri).review(access, id, outcome: form.outcome, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: base, flash: req.t(risk.review == .closed ? "risk.closedFlash" : "risk.reviewedFlash"))
        } catch DomainError.rule(let code, let params) {
            return req.redirect(to: base, flash: req.t(code, params))
        }
    }

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try riskID(req)
        let form = try req.content.decode(AssetPages.VersionForm.self)
        let c = PageContext(request: req)
        let risk = try await Risks(req.meguri).load(access, id)
        do {
            try await Risks(req.meguri).delete(access, id, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: c.w("/risk-assessments/\(risk.assessmentID)"), flash: req.t("risk.deleted", ["code": risk.code]))
        } catch DomainError.rule(let code, let params) {
            return req.redirect(to: c.w("/risks/\(id)"), flash: req.t(code, params))
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// Annex A controls as "A.5.15 Access control", one per line, each linking to its guidance.
enum ControlList {
    static func html(_ c: PageContext, _ catalog: ReferenceCatalog, _ ids: [String]) -> HTML {
        let items: [HTML] = ids.map { id in
            guard let control = catalog.control(id) else { return "<a href=\"\(c.w("/soa/\(Components.encode(id))"))\">\(id)</a>" }
            return "<a href=\"\(c.w("/controls/\(id)"))\">A.\(id) \(control.title(c.language))</a>"
        }
        return HTML(raw: items.map(\.rendered).joined(separator: "<br>"))
    }
}
