import Domain
import Foundation
import Storage

/// What every workspace starts its risk work with: classification labels, our threat and
/// vulnerability catalogs, and a published risk method (asset value × threat × vulnerability).
/// Written when the workspace is created; workspaces made before this existed get it on first use.
public enum RiskSetup {
    static func seed(_ workspace: Workspace.ID, tx: Writer, services: AppServices, context: Context, now: Date) async throws {
        if try await tx.classifications.all(in: workspace).isEmpty {
            try await tx.classifications.replace(ClassificationLabel.defaults, in: workspace)
            try await tx.record(.change("classification_labels", id: workspace.description, action: "create", workspace: workspace,
                                        before: nil as [ClassificationLabel]?, after: ClassificationLabel.defaults), context, at: now)
        }
        if try await tx.catalogEntries.all(.threat, in: workspace).isEmpty {
            let entries = services.riskTemplates.entries(for: workspace)
            try await tx.catalogEntries.insert(entries)
            for entry in entries {
                try await tx.record(.change("catalog_entry", id: entry.id.description, action: "create", workspace: workspace,
                                            before: nil as CatalogEntry?, after: entry), context, at: now)
            }
        }
        if try await tx.riskMethods.all(in: workspace).isEmpty, let template = services.riskTemplates.method(RiskTemplates.defaultMethodKey) {
            var method = template.method(workspace: workspace, number: 1, now: now, language: context.language ?? .ja)
            method.status = .published
            method.publishedAt = now
            try await tx.riskMethods.insert(method)
            try await tx.record(.change("risk_method", id: method.id.description, action: "create", workspace: workspace,
                                        before: nil as RiskMethod?, after: method), context, at: now)
        }
    }

    /// Seeds the workspace when it has no risk method yet (workspaces created before risk registers existed).
    public static func ensure(_ access: WorkspaceAccess, services: AppServices, context: Context) async throws {
        let workspace = access.workspaceID
        guard try await services.store.read({ try await $0.riskMethods.all(in: workspace).isEmpty }) else { return }
        let now = services.now
        try await services.store.write { tx in
            try await seed(workspace, tx: tx, services: services, context: context, now: now)
        }
    }
}
