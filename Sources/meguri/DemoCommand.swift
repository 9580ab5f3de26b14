import ArgumentParser
import Domain
import Features
import Foundation
import Web

extension DemoScale: ExpressibleByArgument {}

struct DemoCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Demo data.", subcommands: [Seed.self, Statement.self])

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a workspace filled with realistic, deterministic demo data.",
            discussion: "small: a 30-person company to try Meguri; medium: 500 people; enterprise: 5,000 people and 1,000,000 audit events (for benchmarks). Every demo person's password is \(Demo.password).")
        @OptionGroup var common: CommonOptions
        @Option(help: "Slug of the new workspace") var workspace: String
        @Option(help: "small, medium or enterprise") var scale: DemoScale = .small
        @Option(help: "Seed of the generator (the same seed gives the same data)") var seed: UInt64 = 1

        func run() async throws {
            try await withMeguri(common) { meguri in
                let started = Date()
                let report = try await Demo(meguri.services).seed(slug: workspace, scale: scale, seed: seed, context: operatorContext()) { line in
                    printOut("  \(line)")
                }
                printDemoReport(report, baseURL: meguri.configuration.baseURL)
                printOut(String(format: "Seeded in %.1f s.", Date().timeIntervalSince(started)))
            }
        }
    }
}

extension DemoCommands {
    struct Statement: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the demo Statement of Applicability (own controls, decisions, evidence, an approved version), objectives, internal audits, nonconformities, management reviews and documents to a demo workspace that lacks them.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Slug of the demo workspace") var workspace: String
        @Option(help: "small, medium or enterprise") var scale: DemoScale = .small

        func run() async throws {
            try await withMeguri(common) { meguri in
                let added = try await Demo(meguri.services).addStatement(slug: workspace, scale: scale) { printOut("  \($0)") }
                printOut(added ? "Demo records added to \(workspace)." : "\(workspace) already has a statement, objectives, audits and documents; nothing changed.")
            }
        }
    }
}

func printDemoReport(_ report: Demo.Report, baseURL: String) {
    printOut("Demo workspace \(report.workspace.slug): \(report.members) members, \(report.departments) departments, \(report.auditEvents) audit events.")
    printOut("Open \(baseURL)/w/\(report.workspace.slug) and sign in as one of these (password: \(Demo.password)):")
    for account in report.accounts {
        printOut("  \(account.email.padding(toLength: 36, withPad: " ", startingAt: 0)) \(account.role.rawValue)")
    }
}
