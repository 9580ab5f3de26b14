import Domain
import Foundation
import Storage

/// Reading: what each person has to read, and who in a document's audience has read it (7.3).
extension Documents {
    /// The documents in force published to the caller, with whether they have read each.
    public func reading(_ access: WorkspaceAccess, unreadOnly: Bool = false) async throws -> [ReadingItem] {
        try await services.store.read { db in
            guard let member = try await db.members.load(user: access.user.id, in: access.workspaceID) else { return [] }
            let published = try await db.documents.entries.all(in: access.workspaceID, [.equal(\.isPublished, true)])
                .filter { $0.audience?.includes(member, on: access.today) == true }
            guard !published.isEmpty else { return [] }
            let mine = try await db.documents.acknowledgements.all(of: access.user.id, in: access.workspaceID)
            let items = published.map { document -> ReadingItem in
                let ack = mine.filter { DocumentRules.counts($0, for: document) && $0.documentID == document.id }.map(\.acknowledgedAt).max()
                return ReadingItem(document: document, acknowledgedAt: ack)
            }
            return unreadOnly ? items.filter { $0.acknowledgedAt == nil } : items
        }
    }

    /// Who in the audience of the version in force has and has not acknowledged it, and per department.
    public func completion(_ access: WorkspaceAccess, _ id: ControlledDocument.ID) async throws -> Completion {
        // Judging every member against the audience and their acknowledgements takes 200 ms on
        // 5,000 readers: kept until this process's next write or 30 s (ADR 0018).
        try await services.documentCompletions.value(try completionKey(access, id), services: services) {
            try await compileCompletion(access, id)
        }
    }

    /// What the completion is kept under (the same for every reader allowed to see it), for a
    /// cache of what is made from it.
    public func completionKey(_ access: WorkspaceAccess, _ id: ControlledDocument.ID) throws -> String {
        try access.require(.documentsRead)
        return "\(access.workspaceID)|\(id)|\(access.today)"
    }

    private func compileCompletion(_ access: WorkspaceAccess, _ id: ControlledDocument.ID) async throws -> Completion {
        try await services.store.read { db in
            guard let document = try await db.documents.entries.load(id, in: access.workspaceID) else { throw DomainError.notFound(entity: "document") }
            guard let audience = document.audience, let major = document.publishedMajor, document.isPublished else {
                return Completion(document: document, readers: [], departments: [])
            }
            let members = try await db.members.all(in: access.workspaceID).filter { audience.includes($0, on: access.today) }
            var latest: [User.ID: Acknowledgement] = [:]
            for ack in try await db.documents.acknowledgements.all(document: id, major: major, in: access.workspaceID) where latest[ack.userID] == nil {
                latest[ack.userID] = ack
            }
            let readers = members.map { Completion.Reader(member: $0, acknowledgement: latest[$0.userID]) }
            let departments = try await db.departments.all(in: access.workspaceID)
            let grouped = Dictionary(grouping: readers) { $0.member.homeDepartmentID }
            let lines = (departments.map(Optional.some) + [nil]).compactMap { department -> Completion.DepartmentLine? in
                guard let group = grouped[department?.id], !group.isEmpty else { return nil }
                return Completion.DepartmentLine(department: department, done: group.filter { $0.acknowledgement != nil }.count, total: group.count)
            }
            return Completion(document: document, readers: readers, departments: lines)
        }
    }
}
