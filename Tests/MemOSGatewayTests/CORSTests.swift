import Foundation
import HTTPTypes
import MemOSGateway
import Testing

@testable import MemOSTestSupport

/// Browsers on other origins: only the configured ones get CORS headers; preflights are answered for every route.
@Suite("CORS on the gateway")
struct CORSTests {
    static let app = "https://app.example.com"

    static func preflight(
        _ stack: TestStack,
        origin: String,
        path: String = "/v1/search"
    ) async throws
        -> TestStack.HTTPResult
    {
        try await stack.http(
            .options,
            path,
            key: nil,
            headers: [
                .origin: origin, .accessControlRequestMethod: "POST",
                .accessControlRequestHeaders: "authorization, content-type",
            ]
        )
    }

    @Test("an allowed origin gets the headers on answers and preflights; another origin gets none")
    func allowedAndRefused() async throws {
        try await TestStack.run(gateway: .init(corsOrigins: .list([Self.app, "http://localhost:5173"]))) { stack in
            let allowed = try await stack.http(.get, "/v1/cubes", key: stack.alice.key, headers: [.origin: Self.app])
            #expect(allowed.status == .ok)
            #expect(allowed.headers[.accessControlAllowOrigin] == Self.app)
            #expect(allowed.headers[.accessControlExposeHeaders]?.contains("X-Request-Id") == true)
            // Errors carry the headers too, or the page could not read why it failed.
            let refusedKey = try await stack.http(.get, "/v1/cubes", key: "mk_wrong", headers: [.origin: Self.app])
            #expect(refusedKey.status == .unauthorized)
            #expect(refusedKey.headers[.accessControlAllowOrigin] == Self.app)

            for path in ["/v1/search", "/v1/cubes/alice-cube/memories", "/product/search"] {
                let preflight = try await Self.preflight(stack, origin: Self.app, path: path)
                #expect(preflight.status == .noContent, "\(path)")
                #expect(preflight.headers[.accessControlAllowOrigin] == Self.app)
                #expect(preflight.headers[.accessControlAllowHeaders]?.lowercased().contains("authorization") == true)
                #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
                #expect(preflight.headers[.accessControlAllowCredentials] == nil)
            }

            let stranger = "https://evil.example.net"
            let other = try await stack.http(.get, "/v1/cubes", key: stack.alice.key, headers: [.origin: stranger])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            let otherPreflight = try await Self.preflight(stack, origin: stranger)
            #expect(otherPreflight.headers[.accessControlAllowOrigin] == nil)
            #expect(otherPreflight.status != .noContent)
        }
    }

    @Test("`*` allows any origin without credentials; by default no origin gets a header")
    func anyAndNone() async throws {
        try await TestStack.run(gateway: .init(corsOrigins: .any)) { stack in
            let answer = try await stack.http(.get, "/healthz", key: nil, headers: [.origin: "https://anywhere.test"])
            #expect(answer.headers[.accessControlAllowOrigin] == "*")
            let preflight = try await Self.preflight(stack, origin: "https://anywhere.test")
            #expect(preflight.status == .noContent && preflight.headers[.accessControlAllowOrigin] == "*")
        }
        try await TestStack.run { stack in
            let answer = try await stack.http(.get, "/healthz", key: nil, headers: [.origin: Self.app])
            #expect(answer.headers[.accessControlAllowOrigin] == nil)
            #expect(try await Self.preflight(stack, origin: Self.app).headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("MEMOS_CORS_ORIGINS: empty for none, * for any, else http(s) origins separated by commas")
    func setting() {
        #expect(Gateway.CORSOrigins(setting: "") == Gateway.CORSOrigins.none)
        #expect(Gateway.CORSOrigins(setting: "*") == .any)
        #expect(
            Gateway.CORSOrigins(setting: "https://a.example, http://localhost:5173")
                == .list(["https://a.example", "http://localhost:5173"])
        )
        for bad in ["a.example", "https://a.example/path", "ftp://a.example", "https://"] {
            #expect(Gateway.CORSOrigins(setting: bad) == nil, "\(bad)")
        }
    }
}
