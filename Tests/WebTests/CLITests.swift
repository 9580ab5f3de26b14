import Foundation
import Testing
import TestSupport

/// The operator commands, run as a person would: the built `meguri` binary on a scratch database.
@Suite(.serialized) struct CommandLine_ {
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("meguri")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return Localization.packageRoot.appendingPathComponent(".build/debug/meguri")
    }

    struct Run {
        var status: Int32
        var output: String
        var error: String
        var lastLine: String { output.split(separator: "\n").last.map(String.init) ?? "" }
    }

    /// `environment`: more settings (by default the operator speaks English: `MEGURI_LANG=en`).
    static func run(_ arguments: [String], database: String, stdin: String? = nil, environment extra: [String: String] = ["MEGURI_LANG": "en"]) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "MEGURI_LANG")
        environment.merge(extra) { $1 }
        environment["MEGURI_DATABASE_URL"] = database
        environment["MEGURI_BCRYPT_COST"] = "4"
        environment.removeValue(forKey: "MEGURI_ADMIN_EMAIL")
        environment.removeValue(forKey: "MEGURI_ADMIN_PASSWORD")
        process.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return Run(status: process.terminationStatus,
                   output: String(data: out.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8) ?? "",
                   error: String(data: err.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8) ?? "")
    }

    @Test func anOperatorSetsUpAWorkspaceAndATokenThenVerifiesTheTrail() throws {
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("meguri-cli-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) } }

        let help = try Self.run(["--help"], database: database)
        #expect(help.status == 0 && help.output.contains("member"))
        #expect(try Self.run(["migrate"], database: database).status == 0)

        let user = try Self.run(["user", "create", "--email", "ops@example.co.jp", "--name", "運用 太郎", "--password-stdin", "--admin"], database: database,
                                stdin: "correct horse battery staple\n")
        #expect(user.status == 0, "\(user.error)")
        let weak = try Self.run(["user", "create", "--email", "weak@example.co.jp", "--name", "x", "--password-stdin"], database: database, stdin: "short\n")
        #expect(weak.status != 0)
        #expect(weak.error.hasPrefix("meguri: ") && weak.error.contains("at least 12") && weak.error.split(separator: "\n").count == 1)

        #expect(try Self.run(["workspace", "create", "--name", "サンプル ISMS", "--slug", "sample"], database: database).status == 0)
        let duplicate = try Self.run(["workspace", "create", "--name", "x", "--slug", "sample"], database: database)
        #expect(duplicate.status != 0 && duplicate.error.contains("already used"))

        let member = try Self.run(["member", "add", "--workspace", "sample", "--email", "hanako@example.co.jp", "--name", "花子", "--role", "secretariat,従業員"],
                                  database: database)
        #expect(member.status == 0, "\(member.error)")
        #expect(member.output.contains("/invitation/"))
        let badRole = try Self.run(["member", "add", "--workspace", "sample", "--email", "x@example.co.jp", "--name", "x", "--role", "king"], database: database)
        #expect(badRole.status != 0 && badRole.error.contains("king"))

        let token = try Self.run(["token", "create", "--email", "ops@example.co.jp", "--name", "ci", "--workspace", "sample"], database: database)
        #expect(token.status == 0)
        #expect(token.lastLine.hasPrefix("mgr_") && !token.lastLine.contains(" "))

        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("departments-\(UUID().uuidString).csv")
        try "部門名,部門コード\n営業部,S\n総務部,G\n".write(to: csv, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: csv) }
        let imported = try Self.run(["import", "departments", csv.path, "--workspace", "sample"], database: database)
        #expect(imported.status == 0 && imported.output.contains("2 new"))
        let exported = try Self.run(["export", "departments", "--workspace", "sample", "--lang", "en"], database: database)
        #expect(exported.output.contains("name,code,description") && exported.output.contains("営業部,S"))

        let verified = try Self.run(["audit", "verify"], database: database)
        #expect(verified.status == 0 && verified.output.contains("ok      chain installation"))

        let tamper = try Self.run(["audit", "verify", "--workspace", "nope"], database: database)
        #expect(tamper.status != 0 && tamper.error.contains("workspace not found"))
    }

    @Test func anOperatorMovesTheRegistersInFromSpreadsheets() throws {
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("meguri-cli-\(UUID().uuidString).sqlite").path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meguri-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
            try? FileManager.default.removeItem(at: folder)
        }
        #expect(try Self.run(["workspace", "create", "--name", "サンプル ISMS", "--slug", "sample"], database: database).status == 0)

        // Assets: a row with a mistake stops the whole file and names the row; nothing is written.
        let assets = folder.appendingPathComponent("assets.csv")
        try "管理番号,資産名,種別,機密性,完全性,可用性\nA-001,顧客台帳,情報,3,2,2\nA-002,基幹システム,ソフトウェア,9,3,3\n".write(to: assets, atomically: true, encoding: .utf8)
        let refused = try Self.run(["import", "assets", assets.path, "--workspace", "sample"], database: database)
        #expect(refused.status != 0 && refused.error.contains("D3, 機密性: "), "\(refused.error)")
        try "管理番号,資産名,種別,機密性,完全性,可用性\nA-001,顧客台帳,情報,3,2,2\nA-002,基幹システム,ソフトウェア,2,3,3\n".write(to: assets, atomically: true, encoding: .utf8)
        let dry = try Self.run(["import", "assets", assets.path, "--workspace", "sample", "--dry-run"], database: database)
        #expect(dry.status == 0 && dry.output.contains("Would import 2 rows: 2 new"), "\(dry.output) \(dry.error)")
        // Under a Japanese locale the operator is answered in Japanese, every problem on a line of
        // its own with the file's column; the same problem on several rows is one line.
        try "管理番号,資産名,種別,機密性,完全性,可用性\nA-001,顧客台帳,宝物,3,2,2\nA-002,基幹システム,宝物,2,3,3\nA-003,鍵,宝物,1,1,1\n".write(to: assets, atomically: true, encoding: .utf8)
        let japanese = try Self.run(["import", "assets", assets.path, "--workspace", "sample"], database: database,
                                    environment: ["LANG": "ja_JP.UTF-8", "LC_ALL": ""])
        #expect(japanese.status != 0 && japanese.error.contains("2–4行（C列）「種別」：") && japanese.error.split(separator: "\n").count == 1, "\(japanese.error)")
        try "管理番号,資産名,種別,機密性,完全性,可用性\nA-001,顧客台帳,情報,3,2,2\nA-002,基幹システム,ソフトウェア,2,3,3\n".write(to: assets, atomically: true, encoding: .utf8)
        let imported = try Self.run(["import", "assets", assets.path, "--workspace", "sample"], database: database)
        #expect(imported.status == 0 && imported.output.contains("Imported 2 rows: 2 new"), "\(imported.error)")
        let again = try Self.run(["import", "assets", assets.path, "--workspace", "sample"], database: database)
        #expect(again.output.contains("0 new, 0 changed"), "importing the same file twice changes nothing: \(again.output)")
        // Foreign headers: the mapping is printed; a given one (by header and letter) is used and remembered.
        try "番号,名称,CIA-C,CIA-I,CIA-A,メモ\nB-001,受注台帳,3,2,2,棚卸\n".write(to: assets, atomically: true, encoding: .utf8)
        let unmapped = try Self.run(["import", "assets", assets.path, "--workspace", "sample", "--dry-run"], database: database)
        #expect(unmapped.status != 0 && unmapped.error.contains("is missing"), "\(unmapped.error)")
        let mapped = try Self.run(["import", "assets", assets.path, "--workspace", "sample", "--map", "番号=code, C=機密性, D=integrity, E=availability, メモ=-"],
                                  database: database, environment: ["LANG": "ja_JP.UTF-8", "LC_ALL": ""])
        #expect(mapped.status == 0 && mapped.output.contains("列の対応：番号=code, 名称=name, CIA-C=confidentiality"), "\(mapped.output) \(mapped.error)")
        let remembered = try Self.run(["import", "assets", assets.path, "--workspace", "sample", "--dry-run"], database: database)
        #expect(remembered.status == 0 && remembered.output.contains("Would import 1 rows: 0 new"), "\(remembered.output) \(remembered.error)")

        let workbook = folder.appendingPathComponent("assets.xlsx")
        let exported = try Self.run(["export", "assets", "--workspace", "sample", "--format", "xlsx", "-o", workbook.path], database: database)
        #expect(exported.status == 0, "\(exported.error)")
        #expect(try Data(contentsOf: workbook).starts(with: [0x50, 0x4B, 0x03, 0x04]))
        // The exported workbook reads back as the same inventory.
        let roundTrip = try Self.run(["import", "assets", workbook.path, "--workspace", "sample", "--dry-run"], database: database)
        #expect(roundTrip.status == 0 && roundTrip.output.contains("0 new, 0 changed"), "\(roundTrip.output) \(roundTrip.error)")

        // Risks go into a draft assessment; without one the command says what to do.
        let risks = folder.appendingPathComponent("risks.csv")
        try "資産,脅威,ぜい弱性,脅威の大きさ,ぜい弱性の大きさ,リスク対応,管理策\nA-001,不正アクセス,アクセス権の見直し不足,2,3,低減,\"5.15, 5.18\"\n".write(to: risks, atomically: true, encoding: .utf8)
        let noAssessment = try Self.run(["import", "risks", risks.path, "--workspace", "sample"], database: database)
        #expect(noAssessment.status != 0 && noAssessment.error.contains("start one first"))
        let started = try Self.run(["assessment", "start", "--workspace", "sample", "--name", "2026年度"], database: database)
        #expect(started.status == 0 && started.output.contains("/risk-assessments/"), "\(started.error)")
        let riskImport = try Self.run(["import", "risks", risks.path, "--workspace", "sample"], database: database)
        #expect(riskImport.status == 0 && riskImport.output.contains("1 new"), "\(riskImport.output) \(riskImport.error)")
        let register = try Self.run(["export", "risks", "--workspace", "sample", "--assessment", "2026年度", "--lang", "en"], database: database)
        #expect(register.status == 0 && register.output.contains("R-001") && register.output.contains("5.15"), "\(register.output) \(register.error)")

        // Last year's SoA, written against the 2013 ids: mapped, with the review list printed.
        let soa2013 = folder.appendingPathComponent("soa2013.csv")
        try "管理策番号,適用,理由,実施状況\nA.9.4.2,適用,全システムでSSO,実施済み\nA.5.1.1,適用,方針あり,実施済み\n".write(to: soa2013, atomically: true, encoding: .utf8)
        let soaDry = try Self.run(["import", "soa", soa2013.path, "--workspace", "sample", "--dry-run"], database: database)
        #expect(soaDry.status == 0 && soaDry.output.contains("A.8.5 ← A.9.4.2") && soaDry.output.contains("review\t5.1\tSeveral 2013 controls"), "\(soaDry.output) \(soaDry.error)")
        #expect(soaDry.output.contains("12 entries would wait for a person's decision"), "\(soaDry.output)")
        #expect(try Self.run(["import", "soa", soa2013.path, "--workspace", "sample"], database: database).status == 0)
        let soaBook = folder.appendingPathComponent("soa.xlsx")
        let soaExport = try Self.run(["export", "soa", "--workspace", "sample", "--format", "xlsx", "--lang", "en", "-o", soaBook.path], database: database)
        let soaBytes = try Data(contentsOf: soaBook)
        #expect(soaExport.status == 0 && soaBytes.starts(with: [0x50, 0x4B, 0x03, 0x04]), "\(soaExport.error)")
        let soaCSV = try Self.run(["export", "soa", "--workspace", "sample"], database: database)
        #expect(soaCSV.output.contains("A.8.5,技術的管理策") && soaCSV.output.contains("全システムでSSO"), "\(soaCSV.output)")
        #expect(try Self.run(["export", "soa", "--workspace", "sample", "--version", "4"], database: database).status != 0)
        #expect(try Self.run(["audit", "verify"], database: database).status == 0)
    }

    @Test func invalidConfigurationStopsWithTheSettingsName() throws {
        let run = try Self.run(["migrate"], database: "mysql://somewhere/db")
        #expect(run.status != 0)
        #expect(run.error.contains("MEGURI_DATABASE_URL"))
        let port = try Self.run(["serve", "--port", "99999"], database: "sqlite::memory:")
        #expect(port.status != 0 && port.error.contains("--port"))
    }
}
