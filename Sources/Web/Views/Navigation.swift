import Domain

/// The PDCA map of Meguri: every capability of PRODUCT.md under its phase. A capability with a
/// `path` is live; one without is shown on its phase page with what it will do, never as a dead link.
struct Capability {
    let key: String
    let clauses: String
    /// Path under `/w/{slug}` once the capability exists.
    let path: String?
    /// What opening `path` needs (the route's declared access); people without it do not see the link.
    var permission: Permission = .workspaceRead
}

struct Phase {
    let key: String
    let capabilities: [Capability]
}

enum Navigation {
    static let phases: [Phase] = [
        Phase(key: "plan", capabilities: [
            Capability(key: "context", clauses: "4.1–4.3, A.5.31", path: nil),
            Capability(key: "documents", clauses: "5.2, 7.5", path: "/documents"),
            Capability(key: "assets", clauses: "A.5.9, A.5.12", path: "/assets", permission: .assetsRead),
            Capability(key: "riskMethod", clauses: "6.1.2", path: "/risk-method", permission: .risksRead),
            Capability(key: "riskAssessment", clauses: "6.1.2, 8.2", path: "/risk-assessments", permission: .risksRead),
            Capability(key: "riskTreatment", clauses: "6.1.3, 8.3", path: "/treatment-plan", permission: .risksRead),
            Capability(key: "controls", clauses: "Annex A, 4–10", path: "/controls"),
            Capability(key: "soa", clauses: "6.1.3 d", path: "/soa", permission: .soaRead),
            Capability(key: "objectives", clauses: "6.2, 9.1", path: "/objectives"),
        ]),
        Phase(key: "do", capabilities: [
            Capability(key: "operations", clauses: "8.1", path: nil),
            Capability(key: "evidence", clauses: "7.5, 9.1", path: "/evidence", permission: .evidenceRead),
            Capability(key: "training", clauses: "7.2, 7.3, A.6.3", path: "/training"),
            Capability(key: "incidents", clauses: "A.5.24–5.28", path: nil),
            Capability(key: "vulnerabilities", clauses: "A.8.8", path: nil),
            Capability(key: "accessReviews", clauses: "A.5.15, A.5.18", path: nil),
            Capability(key: "suppliers", clauses: "A.5.19–5.22", path: nil),
        ]),
        Phase(key: "check", capabilities: [
            Capability(key: "monitoring", clauses: "9.1", path: nil),
            Capability(key: "internalAudit", clauses: "9.2", path: "/audit-programmes", permission: .auditsRead),
            Capability(key: "managementReview", clauses: "9.3", path: "/management-reviews", permission: .reviewsRead),
            Capability(key: "certificationAudits", clauses: "", path: nil),
        ]),
        Phase(key: "act", capabilities: [
            Capability(key: "nonconformities", clauses: "10.2", path: "/nonconformities", permission: .auditsRead),
            Capability(key: "improvement", clauses: "10.1", path: nil),
        ]),
    ]
}
