import Foundation
import GRPCCore
import MemOSProto
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

@Suite("Search ranks by meaning and words, filters weak hits and drops near-duplicates")
struct RankingTests {
    static let memories = [
        "Alice went hiking in the Alps last summer",
        "Bob is learning to play the cello",
        "The quarterly report is due on Friday",
        "我喜欢喝绿茶",
        "明天去北京出差",
        "Alice likes green tea a lot.",
        "Alice likes green tea a lot!",
    ]

    func search(
        _ clients: TestStack.GRPCClients,
        _ stack: TestStack,
        _ query: String,
        mode: Memos_Retrieval_V1_RetrievalMode = .hybrid,
        dedup: Memos_Retrieval_V1_Dedup = .mmr,
        relativity: Float = 0
    ) async throws -> [String] {
        try await clients.retrieval.search(
            .with {
                $0.cubeIds = ["alice-cube"]
                $0.query = query
                $0.retrievalMode = mode
                $0.dedup = dedup
                $0.relativity = relativity
            },
            metadata: TestStack.metadata(stack.alice.key)
        ).hits.map(\.memory.content)
    }

    @Test("keyword, vector and hybrid modes; Chinese keyword search; MMR; the threshold")
    func ranking() async throws {
        // The scheduler would merge the two near-identical memories; here they stay, for MMR to drop one.
        try await TestStack.run(nearDuplicateThreshold: 1.1) { stack in
            try await stack.withGRPC { clients in
                _ = try await clients.ingest.addMemories(
                    .with { request in
                        request.cubeID = "alice-cube"
                        request.items = Self.memories.map { content in .with { $0.content = content } }
                    },
                    metadata: TestStack.metadata(stack.alice.key)
                )
                // Keyword search stems English words and ignores stop words.
                #expect(try await self.search(clients, stack, "who hikes?", mode: .keyword) == [Self.memories[0]])
                // Chinese text without spaces matches by characters and pairs.
                #expect(try await self.search(clients, stack, "绿茶", mode: .keyword) == ["我喜欢喝绿茶"])
                #expect(try await self.search(clients, stack, "北京", mode: .keyword) == ["明天去北京出差"])
                // Vector search finds shared words through the (feature-hashing) embedder.
                #expect(try await self.search(clients, stack, "cello Bob", mode: .vector).first == Self.memories[1])
                // Hybrid puts the memory both rankers like first.
                #expect(try await self.search(clients, stack, "quarterly report Friday").first == Self.memories[2])
                // MMR keeps one of two near-identical memories; without dedup both come back.
                let withMMR = try await self.search(clients, stack, "green tea")
                #expect(withMMR.filter { $0.hasPrefix("Alice likes green tea") }.count == 1)
                let withoutDedup = try await self.search(clients, stack, "green tea", dedup: .none)
                #expect(withoutDedup.filter { $0.hasPrefix("Alice likes green tea") }.count == 2)
                // A threshold no hit reaches returns nothing rather than weak matches.
                #expect(try await self.search(clients, stack, "cello", mode: .vector, relativity: 0.99).isEmpty)
            }
        }
    }
}
