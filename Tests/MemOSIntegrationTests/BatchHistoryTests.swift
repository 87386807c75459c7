import Foundation
import GRPCCore
import MemOSCore
import MemOSPostgres
import MemOSProto
import SwiftProtobuf
import Testing

@Suite("History of many memories at once")
struct BatchHistoryTests {
    @Test("BatchGetHistory returns each memory's entries newest first, marks long histories, and checks input and access")
    func batchHistory() async throws {
        try await TestStack.run { stack in
            let store = PostgresMemoryStore(database: stack.database)
            let author = stack.alice.userID
            let added = try await store.add(
                [NewMemory.fixture("short history"), NewMemory.fixture("long history")], messages: [], cubeID: "alice-cube",
                author: author, idempotency: nil
            )
            let (short, long) = (added.receipt.memoryIDs[0], added.receipt.memoryIDs[1])
            for revision in 1...200 {
                _ = try await store.update(
                    id: long, cubeID: "alice-cube", patch: MemoryPatch(content: "long history, revision \(revision)"), embedding: [1],
                    expectedVersion: nil, actor: author
                )
            }
            try await stack.withGRPC { clients in
                let response = try await clients.ingest.batchGetHistory(
                    .with { $0.cubeID = "alice-cube"; $0.memoryIds = [short, long, UUID()].map { $0.uuidString.lowercased() } },
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
                        .with { $0.cubeID = "alice-cube"; $0.memoryIds = (0...200).map { _ in UUID().uuidString } },
                        metadata: TestStack.metadata(stack.alice.key)
                    )
                }
                #expect(tooMany?.code == .invalidArgument)
                #expect(tooMany?.message.contains("memory_ids") == true)
                do {
                    _ = try await clients.ingest.batchGetHistory(
                        .with { $0.cubeID = "alice-cube"; $0.memoryIds = [short.uuidString] }, metadata: TestStack.metadata(stack.bob.key)
                    )
                    Issue.record("bob read alice's history")
                } catch let error as RPCError {
                    #expect(error.code == .permissionDenied || error.code == .notFound)
                }
            }
        }
    }
}
