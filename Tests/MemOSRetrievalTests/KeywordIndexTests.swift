import Foundation
import MemOSCore
import Testing

@testable import MemOSRetrieval

@Suite("Keyword side of the index")
struct KeywordIndexTests {
    static let dimension = 4

    static func memory(_ id: UUID, _ content: String, seq: Int64, type: MemoryType = .longTermMemory) -> IndexedMemory {
        IndexedMemory(
            cubeID: "c",
            id: id,
            status: .activated,
            memoryType: type,
            sessionID: "s",
            changeSeq: seq,
            embedding: [1, 0, 0, 0],
            content: content
        )
    }

    static let all = CubeIndex.RowFilter(statuses: [.activated], memoryTypes: [], allowedIDs: nil)

    @Test("BM25 ranks rare words above common ones and shorter matches first; filters apply")
    func ranking() {
        var index = CubeIndex(dimension: Self.dimension)
        let ids = (0..<4).map { _ in UUID() }
        index.apply(Self.memory(ids[0], "Melanie paints sunsets by the lake", seq: 1))
        index.apply(Self.memory(ids[1], "Melanie likes the lake and the lake house and long walks", seq: 2))
        index.apply(Self.memory(ids[2], "Caroline went to a support group", seq: 3))
        index.apply(Self.memory(ids[3], "Caroline paints too", seq: 4, type: .userMemory))

        let lake = index.keywordSearch(KeywordTokenizer.terms("lake"), k: 10, filter: Self.all).map(\.id)
        #expect(Set(lake) == [ids[0], ids[1]])
        let painting = index.keywordSearch(KeywordTokenizer.terms("who is painting sunsets?"), k: 10, filter: Self.all)
            .map(\.id)
        #expect(painting == [ids[0], ids[3]])
        let onlyUsers = CubeIndex.RowFilter(statuses: [.activated], memoryTypes: [.userMemory], allowedIDs: nil)
        #expect(index.keywordSearch(KeywordTokenizer.terms("paints"), k: 10, filter: onlyUsers).map(\.id) == [ids[3]])
        #expect(index.keywordSearch(KeywordTokenizer.terms("nothing matches"), k: 10, filter: Self.all).isEmpty)
    }

    @Test("an updated text replaces the old terms; removed memories and compaction keep results right")
    func updatesAndCompaction() {
        var index = CubeIndex(dimension: Self.dimension)
        let a = UUID()
        let b = UUID()
        index.apply(Self.memory(a, "likes tea", seq: 1))
        index.apply(Self.memory(b, "likes coffee", seq: 2))
        index.apply(Self.memory(a, "likes green tea and biscuits", seq: 3))
        #expect(index.keywordSearch(["biscuit"], k: 10, filter: Self.all).map(\.id) == [a])
        index.apply(RemovedMemory(cubeID: "c", id: b, changeSeq: 4))
        #expect(index.keywordSearch(["coffe"], k: 10, filter: Self.all).isEmpty)
        let before = index.keywordSearch(KeywordTokenizer.terms("green tea"), k: 10, filter: Self.all)
        let compacted = index.compacted()
        #expect(compacted.rowCount == 1)
        let after = compacted.keywordSearch(KeywordTokenizer.terms("green tea"), k: 10, filter: Self.all)
        #expect(after.map(\.id) == before.map(\.id))
        #expect(after.map(\.score) == before.map(\.score))
        #expect(compacted.summaries([a])[a]?.sessionID == "s")
    }
}
