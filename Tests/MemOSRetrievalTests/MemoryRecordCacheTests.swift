import Foundation
import MemOSCore
import Testing

@testable import MemOSRetrieval

@Suite("Records of returned memories")
struct MemoryRecordCacheTests {
    static func memory(_ id: UUID, cube: String = "c", seq: Int64, content: String = "Alice likes tea") -> Memory {
        Memory(
            id: id,
            cubeID: cube,
            authorUserID: id,
            sessionID: "",
            memoryType: .longTermMemory,
            status: .activated,
            key: "",
            content: content,
            tags: [],
            info: [:],
            sources: [],
            confidence: 1,
            embeddingModel: "m",
            embedding: [1, 0, 0],
            createdAt: Date(),
            updatedAt: Date(),
            validFrom: nil,
            validTo: nil,
            version: 1,
            usageCount: 5,
            changeSeq: seq
        )
    }

    static func wanted(_ id: UUID, cube: String = "c", seq: Int64) -> MemoryRecordCache.Wanted {
        .init(cubeID: cube, id: id, changeSeq: seq)
    }

    @Test("a record is returned only at its change sequence number and cube, without its vector, counting accesses")
    func matching() {
        let cache = MemoryRecordCache()
        let id = UUID()
        cache.keep([Self.memory(id, seq: 7)])
        #expect(cache.records([Self.wanted(id, seq: 8)]).isEmpty)
        #expect(cache.records([Self.wanted(id, cube: "other", seq: 7)]).isEmpty)
        let found = cache.records([Self.wanted(id, seq: 7)])[id]
        #expect(found?.content == "Alice likes tea")
        #expect(found?.embedding == [])
        #expect(found?.usageCount == 6)  // the read that kept it was an access
        #expect(cache.records([Self.wanted(id, seq: 7)])[id]?.usageCount == 7)
        // A newer state replaces the record in place.
        cache.keep([Self.memory(id, seq: 8, content: "Alice likes green tea")])
        #expect(cache.records([Self.wanted(id, seq: 8)])[id]?.content == "Alice likes green tea")
        #expect(cache.records([Self.wanted(id, seq: 7)]).isEmpty)
        #expect(cache.usage.records == 1)
    }

    @Test("beyond the budget the records kept longest ago go first; a budget of 0 keeps nothing")
    func budget() {
        let ids = (0..<10).map { _ in UUID() }
        let each = MemoryRecordCache.estimatedBytes(Self.memory(ids[0], seq: 1))
        let cache = MemoryRecordCache(budget: 4 * each)
        for (index, id) in ids.enumerated() { cache.keep([Self.memory(id, seq: Int64(index))]) }
        #expect(cache.usage.records == 4)
        #expect(cache.usage.bytes <= cache.budget)
        let kept = cache.records(ids.enumerated().map { Self.wanted($1, seq: Int64($0)) })
        #expect(Set(kept.keys) == Set(ids.suffix(4)))

        let off = MemoryRecordCache(budget: 0)
        off.keep([Self.memory(ids[0], seq: 1)])
        #expect(off.records([Self.wanted(ids[0], seq: 1)]).isEmpty)
        #expect(off.usage.records == 0)
    }
}
