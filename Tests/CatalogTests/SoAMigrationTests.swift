import Catalog
import Domain
import Foundation
import Testing

/// A 2013 statement planned onto the 2022 catalog through the bundled correspondence table.
@Suite struct SoAMigrationPlan {
    let catalog: ReferenceCatalog

    init() throws { catalog = try CatalogLoader.loadBundled() }

    typealias Row = SoAMigration.Row

    @Test func oneToOneControlsCarryOverAndEverythingElseWaitsForAPerson() throws {
        let rows = [
            Row(number: 2, id: "A.5.1.1", decision: .applicable, justification: "方針を定めている", implementation: .implemented),
            Row(number: 3, id: "A.5.1.2", decision: .applicable, justification: "年1回見直す", implementation: .partial),
            Row(number: 4, id: "A.9.4.2", decision: .applicable, justification: "全システムでSSO", implementation: .implemented, ownerEmail: "it@example.co.jp"),
            Row(number: 5, id: "A.18.2.3", decision: .excluded, justification: "外部委託"),
            Row(number: 6, id: "A.9.1.1", decision: .applicable, justification: "アクセス制御方針"),
            Row(number: 7, id: "A.9.1.2", decision: .excluded, justification: "ネットワークは委託先"),
        ]
        let plan = try SoAMigration.plan(rows, catalog: catalog, ownCodes: [])
        let byID = Dictionary(uniqueKeysWithValues: plan.map { ($0.controlID, $0) })
        // A.9.4.2 → 8.5, one-to-one: decided, no review.
        #expect(byID["8.5"]?.review == nil && byID["8.5"]?.decision == .applicable && byID["8.5"]?.from2013 == ["A.9.4.2"])
        #expect(byID["8.5"]?.ownerEmail == "it@example.co.jp" && byID["8.5"]?.justification == "全システムでSSO")
        // A.5.1.1 + A.5.1.2 → 5.1: merged; texts kept with their origin; the least advanced status.
        #expect(byID["5.1"]?.review == .merged(["A.5.1.1", "A.5.1.2"]))
        #expect(byID["5.1"]?.justification == "[A.5.1.1] 方針を定めている\n[A.5.1.2] 年1回見直す")
        #expect(byID["5.1"]?.implementation == .partial && byID["5.1"]?.rows == [2, 3])
        // A.18.2.3 was split into 5.36 and 8.8.
        #expect(byID["5.36"]?.review == .split("A.18.2.3", into: ["5.36", "8.8"]) && byID["8.8"]?.review == .split("A.18.2.3", into: ["5.36", "8.8"]))
        // A.9.1.1 applicable and A.9.1.2 excluded both became 5.15: conflicting, proposed applicable.
        #expect(byID["5.15"]?.review == .conflicting(["A.9.1.1", "A.9.1.2"]) && byID["5.15"]?.decision == .applicable)
        // The 11 controls new in 2022 are proposed undecided.
        let new = plan.filter { $0.review == .new2022 }
        #expect(new.count == 11 && new.allSatisfy { $0.decision == .undecided })
        #expect(new.map(\.controlID).contains("5.7") && new.map(\.controlID).contains("8.28"))
        // Catalog order.
        #expect(plan.first?.controlID == "5.1")
    }

    @Test func aFileIn2022IdsMapsDirectlyAndOwnCodesAreKnown() throws {
        let rows = [Row(number: 2, id: "A.8.5", decision: .applicable, justification: "x", implementation: .planned),
                    Row(number: 3, id: "５.１５", decision: .excluded, justification: "y"),
                    Row(number: 4, id: "grp-01", decision: .applicable, justification: "z", implementation: .implemented)]
        let plan = try SoAMigration.plan(rows, catalog: catalog, ownCodes: ["GRP-01"])
        #expect(plan.map(\.controlID) == ["5.15", "8.5", "GRP-01"])
        #expect(plan.allSatisfy { $0.review == nil })
    }

    @Test func unknownAndRepeatedIdsAreRefusedNamingTheirRows() {
        let rows = [Row(number: 2, id: "A.99.1.1", decision: .applicable), Row(number: 3, id: "8.5", decision: .applicable),
                    Row(number: 4, id: "A.8.5", decision: .excluded), Row(number: 5, id: "XYZ", decision: .excluded)]
        #expect {
            try SoAMigration.plan(rows, catalog: catalog, ownCodes: [])
        } throws: { error in
            guard case DomainError.invalid(let errors) = error else { return false }
            return errors.map { "\($0.row ?? 0):\($0.code)" } == ["2:error.unknown2013Control", "4:error.duplicateControl", "5:error.unknownControl"]
        }
    }
}
