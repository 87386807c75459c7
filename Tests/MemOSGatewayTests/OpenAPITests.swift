import Foundation
import HTTPTypes
import Hummingbird
import MemOSGateway
import MemOSServer
import Testing

@testable import MemOSTestSupport

@Suite("OpenAPI document")
struct OpenAPITests {
    struct Route: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(self.method) \(self.path)" }
    }

    /// The routes of the document the gateway serves.
    static func documentedRoutes(_ stack: TestStack) async throws -> Set<Route> {
        let result = try await stack.http(.get, "/openapi.json", key: nil)
        #expect(result.status == .ok)
        #expect(result.json["openapi"] as? String == "3.1.0")
        let paths = try #require(result.json["paths"] as? [String: [String: Any]])
        return Set(
            paths.flatMap { path, operations in operations.keys.map { Route(method: $0.lowercased(), path: path) } }
        )
    }

    @Test("documents exactly the routes the router has, each with its responses")
    func matchesRouter() async throws {
        try await TestStack.run { stack in
            let documented = try await Self.documentedRoutes(stack)
            let gateway = ServerFactory.gateway(
                clients: stack.clients,
                configuration: .init(),
                logger: TestDatabase.logger
            )
            let served = gateway.makeRouter().routes.map {
                Route(method: $0.method.rawValue.lowercased(), path: $0.path.description)
            }
            #expect(served.count == Set(served).count)
            let missing = Set(served).subtracting(documented).sorted { $0.description < $1.description }
            let extra = documented.subtracting(served).sorted { $0.description < $1.description }
            #expect(missing.isEmpty, "routes the document lacks: \(missing)")
            #expect(extra.isEmpty, "documented routes the router lacks: \(extra)")
        }
    }
}
