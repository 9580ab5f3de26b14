import Domain
import Features
import Foundation
import Storage
import Vapor

/// The audit trail of a workspace (filter by person, record type, action and dates; CSV export)
/// and the history of one record. For the secretariat and external auditors.
struct AuditPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "audit-trail", access: .workspace(.auditTrailRead), use: trail)
        routes.endpoint(.GET, "w", ":slug", "audit-trail.csv", access: .workspace(.auditTrailRead), use: csv)
        routes.endpoint(.GET, "w", ":slug", "history", ":entityType", ":entityID", access: .workspace(.auditTrailRead), use: history)
    }

    struct Query {
        var actor: String?
        var entityType: String?
        var action: String?
        var from: String?
        var until: String?

        init(_ req: Request) {
            actor = req.queryValue("actor").flatMap(Text.nonBlank)
            entityType = req.queryValue("type").flatMap(Text.nonBlank)
            action = req.queryValue("action").flatMap(Text.nonBlank)
            from = req.queryValue("from").flatMap(Text.nonBlank)
            until = req.queryValue("until").flatMap(Text.nonBlank)
        }

        /// The filter, with dates read as whole days in the workspace's time zone.
        /// The filter, with the person given by e-mail (or id) and dates read as whole days.
        func filter(zone: TimeZone, people: (String) async throws -> User.ID?) async throws -> AuditFilter {
            var v = Validator()
            var filter = AuditFilter(entityType: entityType, action: action)
            if let actor {
                if let id = User.ID(actor) {
                    filter.actorUserID = id
                } else if let id = try await people(actor) {
                    filter.actorUserID = id
                } else {
                    v.add("actor", "error.unknownUser", ["value": actor])
                }
            }
            if let from {
                if let day = CalendarDate(from) { filter.from = day.start(in: zone) } else { v.add("from", "error.date") }
            }
            if let until {
                if let day = CalendarDate(until) { filter.until = day.adding(days: 1).start(in: zone) } else { v.add("until", "error.date") }
            }
            try v.check()
            return filter
        }

        var parameters: [String: String] {
            ["actor": actor ?? "", "type": entityType ?? "", "action": action ?? "", "from": from ?? "", "until": until ?? ""]
        }
    }

    @Sendable func trail(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let query = Query(req)
        let trail = AuditTrail(req.meguri)
        let choices = try trail.filterChoices(access)
        var errors: [FieldError] = []
        var page = Page<AuditEvent>(items: [], nextCursor: nil)
        do {
            let filter = try await query.filter(zone: access.workspace.zone, people: Self.person(req))
            let request = try req.listPage()
            page = try await trail.list(access, filter: filter, page: request)
        } catch DomainError.invalid(let e) {
            errors = e
        }
        let typeOptions = [(value: "", label: c.t("form.all"))] + choices.entityTypes.map { (value: $0, label: c.t("entity.\($0)")) }
        let actionOptions = [(value: "", label: c.t("form.all"))] + choices.actions.map { (value: $0, label: c.t("action.\($0)")) }
        let csvQuery = query.parameters.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { "\($0.key)=\(Components.encode($0.value))" }.joined(separator: "&")
        let names = try await Self.names(req, access, page.items)
        let html = Layout.page(c, title: c.t("nav.auditTrail"), wide: true, """
        \(Components.pageHeader(c.t("nav.auditTrail"), subtitle: c.t("audit.intro"),
                                actions: "<a class=\"button\" href=\"\(c.w("/audit-trail.csv"))\(csvQuery.isEmpty ? "" : "?" + csvQuery)\" download>\(c.t("audit.exportCSV"))</a>"))
        \(Form.errorSummary(errors, c))
        <form method="get" action="\(c.w("/audit-trail"))" class="filters" role="search">
        \(Form.text("actor", c.t("audit.person"), value: query.actor, errors: errors, c, type: "search", hint: c.t("audit.personHint")))
        \(Form.select("type", c.t("audit.recordType"), options: typeOptions, selected: query.entityType, errors: errors, c))
        \(Form.select("action", c.t("audit.action"), options: actionOptions, selected: query.action, errors: errors, c))
        \(Form.text("from", c.t("audit.from"), value: query.from, errors: errors, c, type: "date"))
        \(Form.text("until", c.t("audit.until"), value: query.until, errors: errors, c, type: "date"))
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        \(Self.eventTable(c, page.items, showRecord: true, names: names))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/audit-trail"), query: query.parameters))
        """)
        return PageResponse(status: errors.isEmpty ? .ok : .unprocessableEntity, html: html)
    }

    @Sendable func csv(_ req: Request) async throws -> Response {
        let access = try req.access()
        let filter = try await Query(req).filter(zone: access.workspace.zone, people: Self.person(req))
        let trail = AuditTrail(req.meguri)
        let language = req.language
        try access.require(.auditTrailRead)
        // Streamed page by page: the export of a long trail never sits whole in memory.
        let response = Response(status: .ok, body: .init(asyncStream: { writer in
            do {
                try await trail.exportCSV(access, filter: filter, language: language) { chunk in try await writer.writeBuffer(ByteBuffer(data: chunk)) }
                try await writer.write(.end)
            } catch {
                try await writer.write(.error(error))
            }
        }))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        let name = "audit-trail-\(access.workspace.slug)-\(access.today).csv"
        response.headers.replaceOrAdd(name: "Content-Disposition", value: "attachment; filename=\"\(name)\"")
        return response
    }

    @Sendable func history(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let type = req.parameters.get("entityType") ?? ""
        let id = req.parameters.get("entityID") ?? ""
        let page = try req.listPage()
        let events = try await AuditTrail(req.meguri).history(access, entityType: type, entityID: id, page: page)
        let names = try await Self.names(req, access, events.items)
        return Layout.page(c, title: c.t("audit.history"), wide: true, """
        \(Components.pageHeader(c.t("audit.historyOf", ["type": c.t("entity.\(type)")]), subtitle: id))
        \(Self.eventTable(c, events.items, showRecord: false, names: names))
        \(Components.pager(c, nextCursor: events.nextCursor, total: events.total, basePath: c.w("/history/\(type)/\(id)"), query: [:]))
        """)
    }

    /// Finds the person a filter names by e-mail.
    static func person(_ req: Request) -> @Sendable (String) async throws -> User.ID? {
        { text in try await People(req.meguri).find(try req.access(), email: text)?.id }
    }

    /// Names for the ids a change may mention (departments, and the people the shown events
    /// name), so the trail reads as words.
    static func names(_ req: Request, _ access: WorkspaceAccess, _ events: [AuditEvent]) async throws -> [String: String] {
        let departments = try await Departments(req.meguri).all(access)
        var names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id.description, $0.name) })
        var ids = Set<String>()
        for event in events { for text in [event.before, event.after].compactMap({ $0 }) { ids.formUnion(uuids(in: text)) } }
        let people = try await People(req.meguri).load(access, ids.compactMap(User.ID.init))
        for (id, user) in people { names[id.description] = user.displayName }
        for (id, asset) in try await Assets(req.meguri).loadAll(access, ids.compactMap(Asset.ID.init)) { names[id.description] = "\(asset.code) \(asset.name)" }
        return names
    }

    /// The UUIDs written in a text, in lower case (a scan of its bytes: the regular expression it
    /// replaced was a tenth of the page's CPU).
    static func uuids(in text: String) -> [String] {
        let bytes = Array(text.utf8)
        guard bytes.count >= 36 else { return [] }
        func hex(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70) }
        var found: [String] = []
        var i = 0
        while i + 36 <= bytes.count {
            var matched = true
            for j in 0..<36 {
                let b = bytes[i + j]
                if j == 8 || j == 13 || j == 18 || j == 23 ? b != 45 : !hex(b) { matched = false; break }
            }
            if matched {
                found.append(String(decoding: bytes[i..<i + 36], as: UTF8.self).lowercased())
                i += 36
            } else {
                i += 1
            }
        }
        return found
    }

    /// Which message keys name a record's values (`nc.status.open`): the entity's prefix.
    static let valuePrefixes = ["audit": "audit", "nonconformity": "nc", "management_review": "review", "treatment_action": "plan", "planned_activity": "annual",
                                "risk_assessment": "assessment", "document": "document", "campaign": "training", "objective": "objective", "risk": "risk",
                                "asset": "asset", "checklist_item": "checklist", "finding": "finding", "evidence": "evidence", "soa_entry": "soa",
                                "soa_version": "soa.version", "risk_method": "method"]

    /// Values whose labels sit under a key of their own rather than the entity's prefix
    /// (`treatment.avoid`): entity and field → the prefix of the value's label.
    static let valueKeys = ["risk.treatment": "treatment", "planned_activity.phase": "phase", "document.pending": "document.versionStatus",
                            "document_version.status": "document.versionStatus", "risk_method.assetValueRule": "method.rule",
                            "competence_requirement.role": "role", "notification_settings.webhookFormat": "webhook"]

    static func eventTable(_ c: PageContext, _ events: [AuditEvent], showRecord: Bool, names: [String: String]) -> HTML {
        guard !events.isEmpty else { return Components.empty(c.t("audit.none")) }
        let rows: [HTML] = events.map { e in
            """
            <tr><td class="num">\(String(e.sequence))</td><td class="nowrap">\(c.timestamp(e.occurredAt))</td>
            <td>\(e.actor.label)\(HTML.when(e.actor.kind == .apiToken, " <span class=\"badge\">API</span>"))</td>
            <td class="nowrap">\(c.t("action.\(e.action)"))</td>
            \(HTML.when(showRecord, HTML("<td>\(c.t("entity.\(e.entityType)"))<br><a class=\"small\" href=\"\(c.w("/history/\(e.entityType)/\(e.entityID)"))\">\(String(e.entityID.prefix(8)))…</a></td>")))
            <td>\(changes(c, e, names: names))</td></tr>
            """
        }
        return """
        <table class="table audit"><thead><tr><th>#</th><th>\(c.t("audit.time"))</th><th>\(c.t("audit.person"))</th><th>\(c.t("audit.action"))</th>
        \(HTML.when(showRecord, "<th>\(c.t("audit.record"))</th>"))<th>\(c.t("audit.changes"))</th></tr></thead><tbody>\(rows)</tbody></table>
        """
    }

    /// The fields that differ between before and after, each with its old and new value.
    /// The members are compared as written and only those that differ are described (each written
    /// value has one text, so equal texts are equal values); a text the scan does not read is
    /// parsed whole.
    static func changes(_ c: PageContext, _ e: AuditEvent, names: [String: String]) -> HTML {
        func members(_ json: String?) -> [String: Substring]? { json.map(JSONMembers.split) ?? [:] }
        var before: [String: String] = [:], after: [String: String] = [:]
        if let written = members(e.before), let now = members(e.after) {
            for key in Set(written.keys).union(now.keys) where written[key] != now[key] && !Self.bookkeeping.contains(key) {
                if let raw = written[key] { before[key] = text(key, raw: raw, c, names, entity: e.entityType) }
                if let raw = now[key] { after[key] = text(key, raw: raw, c, names, entity: e.entityType) }
            }
        } else {
            before = e.before.flatMap { flatten($0, c, names, entity: e.entityType) } ?? [:]
            after = e.after.flatMap { flatten($0, c, names, entity: e.entityType) } ?? [:]
        }
        let keys = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] && !Self.bookkeeping.contains($0) }.sorted()
        guard !keys.isEmpty else { return .empty }
        let items: [HTML] = keys.map { key in
            "<li><span class=\"key\">\(c.localizer.fieldLabel(key, c.language))</span>: <del>\(before[key] ?? "—")</del> → <ins>\(after[key] ?? "—")</ins></li>"
        }
        return "<ul class=\"changes\">\(items)</ul>"
    }

    /// Keys every record has that say nothing about the change itself (and a starter document's
    /// remembered facts: long, and the version's summary names what changed).
    static let bookkeeping: Set<String> = ["id", "createdAt", "updatedAt", "version", "workspaceID", "userID", "starter"]

    /// Each field of a recorded JSON object as text: ids of known records and people as their
    /// names (lists of them too), states and kinds by their labels in the reader's language, roles
    /// by their names, nothing for an empty value. The stored event stays as it is (it is hashed).
    static func flatten(_ json: String, _ c: PageContext, _ names: [String: String], entity: String = "") -> [String: String]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return nil }
        return Dictionary(uniqueKeysWithValues: object.map { key, value -> (String, String) in
            (key, text(key, value, c, names, entity: entity))
        })
    }

    /// One member's value as written (`"A-1"`, `3`, `null`, `[…]`) as `text` describes it; plain
    /// strings, whole numbers, `null` and booleans without parsing.
    static func text(_ key: String, raw: Substring, _ c: PageContext, _ names: [String: String], entity: String) -> String {
        switch raw {
        case "null": return "—"
        case "true", "false": return c.t("audit.\(raw)")
        default: break
        }
        // A whole number is written as it is stored (parsing and writing it again gave the same).
        if raw.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") || $0 == UInt8(ascii: "-") }), raw.utf8.last != UInt8(ascii: "-") {
            return String(raw)
        }
        if raw.utf8.first == UInt8(ascii: "\""), raw.utf8.count >= 2, !raw.utf8.contains(UInt8(ascii: "\\")) {
            return text(key, String(raw.dropFirst().dropLast()), c, names, entity: entity)
        }
        guard let value = try? JSONSerialization.jsonObject(with: Data(raw.utf8), options: .fragmentsAllowed) else { return String(raw) }
        return text(key, value, c, names, entity: entity)
    }

    static func text(_ key: String, _ value: Any, _ c: PageContext, _ names: [String: String], entity: String) -> String {
            if value is NSNull { return "—" }
            if let id = value as? String, let name = names[id.lowercased()] { return name }
            if let text = value as? String, let prefix = valueKeys["\(entity).\(key)"], c.localizer.has("\(prefix).\(text)") {
                return c.t("\(prefix).\(text)")
            }
            if let text = value as? String, let prefix = valuePrefixes[entity], c.localizer.has("\(prefix).\(key).\(text)") {
                return c.t("\(prefix).\(key).\(text)")
            }
            if let text = value as? String { return text }
            if let list = value as? [Any], list.isEmpty { return "—" }
            if let dictionary = value as? [String: Any], dictionary.isEmpty { return "—" }
            if let ids = value as? [String], !ids.isEmpty, ids.allSatisfy({ names[$0.lowercased()] != nil }) {
                return ids.map { names[$0.lowercased()]! }.joined(separator: "、")
            }
            if let grants = value as? [[String: Any]], grants.allSatisfy({ $0["role"] is String }) {
                return grants.map { grant -> String in
                    var text = (grant["role"] as? String).flatMap(Role.init(rawValue:)).map { c.localizer.role($0, c.language) } ?? "?"
                    if let department = (grant["departmentID"] as? String).flatMap({ names[$0] }) { text += "（\(department)）" }
                    if let expiry = grant["expiresOn"] as? String { text += " " + c.t("member.until", ["date": expiry]) }
                    return text
                }.joined(separator: "、")
            }
            if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]),
               let text = String(data: data, encoding: .utf8) {
                if text == "true" || text == "false" { return c.t("audit.\(text)") }
                return text.hasPrefix("\"") && text.hasSuffix("\"") ? String(text.dropFirst().dropLast()) : text
            }
            return "\(value)"
    }
}
