import Foundation
import GRPCCore
import MemOSCore
import MemOSPostgres
import MemOSProto
import PostgresNIO
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

/// The right-to-erasure request: a purge job removes a user and everything they wrote.
@Suite("Purge")
struct PurgeTests {
    static func count(_ sql: String, _ database: Database) async throws -> Int {
        let rows = try await database.client.query(
            PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(sql)"),
            logger: TestDatabase.logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    @Test("purging a user leaves no row of theirs in any table, and others' data intact")
    func purgeUser() async throws {
        try await TestStack.run { stack in
            let database = stack.database
            // Bob may write into Alice's cube.
            try await database.client.query(
                "INSERT INTO cube_members (cube_id, user_id, role) VALUES ('alice-cube', \(stack.bob.userID), 'writer')",
                logger: TestDatabase.logger
            )
            try await stack.withGRPC { clients in
                let bob = TestStack.metadata(stack.bob.key)
                let alice = TestStack.metadata(stack.alice.key)
                _ = try await clients.ingest.addMessages(
                    .with {
                        $0.cubeID = "bob-cube"
                        $0.messages = [
                            .with {
                                $0.role = "user"
                                $0.content = "Bob's secret diary entry"
                            }
                        ]
                        $0.idempotencyKey = "k"
                    },
                    metadata: bob
                )
                _ = try await clients.ingest.addMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.items = [.with { $0.content = "Bob left a note for Alice" }]
                    },
                    metadata: bob
                )
                let aliceOwn = try await clients.ingest.addMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.items = [.with { $0.content = "Alice's own memory" }]
                    },
                    metadata: alice
                )
                // Bob edits Alice's memory: the history names him.
                _ = try await clients.ingest.updateMemory(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.memoryID = aliceOwn.memories[0].id
                        $0.patch.tags = ["seen-by-bob"]
                        $0.updateMask.paths = ["tags"]
                    },
                    metadata: bob
                )
                _ = try await clients.scheduler.submitEvent(
                    .with {
                        $0.cubeID = "bob-cube"
                        $0.label = .query
                        $0.content = "diary"
                    },
                    metadata: bob
                )
            }

            let purge = try await PostgresJobStore(database: database).enqueue(
                NewJob(
                    cubeID: "user:\(stack.bob.userID.uuidString.lowercased())",
                    kind: JobKind.purge,
                    payload: ["user_id": .string(stack.bob.userID.uuidString)]
                )
            )
            for _ in 0..<300 {
                if try await PostgresJobStore(database: database).job(id: purge.id, cubeID: purge.cubeID)?.status
                    == .completed
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(
                try await PostgresJobStore(database: database).job(id: purge.id, cubeID: purge.cubeID)?.status
                    == .completed
            )

            let bob = stack.bob.userID
            for (table, column) in [
                ("users", "id"), ("api_keys", "user_id"), ("cubes", "owner_id"), ("cube_members", "user_id"),
                ("memories", "author_user_id"), ("messages", "author_user_id"), ("memory_history", "actor_user_id"),
                ("idempotency_keys", "user_id"),
            ] {
                #expect(try await Self.count("\(table) WHERE \(column) = '\(bob)'", database) == 0, "\(table)")
            }
            #expect(try await Self.count("jobs WHERE created_by = '\(bob)'", database) == 0)
            for table in ["memories", "messages", "memory_history", "jobs", "cube_members", "merge_candidates"] {
                #expect(try await Self.count("\(table) WHERE cube_id = 'bob-cube'", database) == 0, "\(table)")
            }
            // Alice keeps her memory (and the change Bob made to it, now without his name; its creation is not a
            // stored row).
            #expect(try await Self.count("memories WHERE cube_id = 'alice-cube'", database) == 1)
            #expect(
                try await Self.count("memory_history WHERE cube_id = 'alice-cube' AND actor_user_id IS NULL", database)
                    == 1
            )
            #expect(try await Self.count("memory_history WHERE cube_id = 'alice-cube'", database) == 1)
            #expect(try await Self.count("users WHERE name <> 'admin'", database) == 1)
        }
    }
}
