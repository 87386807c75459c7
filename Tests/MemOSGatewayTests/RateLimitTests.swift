import Foundation
import HTTPTypes
import MemOSGateway
import Testing

@testable import MemOSTestSupport

@Suite("Rate limit per API key")
struct RateLimitTests {
    @Test("past the burst a key gets 429 with Retry-After; other keys are unaffected; it recovers after the wait")
    func limitAndRecover() async throws {
        let clock = ManualClock()
        var configuration = Gateway.Configuration(rateLimit: .init(requestsPerSecond: 1, burst: 2))
        configuration.now = { clock.now() }
        try await TestStack.run(gateway: configuration) { stack in
            var limited: TestStack.HTTPResult?
            for _ in 0..<3 {
                let result = try await stack.http(.get, "/v1/cubes", key: stack.alice.key)
                if result.status == .tooManyRequests {
                    limited = result
                    break
                }
                #expect(result.status == .ok)
            }
            let refusal = try #require(limited)
            #expect((refusal.json["error"] as? [String: Any])?["code"] as? String == "rate_limited")
            let retryAfter = try #require(refusal.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter >= 1)
            #expect(refusal.headers[.requestID] != nil)

            #expect(try await stack.http(.get, "/v1/cubes", key: stack.bob.key).status == .ok)
            // Health checks need no key and are never limited.
            #expect(try await stack.http(.get, "/healthz", key: nil).status == .ok)

            clock.advance(by: .seconds(retryAfter))
            #expect(try await stack.http(.get, "/v1/cubes", key: stack.alice.key).status == .ok)
        }
    }
}
