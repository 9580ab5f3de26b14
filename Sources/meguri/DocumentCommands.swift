import ArgumentParser
import Domain
import Features
import Foundation
import Web

/// `meguri documents …`: the document register from the terminal.
struct DocumentCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "documents", abstract: "The document register.", subcommands: [Starters.self])

    struct Starters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the starter documents (ISMS manual, policy, procedures, acceptable use) as drafts from the workspace's data.",
            discussion: "Only documents not yet in the register are written; nothing is published. Lists the set afterwards, with any document whose data changed.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Workspace slug") var workspace: String
        @Option(help: "Language of the drafts: ja or en (default ja)") var lang: String = "ja"
        @Option(help: "Only these, comma-separated: manual, policy, risk, documents, audit, corrective, incident, acceptableUse") var keys: String?

        func run() async throws {
            guard let language = Language(rawValue: lang) else { throw ValidationError("--lang must be ja or en") }
            try await withMeguri(common) { meguri in
                let access = try await Access.operatorAccess(slug: workspace, services: meguri.services)
                let starters = StarterDocuments(meguri.services)
                let wanted = keys.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
                let started = ContinuousClock.now
                let created = try await starters.generate(access, keys: wanted, language: language, context: operatorContext())
                let elapsed = started.duration(to: .now).components
                printOut("\(created.count) draft(s) written in \(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000) ms")
                for status in try await starters.statuses(access) {
                    let state = status.document.map { "\($0.code)\t\($0.status.rawValue)" + (status.changes.isEmpty ? "" : "\tdata changed: " + status.changes.map(\.name).joined(separator: ", ")) }
                    printOut("\(status.template.key)\t\(state ?? "not written")")
                }
            }
        }
    }
}
