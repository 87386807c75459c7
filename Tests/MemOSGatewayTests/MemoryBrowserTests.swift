import Foundation
import HTTPTypes
import Testing

@testable import MemOSTestSupport

/// The memory browser at /ui: served with a strict content security policy, and calling only the public /v1 API.
@Suite("The memory browser at /ui")
struct MemoryBrowserTests {
    @Test("the page, script and style are served with their types and a strict policy, without a key")
    func served() async throws {
        try await TestStack.run { stack in
            for (path, type) in [("/ui", "text/html"), ("/ui/app.js", "text/javascript"), ("/ui/app.css", "text/css")] {
                let answer = try await stack.http(.get, path, key: nil)
                #expect(answer.status == .ok, "\(path)")
                #expect(answer.headers[.contentType]?.hasPrefix(type) == true, "\(path)")
                #expect(answer.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                #expect(answer.headers[HTTPField.Name("X-Content-Type-Options") ?? .accept] == "nosniff")
            }
            let page = try await stack.http(.get, "/ui", key: nil).body
            // Every control has a label, for screen readers; the key field is a password field.
            for id in ["key", "cube", "query", "relativity", "status"] {
                #expect(page.contains("<label for=\"\(id)\">"), "\(id)")
            }
            #expect(page.contains("id=\"key\" type=\"password\""))
            #expect(page.contains("name=\"viewport\""))
        }
    }

    @Test("the script calls only /v1 routes that exist, keeps the key in session storage, and never writes HTML")
    func script() async throws {
        try await TestStack.run { stack in
            let script = try await stack.http(.get, "/ui/app.js", key: nil).body
            let regex = try NSRegularExpression(pattern: #"api\("(GET|POST|PUT|DELETE)", "([^"?]+)"#)
            let calls = regex.matches(in: script, range: NSRange(script.startIndex..., in: script)).compactMap {
                Range($0.range(at: 2), in: script).map { String(script[$0]) }
            }
            #expect(calls.count >= 5)
            let documented = try await OpenAPITests.documentedRoutes(stack).map(\.path)
            for call in calls {
                #expect(call.hasPrefix("/v1/"), "\(call)")
                // Paths the script builds end before the variable part; each must begin a documented route.
                #expect(documented.contains { $0.hasPrefix(call) }, "\(call) begins no documented route")
            }
            #expect(script.contains("sessionStorage") && !script.contains("localStorage"))
            #expect(!script.contains("innerHTML") && !script.contains("eval("))
        }
    }
}
