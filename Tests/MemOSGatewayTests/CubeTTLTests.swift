import Foundation
import HTTPTypes
import MemOSCore
import MemOSPostgres
import MemOSScheduler
import PostgresNIO
import Testing

@testable import MemOSTestSupport

/// A cube's time-to-live: set by its owner, applied by the lifecycle sweep.
@Suite("Cube time-to-live")
struct CubeTTLTests {
    @Test("the owner sets it, others may not, bad values are 400, and the sweep archives older memories")
    func ttl() async throws {
        try await TestStack.run { stack in
            let route = "/v1/cubes/alice-cube/ttl"
            let set = try await stack.http(.put, route, key: stack.alice.key, body: #"{"memory_ttl_seconds": 3600}"#)
            #expect(set.status == .ok)
            #expect(set.json["memory_ttl_seconds"] as? Int == 3600)
            #expect(
                try await stack.http(.put, route, key: stack.bob.key, body: #"{"memory_ttl_seconds": 60}"#).status
                    == .forbidden
            )
            let bad = try await stack.http(.put, route, key: stack.alice.key, body: #"{"memory_ttl_seconds": 5}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.errorMessage.contains("memory_ttl_seconds"))

            let store = PostgresMemoryStore(database: stack.database)
            let old = NewMemory.fixture("written two hours ago")
            let fresh = NewMemory.fixture("written just now")
            _ = try await store.add(
                [old, fresh],
                messages: [],
                cubeID: "alice-cube",
                author: stack.alice.userID,
                idempotency: nil
            )
            _ = try await store.add(
                [NewMemory.fixture("bob keeps his")],
                messages: [],
                cubeID: "bob-cube",
                author: stack.bob.userID,
                idempotency: nil
            )
            try await stack.database.client.query(
                "UPDATE memories SET created_at = now() - interval '2 hours' WHERE cube_id IN ('alice-cube', 'bob-cube')",
                logger: TestDatabase.logger
            )
            try await stack.database.client.query(
                "UPDATE memories SET created_at = now() WHERE id = \(fresh.id)",
                logger: TestDatabase.logger
            )
            let sweep = ClaimedJob(
                job: try await PostgresJobStore(database: stack.database).enqueue(
                    NewJob(cubeID: "ttl-test", kind: "noop")
                ),
                payload: [:],
                createdBy: nil,
                owner: "test"
            )
            let result = try await LifecycleSweepHandler(store: store).run(sweep)
            #expect(result.result["archived"] == .number(1))
            let statuses = try await store.memories(ids: [old.id, fresh.id], cubeID: "alice-cube").map(\.status)
            #expect(statuses == [.archived, .activated])
            #expect(
                try await TestDatabase.count(
                    "memories WHERE cube_id = 'bob-cube' AND status = 'activated'",
                    in: stack.database
                ) == 1
            )

            // 0 clears it.
            let cleared = try await stack.http(.put, route, key: stack.alice.key, body: #"{"memory_ttl_seconds": 0}"#)
            #expect(cleared.json["memory_ttl_seconds"] == nil)
        }
    }
}
