import Domain
import Features
import Foundation
import Vapor

/// The risk method (6.1.2 a–b): versions, the draft editor (scales, formula, bands, acceptance),
/// publishing, and the threat and vulnerability catalogs.
struct RiskMethodPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "risk-method", access: .workspace(.risksRead), use: overview)
        routes.endpoint(.POST, "w", ":slug", "risk-method", "new", access: .workspace(.riskMethodManage), use: newDraft)
        routes.endpoint(.GET, "w", ":slug", "risk-method", "catalog", access: .workspace(.risksRead), use: catalog)
        routes.endpoint(.POST, "w", ":slug", "risk-method", "catalog", access: .workspace(.riskMethodManage), use: saveEntry)
        routes.endpoint(.POST, "w", ":slug", "risk-method", "catalog", ":entryID", "delete", access: .workspace(.riskMethodManage), use: deleteEntry)
        routes.endpoint(.GET, "w", ":slug", "risk-method", ":methodID", access: .workspace(.risksRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "risk-method", ":methodID", access: .workspace(.riskMethodManage), use: save)
        routes.endpoint(.POST, "w", ":slug", "risk-method", ":methodID", "publish", access: .workspace(.riskMethodManage), use: publish)
        routes.endpoint(.POST, "w", ":slug", "risk-method", ":methodID", "delete", access: .workspace(.riskMethodManage), use: delete)
    }

    @Sendable func overview(_ req: Request) async throws -> HTML {
        let access = try req.access()
        try await RiskSetup.ensure(access, services: req.meguri, context: try req.context())
        let c = try await PageContext.make(req)
        let methods = try await RiskMethods(req.meguri).list(access)
        let current = methods.first { $0.status == .published }
        let manage = access.allows(.riskMethodManage)
        let rows: [HTML] = methods.map { m in
            """
            <tr><td class="num">\(m.number)</td><td><a href="\(c.w("/risk-method/\(m.id)"))">\(m.name)</a></td><td>\(Self.formulaName(c, m))</td>
            <td><span class="badge\(m.status == .draft ? " pending" : "")">\(c.t("method.status.\(m.status.rawValue)"))</span>\(HTML.when(m.id == current?.id, " <span class=\"badge ok\">\(c.t("method.current"))</span>"))</td>
            <td>\(m.publishedAt.map(c.date) ?? "—")</td></tr>
            """
        }
        let templates = req.meguri.riskTemplates.methods.map { (value: $0.key, label: $0.name(c.language)) }
        return Layout.page(c, title: c.t("cap.riskMethod"), """
        \(Components.pageHeader(c.t("cap.riskMethod"), subtitle: c.t("method.intro"),
                                actions: "<a class=\"button\" href=\"\(c.w("/risk-method/catalog"))\">\(c.t("method.catalog"))</a>"))
        \(current.map { Self.summary(c, $0) } ?? Components.empty(c.t("method.noneYet")))
        <section class="card"><h2>\(c.t("method.versions"))</h2>
        <table class="table"><thead><tr><th>#</th><th>\(c.t("field.name"))</th><th>\(c.t("field.formula"))</th><th>\(c.t("field.status"))</th><th>\(c.t("method.publishedAt"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        \(HTML.when(manage, HTML("""
        <div class="split">
        \(Form.open(c.w("/risk-method/new"), c))\(current.map { Form.hidden("source", $0.id.description) } ?? .empty)
        <p>\(c.t("method.newFromCurrentHint"))</p>\(Form.submit(c.t("method.newFromCurrent")))\(Form.close())
        \(Form.open(c.w("/risk-method/new"), c))
        \(Form.select("template", c.t("method.template"), options: templates, selected: nil, errors: [], c))
        \(Form.submit(c.t("method.newFromTemplate")))\(Form.close())
        </div>
        """)))
        </section>
        """)
    }

    /// The method as a reader sees it: formula, scales, bands with their colours, and the acceptance criterion.
    static func summary(_ c: PageContext, _ m: RiskMethod) -> HTML {
        func scale(_ key: String, _ scale: RatingScale?) -> HTML {
            guard let scale else { return .empty }
            let rows: [HTML] = scale.levels.map { "<tr><td class=\"num\">\($0.value)</td><td>\($0.label(c.language))</td><td>\($0.description(c.language))</td></tr>" }
            return "<div><h3>\(c.t("field.\(key)"))</h3><table class=\"table compact\"><tbody>\(rows)</tbody></table></div>"
        }
        let bands: [HTML] = m.bands.map { band in
            "<li>\(Components.swatch(band.colour))<strong>\(band.label(c.language))</strong> \(band.minimum)–\(band.maximum)</li>"
        }
        return """
        <section class="card method"><h2>\(m.name) <span class="muted">#\(m.number)</span></h2>
        <dl class="facts"><dt>\(c.t("field.formula"))</dt><dd>\(Self.formulaName(c, m))</dd>
        <dt>\(c.t("field.assetValueRule"))</dt><dd>\(c.t("method.rule.\(m.assetValueRule.rawValue)"))</dd>
        <dt>\(c.t("field.acceptableUpTo"))</dt><dd>\(c.t("method.acceptable", ["score": String(m.acceptableUpTo)]))</dd>
        <dt>\(c.t("method.possibleScores"))</dt><dd>\(RiskMethod.describe(m.possibleScores))</dd></dl>
        <ul class="bands">\(bands)</ul>
        <div class="scales">\(scale("ciaScale", m.ciaScale))\(scale("threatScale", m.threatScale))\(scale("vulnerabilityScale", m.vulnerabilityScale))\(scale("likelihoodScale", m.likelihoodScale))\(scale("impactScale", m.impactScale))</div>
        \(m.matrix.map { matrix in HTML("<h3>\(c.t("field.matrix"))</h3><table class=\"table compact\"><tbody>\(matrix.enumerated().map { l, row in HTML("<tr><th>\(l + 1)</th>\(row.map { HTML("<td class=\"num\">\($0)</td>") })</tr>") })</tbody></table>") })
        </section>
        """
    }

    /// The formula as words: a product names its factors (資産価値 × 影響度 × 発生可能性).
    static func formulaName(_ c: PageContext, _ m: RiskMethod) -> String {
        guard m.formula == .product, let factors = m.factors, !factors.isEmpty else { return c.t("method.formula.\(m.formula.rawValue)") }
        return factors.map { c.t("field.\($0.rawValue)") }.joined(separator: " × ")
    }

    func methodID(_ req: Request) throws -> RiskMethod.ID { try req.id("methodID", RiskMethod.ID.self, entity: "risk_method") }

    struct NewForm: Content { var source: String?; var template: String? }

    @Sendable func newDraft(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(NewForm.self)
        let draft = try await RiskMethods(req.meguri).createDraft(access, copying: form.source.flatMap(RiskMethod.ID.init), template: form.template, context: try req.context())
        return req.redirect(to: PageContext(request: req).w("/risk-method/\(draft.id)"), flash: req.t("method.draftCreated"))
    }

    @Sendable func show(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let method = try await RiskMethods(req.meguri).load(access, try methodID(req))
        if method.status == .draft, access.allows(.riskMethodManage) {
            return try await editor(req, method: method, input: RiskMethodInput(method), errors: [])
        }
        let c = try await PageContext.make(req)
        return Layout.page(c, title: method.name, """
        \(Components.pageHeader(method.name, subtitle: c.t("cap.riskMethod"),
                                actions: "<a class=\"button\" href=\"\(c.w("/risk-method"))\">\(c.t("form.back"))</a>"))
        \(Self.summary(c, method))
        """)
    }

    static let scales = ["ciaScale", "threatScale", "vulnerabilityScale", "likelihoodScale", "impactScale"]

    /// `typed`: the fields as sent, so a value that could not be read is shown as typed (not as 0).
    func editor(_ req: Request, method: RiskMethod, input: RiskMethodInput, errors: [FieldError], conflict: Bool = false, typed: [String: String] = [:]) async throws -> HTML {
        let c = try await PageContext.make(req)
        func scaleEditor(_ key: String, _ scale: RatingScale?) -> HTML {
            let levels = scale?.levels ?? []
            let rows: [HTML] = (1...5).map { n in
                let level = levels.first { $0.value == n }
                return """
                <tr><th class="num">\(n)</th>
                <td><input name="\(key)_\(n)_labelJa" value="\(level?.labelJa ?? "")" aria-label="\(c.t("method.levelLabelJa")) \(n)"></td>
                <td><input name="\(key)_\(n)_labelEn" value="\(level?.labelEn ?? "")" aria-label="\(c.t("method.levelLabelEn")) \(n)"></td>
                <td><input name="\(key)_\(n)_descriptionJa" value="\(level?.descriptionJa ?? "")" aria-label="\(c.t("method.levelDescriptionJa")) \(n)"></td>
                <td><input name="\(key)_\(n)_descriptionEn" value="\(level?.descriptionEn ?? "")" aria-label="\(c.t("method.levelDescriptionEn")) \(n)"></td></tr>
                """
            }
            let (_, message) = Form.fieldErrors(key, errors, c)
            return """
            <fieldset id="f-\(key)" class="\(errors.contains { $0.field == key } ? "has-error" : "")"><legend>\(c.t("field.\(key)"))</legend>
            \(message)<p class="hint">\(c.t("method.scaleHint"))</p>
            <table class="table compact editor"><thead><tr><th>#</th><th>\(c.t("method.levelLabelJa"))</th><th>\(c.t("method.levelLabelEn"))</th><th>\(c.t("method.levelDescriptionJa"))</th><th>\(c.t("method.levelDescriptionEn"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></fieldset>
            """
        }
        let bandRows: [HTML] = (0..<6).map { index in
            let band = index < input.bands.count ? input.bands[index] : nil
            return """
            <tr><td><input name="band_\(index)_key" value="\(band?.key ?? "")" size="8" aria-label="\(c.t("method.bandKey"))"></td>
            <td><input name="band_\(index)_labelJa" value="\(band?.labelJa ?? "")" aria-label="\(c.t("method.levelLabelJa"))"></td>
            <td><input name="band_\(index)_labelEn" value="\(band?.labelEn ?? "")" aria-label="\(c.t("method.levelLabelEn"))"></td>
            <td><input name="band_\(index)_minimum" value="\(band.map { String($0.minimum) } ?? "")" inputmode="numeric" size="4" aria-label="\(c.t("method.bandMinimum"))"></td>
            <td><input name="band_\(index)_maximum" value="\(band.map { String($0.maximum) } ?? "")" inputmode="numeric" size="4" aria-label="\(c.t("method.bandMaximum"))"></td>
            <td><input type="color" name="band_\(index)_colour" value="\(band?.colour ?? "#cccccc")" aria-label="\(c.t("method.bandColour"))"></td></tr>
            """
        }
        let matrixRows: [HTML] = (1...5).map { l in
            let cells: [HTML] = (1...5).map { i in
                let value = input.matrix.flatMap { l <= $0.count && i <= $0[l - 1].count ? String($0[l - 1][i - 1]) : nil } ?? ""
                return "<td><input name=\"matrix_\(l)_\(i)\" value=\"\(value)\" size=\"3\" inputmode=\"numeric\" aria-label=\"\(c.t("field.likelihood")) \(l) × \(c.t("field.impact")) \(i)\"></td>"
            }
            return "<tr><th>\(l)</th>\(cells)</tr>"
        }
        let formulas = RiskFormula.allCases.map { (value: $0.rawValue, label: c.t("method.formula.\($0.rawValue)")) }
        let factorOptions = [(value: "", label: c.t("form.none"))] + RiskFactor.allCases.map { (value: $0.rawValue, label: c.t("field.\($0.rawValue)")) }
        let chosen = input.factors ?? []
        let (_, factorMessage) = Form.fieldErrors("factors", errors, c)
        let factorSelects: [HTML] = (1...3).map { n in
            Form.select("factor\(n)", c.t("method.factorN", ["n": String(n)]), options: factorOptions, selected: typed["factor\(n)"] ?? (n <= chosen.count ? chosen[n - 1].rawValue : ""), errors: [], c)
        }
        let rules = AssetValueRule.allCases.map { (value: $0.rawValue, label: c.t("method.rule.\($0.rawValue)")) }
        let (_, bandMessage) = Form.fieldErrors("bands", errors, c)
        let (_, matrixMessage) = Form.fieldErrors("matrix", errors, c)
        return Layout.page(c, title: input.name, wide: true, """
        \(Components.pageHeader(c.t("method.editDraft", ["number": String(method.number)]), subtitle: c.t("method.draftIntro")))
        \(HTML.when(conflict, "<div class=\"error-summary\" role=\"alert\"><p>\(c.t("problem.conflict.detail"))</p></div>"))
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/risk-method/\(method.id)"), c))
        \(Form.version(method.version))
        <div class="row">
        \(Form.text("name", c.t("field.name"), value: input.name, errors: errors, c, required: true))
        \(Form.select("formula", c.t("field.formula"), options: formulas, selected: input.formula.rawValue, errors: errors, c, hint: c.t("method.formulaHint")))
        \(Form.select("assetValueRule", c.t("field.assetValueRule"), options: rules, selected: input.assetValueRule.rawValue, errors: errors, c))
        \(Form.text("acceptableUpTo", c.t("field.acceptableUpTo"), value: typed["acceptableUpTo"] ?? String(input.acceptableUpTo), errors: errors, c, hint: c.t("method.acceptableHint"), attributes: " inputmode=\"numeric\""))
        </div>
        <fieldset id="f-factors" class="\(errors.contains { $0.field == "factors" } ? "has-error" : "")"><legend>\(c.t("field.factors"))</legend>\(factorMessage)
        <p class="hint">\(c.t("method.factorsHint"))</p><div class="row">\(factorSelects)</div></fieldset>
        \(scaleEditor("ciaScale", input.ciaScale))
        \(scaleEditor("threatScale", input.threatScale))
        \(scaleEditor("vulnerabilityScale", input.vulnerabilityScale))
        \(scaleEditor("likelihoodScale", input.likelihoodScale))
        \(scaleEditor("impactScale", input.impactScale))
        <fieldset id="f-matrix"><legend>\(c.t("field.matrix"))</legend>\(matrixMessage)<p class="hint">\(c.t("method.matrixHint"))</p>
        <table class="table compact editor"><thead><tr><th>\(c.t("field.likelihood")) \\ \(c.t("field.impact"))</th>\((1...5).map { HTML("<th>\($0)</th>") })</tr></thead><tbody>\(matrixRows)</tbody></table></fieldset>
        <fieldset id="f-bands" class="\(errors.contains { $0.field == "bands" } ? "has-error" : "")"><legend>\(c.t("field.bands"))</legend>\(bandMessage)<p class="hint">\(c.t("method.bandsHint"))</p>
        <table class="table compact editor"><thead><tr><th>\(c.t("method.bandKey"))</th><th>\(c.t("method.levelLabelJa"))</th><th>\(c.t("method.levelLabelEn"))</th><th>\(c.t("method.bandMinimum"))</th><th>\(c.t("method.bandMaximum"))</th><th>\(c.t("method.bandColour"))</th></tr></thead>
        <tbody>\(bandRows)</tbody></table></fieldset>
        \(Form.submit(c.t("method.saveDraft"), secondary: (c.t("form.back"), c.w("/risk-method"))))
        \(Form.close())
        <section class="card"><h2>\(c.t("method.publish"))</h2><p>\(c.t("method.publishHint"))</p>
        \(Form.open(c.w("/risk-method/\(method.id)/publish"), c))\(Form.version(method.version))\(Form.submit(c.t("method.publish")))\(Form.close())</section>
        <section class="card danger-zone"><h2>\(c.t("method.deleteDraft"))</h2>
        \(Form.open(c.w("/risk-method/\(method.id)/delete"), c))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div>\(Form.close())</section>
        """)
    }

    /// Reads the editor's fields into a method input; blank level rows and band rows are left out.
    static func input(from fields: [String: String], into v: inout Domain.Validator) -> RiskMethodInput {
        func text(_ key: String) -> String { Text.trimmed(fields[key] ?? "") }
        func scale(_ key: String) -> RatingScale? {
            let levels: [ScaleLevel] = (1...5).compactMap { n in
                let ja = text("\(key)_\(n)_labelJa"), en = text("\(key)_\(n)_labelEn")
                guard !ja.isEmpty || !en.isEmpty else { return nil }
                return ScaleLevel(value: n, labelJa: ja, labelEn: en, descriptionJa: text("\(key)_\(n)_descriptionJa"), descriptionEn: text("\(key)_\(n)_descriptionEn"))
            }
            return levels.isEmpty ? nil : RatingScale(levels: levels)
        }
        func number(_ key: String, _ field: String) -> Int? {
            let raw = Text.halfWidth(text(key))
            guard !raw.isEmpty else { return nil }
            guard let value = Int(raw) else { v.add(field, "error.format"); return nil }
            return value
        }
        let formula = RiskFormula(rawValue: text("formula")) ?? .assetThreatVulnerability
        let bands: [RiskBand] = (0..<6).compactMap { index in
            let key = text("band_\(index)_key")
            guard !key.isEmpty else { return nil }
            return RiskBand(key: key, labelJa: text("band_\(index)_labelJa"), labelEn: text("band_\(index)_labelEn"),
                            minimum: number("band_\(index)_minimum", "bands") ?? 0, maximum: number("band_\(index)_maximum", "bands") ?? 0,
                            colour: text("band_\(index)_colour").lowercased())
        }
        var factors: [RiskFactor]? = nil
        if formula == .product {
            factors = (1...3).compactMap { n in
                let raw = text("factor\(n)")
                guard !raw.isEmpty else { return nil }
                guard let factor = RiskFactor(rawValue: raw) else { v.add("factors", "error.choice"); return nil }
                return factor
            }
        }
        let likelihood = scale("likelihoodScale"), impact = scale("impactScale")
        var matrix: [[Int]]? = nil
        if formula == .matrix, let likelihood, let impact {
            matrix = (1...likelihood.count).map { l in (1...impact.count).map { i in number("matrix_\(l)_\(i)", "matrix") ?? 0 } }
        }
        // One message per problem: blank is "required", 八 is "not a number" — never both.
        let acceptable = number("acceptableUpTo", "acceptableUpTo")
        if text("acceptableUpTo").isEmpty { v.add("acceptableUpTo", "error.required") }
        return RiskMethodInput(name: text("name"), formula: formula, factors: factors, ciaScale: scale("ciaScale") ?? RatingScale(levels: []),
                               assetValueRule: AssetValueRule(rawValue: text("assetValueRule")) ?? .max, threatScale: scale("threatScale"),
                               vulnerabilityScale: scale("vulnerabilityScale"), likelihoodScale: likelihood, impactScale: impact, matrix: matrix,
                               bands: bands, acceptableUpTo: acceptable ?? 0)
    }

    @Sendable func save(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try methodID(req)
        let methods = RiskMethods(req.meguri)
        _ = try await methods.load(access, id)  // an unknown method is "not found" before its form is judged
        let fields = try req.content.decode([String: String].self)
        var v = Validator()
        let input = Self.input(from: fields, into: &v)
        do {
            // Fields that could not be read go along, so the method's own rules are checked too
            // and every problem is named at once.
            _ = try await methods.update(access, id, input, expectedVersion: fields["version"].flatMap(Int.init), unreadable: v.errors, context: try req.context())
            return req.redirect(to: PageContext(request: req).w("/risk-method/\(id)"), flash: req.t("method.saved"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: editor(req, method: try await methods.load(access, id), input: input, errors: errors, typed: fields))
                .encodeResponse(for: req)
        } catch DomainError.conflict {
            let current = try await methods.load(access, id)
            return try await PageResponse(status: .conflict, html: editor(req, method: current, input: RiskMethodInput(current), errors: [], conflict: true))
                .encodeResponse(for: req)
        }
    }

    struct VersionForm: Content { var version: Int? }

    @Sendable func publish(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try methodID(req)
        let form = try req.content.decode(VersionForm.self)
        let methods = RiskMethods(req.meguri)
        do {
            _ = try await methods.publish(access, id, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: PageContext(request: req).w("/risk-method"), flash: req.t("method.published"))
        } catch DomainError.invalid(let errors) {
            let method = try await methods.load(access, id)
            return try await PageResponse(status: .unprocessableEntity, html: editor(req, method: method, input: RiskMethodInput(method), errors: errors))
                .encodeResponse(for: req)
        }
    }

    @Sendable func delete(_ req: Request) async throws -> Response {
        try await RiskMethods(req.meguri).deleteDraft(try req.access(), try methodID(req), context: try req.context())
        return req.redirect(to: PageContext(request: req).w("/risk-method"), flash: req.t("method.deleted"))
    }

    // MARK: Catalog

    @Sendable func catalog(_ req: Request) async throws -> HTML {
        try await catalogPage(req, form: EntryForm(), errors: [])
    }

    func catalogPage(_ req: Request, form: EntryForm, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        try await RiskSetup.ensure(access, services: req.meguri, context: try req.context())
        let c = try await PageContext.make(req)
        let methods = RiskMethods(req.meguri)
        let manage = access.allows(.riskMethodManage)
        func table(_ kind: CatalogEntry.Kind, _ entries: [CatalogEntry]) -> HTML {
            let rows: [HTML] = entries.map { e in
                """
                <tr><td class="nowrap">\(e.code)</td><td>\(e.name(c.language))<br><span class="muted small">\(c.language == .ja ? e.nameEn : e.nameJa)</span></td>
                <td>\(c.language == .ja ? e.descriptionJa : e.descriptionEn)</td>
                <td>\(HTML.when(manage, HTML("\(Form.open(c.w("/risk-method/catalog/\(e.id)/delete"), c))<button type=\"submit\" class=\"link danger\">\(c.t("form.delete"))</button>\(Form.close())")))</td></tr>
                """
            }
            return """
            <section class="card" id="\(kind.rawValue)"><h2>\(c.t("catalog.\(kind.rawValue)s"))</h2>
            <table class="table"><thead><tr><th>\(c.t("field.code"))</th><th>\(c.t("field.name"))</th><th>\(c.t("field.description"))</th><th><span class="sr-only">\(c.t("form.actions"))</span></th></tr></thead><tbody>\(rows)</tbody></table></section>
            """
        }
        return Layout.page(c, title: c.t("method.catalog"), wide: true, """
        \(Components.pageHeader(c.t("method.catalog"), subtitle: c.t("catalog.intro"), actions: "<a class=\"button\" href=\"\(c.w("/risk-method"))\">\(c.t("form.back"))</a>"))
        \(HTML.when(manage, HTML("""
        <section class="card"><h2>\(c.t("catalog.add"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/risk-method/catalog"), c))
        <div class="row">
        \(Form.select("kind", c.t("catalog.kind"), options: [("threat", c.t("catalog.threat")), ("vulnerability", c.t("catalog.vulnerability"))], selected: form.kind, errors: errors, c))
        \(Form.text("code", c.t("field.code"), value: form.code, errors: errors, c, required: true))
        \(Form.text("nameJa", c.t("field.nameJa"), value: form.nameJa, errors: errors, c, required: true))
        \(Form.text("nameEn", c.t("field.nameEn"), value: form.nameEn, errors: errors, c, required: true))
        </div>
        <div class="row">
        \(Form.text("descriptionJa", c.t("field.descriptionJa"), value: form.descriptionJa, errors: errors, c))
        \(Form.text("descriptionEn", c.t("field.descriptionEn"), value: form.descriptionEn, errors: errors, c))
        </div>
        \(Form.submit(c.t("catalog.addSubmit")))
        \(Form.close())
        </section>
        """)))
        \(table(.threat, try await methods.catalog(access, .threat)))
        \(table(.vulnerability, try await methods.catalog(access, .vulnerability)))
        """)
    }

    struct EntryForm: Content {
        var kind: String?
        var code, nameJa, nameEn, descriptionJa, descriptionEn: String?
    }

    @Sendable func saveEntry(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(EntryForm.self)
        do {
            guard let kind = form.kind.flatMap(CatalogEntry.Kind.init(rawValue:)) else { throw DomainError.invalid(field: "kind", code: "error.choice") }
            _ = try await RiskMethods(req.meguri).saveEntry(access, kind: kind, id: nil,
                                                            .init(code: form.code, category: "own", nameJa: form.nameJa, nameEn: form.nameEn,
                                                                  descriptionJa: form.descriptionJa ?? "", descriptionEn: form.descriptionEn ?? ""),
                                                            expectedVersion: nil, context: try req.context())
            return req.redirect(to: PageContext(request: req).w("/risk-method/catalog#\(kind.rawValue)"), flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: catalogPage(req, form: form, errors: errors)).encodeResponse(for: req)
        }
    }

    @Sendable func deleteEntry(_ req: Request) async throws -> Response {
        let c = PageContext(request: req)
        do {
            try await RiskMethods(req.meguri).deleteEntry(try req.access(), try req.id("entryID", CatalogEntry.ID.self, entity: "catalog_entry"), context: try req.context())
            return req.redirect(to: c.w("/risk-method/catalog"), flash: req.t("catalog.deleted"))
        } catch DomainError.rule(let code, let params) {
            return req.redirect(to: c.w("/risk-method/catalog"), flash: req.t(code, params))
        }
    }
}
