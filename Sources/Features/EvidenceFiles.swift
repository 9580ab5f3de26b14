import Domain
import Foundation
import Storage

/// What a person types about a piece of evidence. `nil` leaves a field unchanged.
public struct EvidenceInput: Sendable, Codable, Equatable {
    public var title: String?
    public var url: String?
    public var collectedOn: String?
    public var collectedByID: User.ID??
    public var validUntil: String?
    public var notes: String?
    /// `control:8.5`, `action:UUID`, `asset:UUID`, `risk:UUID`; replaces the links when given.
    public var links: [String]?

    public init(title: String? = nil, url: String? = nil, collectedOn: String? = nil, collectedByID: User.ID?? = nil, validUntil: String? = nil,
                notes: String? = nil, links: [String]? = nil) {
        self.title = title
        self.url = url
        self.collectedOn = collectedOn
        self.collectedByID = collectedByID
        self.validUntil = validUntil
        self.notes = notes
        self.links = links
    }
}

/// An uploaded file as it arrived.
public struct UploadedFile: Sendable {
    public var name: String
    public var data: Data
    public init(name: String, data: Data) {
        self.name = name
        self.data = data
    }
}

/// The evidence store: files kept in the database with their SHA-256 (checked again on every
/// download), or links; attached to SoA entries, treatment actions, assets and risks.
public struct EvidenceFiles: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public var maxBytes: Int { services.security.evidenceMaxBytes }

    public static func sha256(_ data: Data) -> String { EvidenceRules.sha256(data) }

    public func list(_ access: WorkspaceAccess, query: EvidenceQuery, page: PageRequest) async throws -> Page<Evidence> {
        try access.require(.evidenceRead)
        return try await services.store.read { try await $0.evidence.list(in: access.workspaceID, query: query, page: page) }
    }

    public func count(_ access: WorkspaceAccess, query: EvidenceQuery) async throws -> Int {
        try access.require(.evidenceRead)
        return try await services.store.read { try await $0.evidence.count(in: access.workspaceID, query: query) }
    }

    public func load(_ access: WorkspaceAccess, _ id: Evidence.ID) async throws -> Evidence {
        try access.require(.evidenceRead)
        guard let evidence = try await services.store.read({ try await $0.evidence.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "evidence")
        }
        return evidence
    }

    public func linked(_ access: WorkspaceAccess, to link: EvidenceLink) async throws -> [Evidence] {
        guard access.allows(.evidenceRead) else { return [] }
        return try await services.store.read { try await $0.evidence.linked(to: link, in: access.workspaceID) }
    }

    /// The file and its metadata; refuses a file whose bytes no longer match the recorded SHA-256.
    public func download(_ access: WorkspaceAccess, _ id: Evidence.ID) async throws -> (evidence: Evidence, data: Data) {
        let evidence = try await load(access, id)
        guard evidence.kind == .file, let data = try await services.store.read({ try await $0.evidence.content(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "evidence_file")
        }
        guard Self.sha256(data) == evidence.sha256 else { throw DomainError.rule(code: "error.evidenceHashMismatch") }
        return (evidence, data)
    }

    /// The filters of the list, as the page and API give them: `validity` expiring or expired,
    /// `control` an id or own code, `link` any `target:id`.
    public func query(_ access: WorkspaceAccess, search: String?, validity: String?, control: String?, link: String?) throws -> EvidenceQuery {
        var v = Validator()
        var query = EvidenceQuery(search: search)
        switch validity.flatMap(Text.nonBlank) {
        case nil: break
        case "expired": query.validBefore = access.today
        case "expiring": query.validFrom = access.today; query.validBefore = access.today.adding(days: EvidenceRules.expiringDays + 1)
        default: v.add("validity", "error.choice")
        }
        if let control = Text.nonBlank(control) {
            let bare = control.uppercased().hasPrefix("A.") ? String(control.dropFirst(2)) : control
            query.link = EvidenceLink(.control, services.catalog.control(bare) != nil ? bare : control)
        }
        if let link = Text.nonBlank(link) {
            if let parsed = EvidenceLink(parsing: link) { query.link = parsed } else { v.add("link", "error.format") }
        }
        try v.check()
        return query
    }

    /// Checks every link points at a record of this workspace; control ids are written bare (`8.5`).
    func links(_ raw: [String], workspace: Workspace.ID, tx: Writer, into v: inout Validator) async throws -> [EvidenceLink] {
        var links: [EvidenceLink] = []
        for text in raw {
            guard var link = EvidenceLink(parsing: Text.trimmed(text)) else { v.add("links", "error.evidenceLink", ["value": text]); continue }
            var found = false
            switch link.target {
            case .control:
                let bare = Risks.normalizeControl(link.id)
                if services.catalog.control(bare) != nil { link.id = bare; found = true } else if let own = try await tx.ownControls.load(code: link.id, in: workspace) {
                    link.id = own.code; found = true
                }
            // Record ids are kept in their canonical (lowercase) form, as the records' pages look them up.
            case .action:
                if let id = TreatmentAction.ID(link.id) { found = try await tx.actions.load(id, in: workspace) != nil; link.id = id.description }
            case .asset:
                if let id = Asset.ID(link.id) { found = try await tx.assets.load(id, in: workspace) != nil; link.id = id.description }
            case .risk:
                if let id = Risk.ID(link.id) { found = try await tx.risks.load(id, in: workspace) != nil; link.id = id.description }
            }
            if !found { v.add("links", "error.evidenceLink", ["value": text]) } else if !links.contains(link) { links.append(link) }
        }
        return links.sorted()
    }

    func apply(_ input: EvidenceInput, to evidence: inout Evidence, creating: Bool, workspace: Workspace.ID, tx: Writer, into v: inout Validator) async throws {
        if creating || input.title != nil { evidence.title = v.required(input.title, "title", maxLength: 200) }
        if evidence.kind == .link, creating || input.url != nil {
            let text = v.required(input.url, "url", maxLength: 1000)
            if !text.isEmpty, !WebAddress.isValid(text) { v.add("url", "error.url", ["value": text]) }
            evidence.url = text
        }
        if let raw = input.collectedOn {
            if let text = Text.nonBlank(raw) {
                if let date = CalendarDate(text) { evidence.collectedOn = date } else { v.add("collectedOn", "error.date") }
            } else if creating {
                v.add("collectedOn", "error.required")
            }
        }
        if let raw = input.validUntil {
            if let text = Text.nonBlank(raw) {
                if let date = CalendarDate(text) { evidence.validUntil = date } else { v.add("validUntil", "error.date") }
            } else {
                evidence.validUntil = nil
            }
        }
        if let until = evidence.validUntil, until < evidence.collectedOn { v.add("validUntil", "error.endBeforeStart", ["startField": "collectedOn"]) }
        if let notes = input.notes { evidence.notes = v.optional(notes, "notes", maxLength: 2000) }
        if let person = input.collectedByID {
            if let user = person, try await tx.lookups.member(user: user, in: workspace) == nil { v.add("collectedById", "error.notAMember") }
            evidence.collectedBy = person
        }
        if let raw = input.links { evidence.links = try await links(raw, workspace: workspace, tx: tx, into: &v) }
    }

    /// Adds a file (judged by its bytes: size, executables, HTML and SVG refused) or, without a
    /// file, a link. Nothing is stored when anything is wrong.
    public func create(_ access: WorkspaceAccess, _ input: EvidenceInput, file: UploadedFile?, context: Context) async throws -> Evidence {
        try access.require(.evidenceManage)
        var v = Validator()
        var content: Data? = nil
        var evidence = Evidence(workspaceID: access.workspaceID, title: "", kind: file == nil ? .link : .file, collectedOn: access.today,
                                collectedBy: access.user.id, createdBy: access.user.id, createdAt: services.now, updatedAt: services.now)
        if let file {
            if let refusal = EvidenceRules.check(file.data, maxBytes: maxBytes) {
                v.add("file", "error.file.\(refusal.rawValue)", ["max": String(maxBytes / (1024 * 1024))])
            } else {
                let name = EvidenceRules.cleanFileName(file.name)
                evidence.fileName = name
                evidence.size = file.data.count
                evidence.sha256 = Self.sha256(file.data)
                evidence.contentType = EvidenceRules.contentType(of: file.data, fileName: name)
                content = file.data
            }
        }
        var typed = input
        if typed.title.flatMap(Text.nonBlank) == nil, let name = evidence.fileName { typed.title = name }
        let now = services.now
        let workspace = access.workspaceID
        let checked = v
        let blob = content
        let draft = evidence
        let given = typed
        return try await services.store.write { tx in
            var v = checked
            var record = draft
            try await apply(given, to: &record, creating: true, workspace: workspace, tx: tx, into: &v)
            try v.check()
            try await tx.evidence.insert(record, content: blob)
            try await tx.record(.change("evidence", id: record.id.description, action: "create", workspace: workspace, before: nil as Evidence?, after: record),
                                context, at: now)
            return record
        }
    }

    /// The secretariat changes any evidence; others the evidence they added.
    func mayChange(_ access: WorkspaceAccess, _ evidence: Evidence) -> Bool {
        access.allows(.soaManage) || (access.allows(.evidenceManage) && evidence.createdBy == access.user.id)
    }

    public func update(_ access: WorkspaceAccess, _ id: Evidence.ID, _ input: EvidenceInput, expectedVersion: Int?, context: Context) async throws -> Evidence {
        try access.require(.evidenceManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.evidence.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "evidence") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "evidence", currentVersion: before.version) }
            guard mayChange(access, before) else { throw DomainError.forbiddenBecause("error.notYourEvidence") }
            var after = before
            var v = Validator()
            try await apply(input, to: &after, creating: false, workspace: workspace, tx: tx, into: &v)
            try v.check()
            var comparable = after
            comparable.updatedAt = before.updatedAt
            guard comparable != before else { return before }
            after.updatedAt = now
            let saved = try await tx.evidence.update(after)
            try await tx.record(.change("evidence", id: id.description, action: "update", workspace: workspace, before: before, after: saved), context, at: now)
            return saved
        }
    }

    /// Adds one link to existing evidence (from a SoA entry, action, asset or risk page).
    public func link(_ access: WorkspaceAccess, _ id: Evidence.ID, to target: String, context: Context) async throws -> Evidence {
        let current = try await load(access, id)
        return try await update(access, id, EvidenceInput(links: current.links.map(\.text) + [target]), expectedVersion: current.version, context: context)
    }

    public func delete(_ access: WorkspaceAccess, _ id: Evidence.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.evidenceManage)
        let now = services.now
        let workspace = access.workspaceID
        try await services.store.write { tx in
            guard let before = try await tx.evidence.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "evidence") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "evidence", currentVersion: before.version) }
            guard mayChange(access, before) else { throw DomainError.forbiddenBecause("error.notYourEvidence") }
            try await tx.evidence.delete(id, in: workspace)
            try await tx.record(.change("evidence", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as Evidence?), context, at: now)
        }
    }
}

/// What a person types about an own control.
public struct OwnControlInput: Sendable, Codable, Equatable {
    public var code: String?
    public var titleJa: String?
    public var titleEn: String?
    public var description: String?

    public init(code: String? = nil, titleJa: String? = nil, titleEn: String? = nil, description: String? = nil) {
        self.code = code
        self.titleJa = titleJa
        self.titleEn = titleEn
        self.description = description
    }
}

/// Controls the workspace adds beside Annex A; the secretariat keeps them.
public struct OwnControls: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(_ access: WorkspaceAccess) async throws -> [OwnControl] {
        try access.require(.soaRead)
        return try await services.store.read { try await $0.ownControls.all(in: access.workspaceID) }
    }

    public func load(_ access: WorkspaceAccess, _ id: OwnControl.ID) async throws -> OwnControl {
        try access.require(.soaRead)
        guard let control = try await services.store.read({ try await $0.ownControls.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "own_control")
        }
        return control
    }

    func apply(_ input: OwnControlInput, to control: inout OwnControl, creating: Bool, tx: Writer) async throws {
        var v = Validator()
        if creating || input.code != nil {
            let code = Text.halfWidth(v.required(input.code, "code", maxLength: 20))
            if !code.isEmpty && !OwnControl.validCode(code) { v.add("code", "error.ownControlCode") }
            if OwnControl.validCode(code), code.uppercased() != control.code.uppercased(),
               try await tx.ownControls.load(code: code, in: control.workspaceID) != nil { v.add("code", "error.codeTaken", ["value": code]) }
            control.code = code
        }
        if creating || input.titleJa != nil { control.titleJa = v.required(input.titleJa, "titleJa", maxLength: 200) }
        if creating || input.titleEn != nil { control.titleEn = v.required(input.titleEn, "titleEn", maxLength: 200) }
        if let text = input.description { control.description = v.optional(text, "description", maxLength: 4000) }
        try v.check()
    }

    public func create(_ access: WorkspaceAccess, _ input: OwnControlInput, context: Context) async throws -> OwnControl {
        try access.require(.soaManage)
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            var control = OwnControl(workspaceID: workspace, code: "", titleJa: "", titleEn: "", createdAt: now, updatedAt: now)
            try await apply(input, to: &control, creating: true, tx: tx)
            try await tx.ownControls.insert(control)
            try await tx.record(.change("own_control", id: control.id.description, action: "create", workspace: workspace, before: nil as OwnControl?, after: control),
                                context, at: now)
            return control
        }
    }

    /// Risks and treatment actions keep the code they name, so a named control keeps its code.
    static func refuseIfNamed(_ code: String, workspace: Workspace.ID, tx: Writer) async throws {
        let risks = try await tx.risks.countNaming(code, in: workspace)
        let actions = try await tx.soa.countActions(naming: code, in: workspace)
        if risks + actions > 0 { throw DomainError.rule(code: "error.ownControlNamed", params: ["risks": String(risks), "actions": String(actions)]) }
    }

    /// A renamed code carries its SoA entry and evidence links with it.
    public func update(_ access: WorkspaceAccess, _ id: OwnControl.ID, _ input: OwnControlInput, expectedVersion: Int?, context: Context) async throws -> OwnControl {
        try access.require(.soaManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.ownControls.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "own_control") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "own_control", currentVersion: before.version) }
            var after = before
            try await apply(input, to: &after, creating: false, tx: tx)
            var comparable = after
            comparable.updatedAt = before.updatedAt
            guard comparable != before else { return before }
            after.updatedAt = now
            if after.code != before.code { try await Self.refuseIfNamed(before.code, workspace: workspace, tx: tx) }
            let saved = try await tx.ownControls.update(after)
            if saved.code != before.code {
                if let entry = try await tx.soa.entry(before.code, in: workspace, forUpdate: true) {
                    try await tx.soa.deleteEntry(before.code, in: workspace)
                    var moved = entry
                    moved.controlID = saved.code
                    moved.version = 0
                    let stored = try await tx.soa.save(moved)
                    try await tx.record(.change("soa_entry", id: saved.code, action: "update", workspace: workspace, before: entry, after: stored), context, at: now)
                }
                let links = try await tx.evidence.retarget(EvidenceLink(.control, before.code), to: EvidenceLink(.control, saved.code), in: workspace)
                if links > 0 {
                    try await tx.record(.change("evidence", id: "control:\(before.code)", action: "update", workspace: workspace,
                                                before: ["control": before.code], after: ["control": saved.code, "links": String(links)]), context, at: now)
                }
            }
            try await tx.record(.change("own_control", id: id.description, action: "update", workspace: workspace, before: before, after: saved), context, at: now)
            return saved
        }
    }

    /// Removes the control with its SoA entry and evidence links (approved versions keep their copy).
    public func delete(_ access: WorkspaceAccess, _ id: OwnControl.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.soaManage)
        let now = services.now
        let workspace = access.workspaceID
        try await services.store.write { tx in
            guard let before = try await tx.ownControls.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "own_control") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "own_control", currentVersion: before.version) }
            try await Self.refuseIfNamed(before.code, workspace: workspace, tx: tx)
            if let entry = try await tx.soa.entry(before.code, in: workspace, forUpdate: true) {
                try await tx.soa.deleteEntry(before.code, in: workspace)
                try await tx.record(.change("soa_entry", id: before.code, action: "delete", workspace: workspace, before: entry, after: nil as SoAEntry?), context, at: now)
            }
            try await tx.evidence.unlink(EvidenceLink(.control, before.code), in: workspace)
            try await tx.ownControls.delete(id, in: workspace)
            try await tx.record(.change("own_control", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as OwnControl?),
                                context, at: now)
        }
    }
}
