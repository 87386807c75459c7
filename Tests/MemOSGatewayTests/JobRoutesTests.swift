import Foundation
import HTTPTypes
import Testing

@testable import MemOSTestSupport

@Suite("Job routes over HTTP")
struct JobRoutesTests {
    @Test("an async add's job can be read, waited for and cancelled by members only")
    func jobs() async throws {
        try await TestStack.run { stack in
            let added = try await stack.http(
                .post,
                "/v1/messages",
                key: stack.alice.key,
                body:
                    #"{"cube_id": "alice-cube", "async": true, "messages": [{"role": "user", "content": "I moved to Lisbon"}]}"#
            )
            #expect(added.status == .ok)
            let jobID = try #require(added.json["job_id"] as? String)

            let waited = try await stack.http(
                .post,
                "/v1/cubes/alice-cube/jobs/wait?timeout_ms=60000",
                key: stack.alice.key
            )
            #expect(waited.status == .ok)
            #expect(waited.json["idle"] as? Bool == true)
            let job = try await stack.http(.get, "/v1/cubes/alice-cube/jobs/\(jobID)", key: stack.alice.key)
            #expect(job.json["status"] as? String == "COMPLETED")
            // Cancelling a finished job leaves it as it is.
            let cancelled = try await stack.http(
                .post,
                "/v1/cubes/alice-cube/jobs/\(jobID)/cancel",
                key: stack.alice.key
            )
            #expect(cancelled.status == .ok)
            #expect(cancelled.json["status"] as? String == "COMPLETED")

            #expect(
                try await stack.http(.post, "/v1/cubes/alice-cube/jobs/wait", key: stack.bob.key).status == .forbidden
            )
            #expect(
                try await stack.http(.post, "/v1/cubes/alice-cube/jobs/\(jobID)/cancel", key: stack.bob.key).status
                    == .forbidden
            )
            #expect(
                try await stack.http(
                    .put,
                    "/v1/cubes/alice-cube/members/bob",
                    key: stack.alice.key,
                    body: #"{"role": "reader"}"#
                ).status == .ok
            )
            #expect(
                try await stack.http(.post, "/v1/cubes/alice-cube/jobs/wait?timeout_ms=10", key: stack.bob.key).status
                    == .ok
            )
            #expect(
                try await stack.http(.post, "/v1/cubes/alice-cube/jobs/\(jobID)/cancel", key: stack.bob.key).status
                    == .forbidden
            )
            #expect(
                try await stack.http(.post, "/v1/cubes/alice-cube/jobs/\(UUID())/cancel", key: stack.alice.key).status
                    == .notFound
            )
            #expect(
                try await stack.http(.post, "/v1/cubes/alice-cube/jobs/wait?timeout_ms=soon", key: stack.alice.key)
                    .status == .badRequest
            )
        }
    }
}
