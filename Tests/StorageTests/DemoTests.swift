import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// `demo seed` into an installation that already has a demo workspace: the second one's people get
/// addresses of their own, and a seed that would collide is refused before anything is written.
@Suite struct DemoTests {
    @Test(arguments: TestEngine.available) func aSecondDemoWorkspaceWorksAndARefusedOneLeavesNothing(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let context = Context(actor: .cli(operator: "test"))
            let first = try await Demo(app.services).seed(slug: "demo", scale: .small, context: context)
            #expect(first.accounts.allSatisfy { $0.email.hasSuffix("@demo.example") })
            let second = try await Demo(app.services).seed(slug: "demo2", scale: .small, context: context)
            #expect(second.members == 30 && second.accounts.allSatisfy { $0.email.hasSuffix("@demo2.demo.example") })
            let secretary = try #require(try await app.services.store.read { try await $0.users.load(email: second.accounts[0].email) })
            #expect(try await app.access(secretary, "demo2").allows(.workspaceManage))

            // Someone already holds an address the third seed would give: refused, nothing written.
            _ = try await app.user("taro.sato@demo3.demo.example")
            let before = try await app.services.store.read { try await $0.workspaces.all().count }
            await #expect(throws: DomainError.self) { _ = try await Demo(app.services).seed(slug: "demo3", scale: .small, context: context) }
            #expect(try await app.services.store.read { try await $0.workspaces.all().count } == before)
            #expect(try await app.services.store.read { try await $0.workspaces.slugExists("demo3") } == false)
        }
    }
}
