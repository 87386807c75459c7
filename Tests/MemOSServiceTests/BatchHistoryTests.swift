import Foundation
import GRPCCore
import MemOSCore
import MemOSPostgres
import MemOSProto
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

@Suite("History of many memories at once")
struct BatchHistoryTests {
    @Test(
        "BatchGetHistory returns each memory's entries newest first, marks long histories, and checks input and access"
    )
    func batchHistory() async throws {
        try await TestStack.run { stack in
            let store = PostgresMemoryStore(database: stack.database)
            let author = stack.alice.userID
            let added = try await store.add(
                [NewMemory.fixture("short history"), NewMemory.fixture("long history")],
                messages: [],
                cubeID: "alice-cube",
                author: author,
                idempotency: nil
            )
            let (short, long) = (added.receipt.memoryIDs[0], added.receipt.memoryIDs[1])
            for revision in 1...200 {
                _ = try await store.update(
                    id: long,
                    cubeID: "alice-cube",
                    patch: MemoryPatch(content: "long history, revision \(revision)"),
                    embedding: [1],
                    expectedVersion: nil,
                    actor: author
                )
            }
            try await stack.withGRPC { clients in
                let response = try await clients.ingest.batchGetHistory(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.memoryIds = [short, long, UUID()].map { $0.uuidString.lowercased() }
                    },
                    metadata: TestStack.metadata(stack.alice.key)
                )
                let byMemory = Dictionary(grouping: response.entries, by: \.memoryID)
                #expect(byMemory[short.uuidString.lowercased()]?.map(\.action) == ["add"])
                let longEntries = try #require(byMemory[long.uuidString.lowercased()])
                #expect(longEntries.count == 200)
                #expect(longEntries.map(\.id) == longEntries.map(\.id).sorted(by: >))
                #expect(response.truncatedMemoryIds == [long.uuidString.lowercased()])

                let tooMany = await #expect(throws: RPCError.self) {
                    _ = try await clients.ingest.batchGetHistory(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.memoryIds = (0...200).map { _ in UUID().uuidString }
                        },
                        metadata: TestStack.metadata(stack.alice.key)
                    )
                }
                #expect(tooMany?.code == .invalidArgument)
                #expect(tooMany?.message.contains("memory_ids") == true)
                do {
                    _ = try await clients.ingest.batchGetHistory(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.memoryIds = [short.uuidString]
                        },
                        metadata: TestStack.metadata(stack.bob.key)
                    )
                    Issue.record("bob read alice's history")
                } catch let error as RPCError {
                    #expect(error.code == .permissionDenied || error.code == .notFound)
                }
            }
        }
    }

    @Test("a memory's creation entry is derived from its row: id 0, its author, the state it was made with, oldest")
    func creationEntry() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            let (author, editor) = (UUID(), UUID())
            var first = NewMemory.fixture("Alice lives in Porto")
            first.tags = ["home"]
            let added = try await store.add(
                [first, .fixture("never changed")],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: nil
            )
            let (changed, unchanged) = (added.receipt.memoryIDs[0], added.receipt.memoryIDs[1])
            _ = try await store.update(
                id: changed,
                cubeID: "c",
                patch: MemoryPatch(content: "Alice lives in Lisbon"),
                embedding: [1],
                expectedVersion: nil,
                actor: editor
            )
            _ = try await store.delete(.ids([changed]), cubeID: "c", actor: editor, dryRun: false, hard: false)
            #expect(try await TestDatabase.count("memory_history", in: database) == 2)

            let all = try await store.history(memoryID: changed, cubeID: "c", before: nil, limit: 10)
            #expect(all.map(\.action) == ["delete", "update", "add"])
            let creation = try #require(all.last)
            #expect(creation.id == 0)
            #expect(creation.actorUserID == author)
            #expect(creation.before == nil)
            #expect(creation.after?.content == "Alice lives in Porto")
            #expect(creation.after?.tags == ["home"])
            #expect(creation.after?.version == 1)
            #expect(creation.after?.status == .activated)
            #expect(all[1].actorUserID == editor)

            // Paging: the creation entry comes after the last stored one, once.
            let page1 = try await store.history(memoryID: changed, cubeID: "c", before: nil, limit: 2)
            let page2 = try await store.history(memoryID: changed, cubeID: "c", before: page1.last?.id, limit: 2)
            #expect(page1.map(\.action) == ["delete", "update"])
            #expect(page2.map(\.action) == ["add"])
            #expect(try await store.history(memoryID: changed, cubeID: "c", before: 0, limit: 2).isEmpty)

            // Nothing changed since: the row itself is the state it was made with.
            let untouched = try await store.history(memoryID: unchanged, cubeID: "c", before: nil, limit: 10)
            #expect(untouched.map(\.action) == ["add"])
            #expect(untouched.first?.after?.content == "never changed")

            let batch = try await store.histories(
                memoryIDs: [changed, unchanged, UUID()],
                cubeID: "c",
                limitPerMemory: 2
            )
            #expect(batch.filter { $0.memoryID == changed }.map(\.action) == ["delete", "update"])
            #expect(batch.filter { $0.memoryID == unchanged }.map(\.action) == ["add"])
        }
    }
}
