import ArgumentParser
import Domain
import Features
import Foundation
import Storage
import Web

struct UserCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage the people of the installation.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a person who can sign in.",
                                                        discussion: "Without --password-stdin, an invitation link is printed for the person to choose a password.")
        @OptionGroup var common: CommonOptions
        @Option(help: "E-mail address (the sign-in name)") var email: String
        @Option(help: "Name shown to colleagues") var name: String
        @Flag(help: "Read the password from standard input (one line)") var passwordStdin = false
        @Flag(help: "Make the person an installation administrator") var admin = false

        func run() async throws {
            var password: String? = nil
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw fail(ValidationError("no password on standard input"))
                }
                password = line
            }
            try await withMeguri(common) { meguri in
                let created = try await Users(meguri.services).create(email: email, displayName: name, isAdministrator: admin, password: password,
                                                                      context: operatorContext())
                printOut("Created \(created.user.email)\(admin ? " (administrator)" : "").")
                if let secret = created.invitationSecret {
                    printOut("Invitation link (works once): \(meguri.configuration.baseURL)/invitation/\(secret)")
                }
            }
        }
    }
}

struct WorkspaceCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workspace", abstract: "Manage workspaces (one ISMS each).", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a workspace.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Name of the ISMS, e.g. \"Example Corp ISMS\"") var name: String
        @Option(help: "Short id used in addresses: a–z, 0–9, hyphens") var slug: String
        @Option(help: "Organization name") var organization: String?
        @Option(help: "Time zone (default Asia/Tokyo)") var timeZone: String?
        @Option(help: "First month of the fiscal year, 1–12 (default 4)") var fiscalYearStartMonth: Int?

        func run() async throws {
            try await withMeguri(common) { meguri in
                let workspace = try await Workspaces(meguri.services).createFromCLI(
                    WorkspaceInput(name: name, slug: slug, organizationName: organization, timeZone: timeZone,
                                   fiscalYearStartMonth: fiscalYearStartMonth.map(String.init)), context: operatorContext())
                printOut("Created workspace \(workspace.slug): \(meguri.configuration.baseURL)/w/\(workspace.slug)")
            }
        }
    }
}

struct MemberCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "member", abstract: "Manage the members of a workspace.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a person to a workspace with one or more roles.",
            discussion: "Roles: topManagement, committeeMember, secretariat, departmentOfficer, internalAuditor, employee, externalAuditor (or their Japanese names). Repeat --role or separate with commas.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Workspace slug") var workspace: String
        @Option(help: "E-mail address") var email: String
        @Option(help: "Name (needed when the person has no account yet)") var name: String?
        @Option(help: "A role; repeat for several") var role: [String]
        @Option(help: "Home department (name); also the department of a departmentOfficer") var department: String?
        @Option(help: "Last day of an externalAuditor's access, YYYY-MM-DD") var expires: String?

        func run() async throws {
            try await withMeguri(common) { meguri in
                let access = try await Access.operatorAccess(slug: workspace, services: meguri.services)
                var departmentID: String? = nil
                if let department {
                    guard let found = try await Departments(meguri.services).all(access).first(where: { $0.name.lowercased() == department.lowercased() }) else {
                        throw DomainError.invalid(field: "department", code: "error.unknownDepartmentName", params: ["value": department])
                    }
                    departmentID = found.id.description
                }
                let roles = role.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
                    .map { RawGrant(role: $0, departmentID: nil, expiresOn: expires) }
                let added = try await Members(meguri.services).add(access, email: email, displayName: name, homeDepartmentID: departmentID, roles: roles,
                                                                   context: operatorContext())
                printOut("Added \(added.member.email) to \(workspace).")
                if let secret = added.invitationSecret {
                    printOut("Invitation link (works once): \(meguri.configuration.baseURL)/invitation/\(secret)")
                }
            }
        }
    }
}

struct TokenCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token for a person; the token is printed once, alone on the last line.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The person's e-mail") var email: String
        @Option(help: "A name to recognise the token by") var name: String
        @Option(help: "Limit the token to one workspace (slug)") var workspace: String?

        func run() async throws {
            try await withMeguri(common) { meguri in
                guard let user = try await meguri.services.store.read({ try await $0.users.load(email: email) }) else {
                    throw DomainError.invalid(field: "email", code: "error.unknownUser", params: ["value": email])
                }
                let issued = try await Account(meguri.services).createToken(for: user, name: name, workspaceSlug: workspace, context: operatorContext())
                printOut("Created token \"\(issued.token.name)\" for \(user.email)\(workspace.map { " (workspace \($0))" } ?? ""). It is shown only now:")
                printOut(issued.secret)
            }
        }
    }
}

struct AuditCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Check the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the hash chains and name the first broken event of each chain.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Only this workspace (slug)") var workspace: String?

        func run() async throws {
            let broken = try await withMeguri(common) { meguri -> Int in
                let results = try await AuditTrail(meguri.services).verify(workspaceSlug: workspace)
                var broken = 0
                for result in results {
                    if let first = result.firstBroken {
                        broken += 1
                        printOut("BROKEN  chain \(result.chain): \(result.eventCount) events; first broken event \(first.id) (sequence \(first.sequence)): \(first.problem)")
                    } else {
                        printOut("ok      chain \(result.chain): \(result.eventCount) events")
                    }
                }
                return broken
            }
            if broken > 0 {
                FileHandle.standardError.write(Data("meguri: \(broken) audit chain(s) broken\n".utf8))
                throw ExitCode.failure
            }
        }
    }
}
