import Domain
import Foundation
import Localization
import Storage

/// Hashes and checks passwords. The live one is bcrypt (in Web); the cost is a setting.
public protocol PasswordHashing: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, against hash: String) async throws -> Bool
    /// A hash of a random password at the configured cost, checked when an account does not exist
    /// so that response times do not reveal which e-mail addresses have accounts.
    var dummyHash: String { get }
}

/// The current time, passed in so tests can fix it.
public struct Clock: Sendable {
    public var now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }
    public static let system = Clock(now: { Date() })
}

/// Lifetimes and limits of the security features.
public struct SecuritySettings: Sendable {
    /// A session ends after this long without a request.
    public var sessionIdleLifetime: TimeInterval = 12 * 3600
    public var invitationLifetime: TimeInterval = 7 * 86_400
    public var passwordResetLifetime: TimeInterval = 24 * 3600
    public var setupLinkLifetime: TimeInterval = 7 * 86_400
    /// Failed sign-ins are counted over this window.
    public var failureWindow: TimeInterval = 15 * 60
    /// Failures an account may have in the window before it backs off.
    public var maxFailuresPerAccount = 5
    /// The first back-off past the limit; each further failure doubles it, up to the window.
    public var firstBackoff: TimeInterval = 30
    /// Failures one client address may have in the window, across accounts (credential stuffing).
    /// Behind a proxy the address is the client's (`MEGURI_TRUSTED_PROXIES`), not the proxy's.
    public var maxFailuresPerAddress = 50
    /// The largest evidence file accepted (`MEGURI_EVIDENCE_MAX_MB`, default 25 MB).
    public var evidenceMaxBytes = EvidenceRules.defaultMaxBytes

    public init() {}
}

/// Everything a use case needs from outside: the store, the clock, the password hasher, the
/// reference catalog, the message catalogs and the sources of "my work".
public struct AppServices: Sendable {
    public let store: Store
    public let clock: Clock
    public let passwords: any PasswordHashing
    public let catalog: ReferenceCatalog
    /// Our threat and vulnerability catalogs and ready risk methods, copied into each workspace.
    public let riskTemplates: RiskTemplates
    /// Our ready-made courses, copied into each workspace.
    public let courseTemplates: [CourseTemplate]
    /// Our starter documents, written from each workspace's data on request.
    public let starterTemplates: [StarterTemplate]
    public let localizer: Localizer
    public let security: SecuritySettings
    public let workItemSources: [any WorkItemSource]
    /// The annual plan's items of a window, for a few seconds.
    public let planCache = PlanCache()
    /// The starter set's state per workspace, for the register page (see `StarterDocuments.statuses`).
    public let starterCache = GenerationCache<[StarterStatus]>()
    /// What the risk assessment page counts over every risk of an assessment (heat maps, the
    /// difference from last year, the unaccepted risks), until the next write.
    public let assessmentFigures = GenerationCache<AssessmentFigure>()
    /// A planned management review's inputs compiled from the records, until the next write.
    public let reviewInputs = GenerationCache<ReviewInputs>()
    /// The statement's lines with their facts and warnings (risks, actions, evidence and documents
    /// counted per control), until the next write.
    public let soaLines = GenerationCache<[SoALine]>()
    /// The statement as it stands as the lines a version would freeze (owners' names, the risks
    /// named per control), for its print, export and comparison, until the next write.
    public let soaSnapshots = GenerationCache<[SoASnapshot]>()
    /// Campaigns with their totals and a campaign's completion report, each judged against the
    /// roster of every member and the course's attempts, until the next write.
    public let campaignSummaries = GenerationCache<[CampaignSummary]>()
    public let campaignReports = GenerationCache<CampaignReport>()
    /// Calendar feeds as iCalendar text, by token, until the next write.
    public let feedTexts = GenerationCache<String?>()
    /// A person's "my work", until the next write.
    public let workItems = GenerationCache<[WorkItem]>()
    /// Who in a document's audience has read the version in force, until the next write.
    public let documentCompletions = GenerationCache<Completion>()
    /// Whole-list API answers (a campaign's or a document's 5,000 readers) as the JSON written
    /// from the caches above, until the next write; a few, as each can be a megabyte.
    public let renderedJSON = GenerationCache<[UInt8]>(capacity: 16)
    /// Exported files written from the caches above (the SoA's workbook), until the next write.
    public let renderedFiles = GenerationCache<Data>(capacity: 16)
    /// E-mail settings, the address in links, the notification worker's rhythm.
    public let notifier: NotifierSettings

    public init(store: Store, clock: Clock = .system, passwords: any PasswordHashing, catalog: ReferenceCatalog, riskTemplates: RiskTemplates, localizer: Localizer,
                security: SecuritySettings = SecuritySettings(), workItemSources: [any WorkItemSource] = MyWork.foundationSources,
                courseTemplates: [CourseTemplate] = [], starterTemplates: [StarterTemplate] = [], notifier: NotifierSettings = NotifierSettings()) {
        self.courseTemplates = courseTemplates
        self.starterTemplates = starterTemplates
        self.notifier = notifier
        self.store = store
        self.clock = clock
        self.passwords = passwords
        self.catalog = catalog
        self.riskTemplates = riskTemplates
        self.localizer = localizer
        self.security = security
        self.workItemSources = workItemSources
    }

    public var now: Date { clock.now() }
}

/// Who is acting and under which request, carried into the audit trail.
public struct Context: Sendable {
    public var actor: Actor
    public var requestID: String?
    /// The language the person acts in (the page's), for what is written on their behalf to
    /// someone who has not chosen one yet (an invitation).
    public var language: Language?

    public init(actor: Actor, requestID: String? = nil, language: Language? = nil) {
        self.actor = actor
        self.requestID = requestID
        self.language = language
    }
}

extension Writer {
    /// Writes one audit event for the change, in this transaction.
    func record(_ entry: AuditEntry, _ context: Context, at date: Date) async throws {
        try await audit.append(entry, actor: context.actor, requestID: context.requestID, at: date)
    }
}

/// A dry run is a real run whose transaction is rolled back at the end, so it predicts the real
/// one exactly.
struct DryRunRollback<Report: Sendable>: Error {
    var report: Report
}
