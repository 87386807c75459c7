import Foundation
import Testing

@testable import MemOSRetrieval

@Suite("Hybrid ranking fuses scores")
struct HybridRankerTests {
    static func candidate(_ id: UUID, vector: Float, keyword: Float, text: UInt64 = 0) -> HybridRanker.Candidate {
        HybridRanker.Candidate(
            id: id,
            cubeID: "c",
            sessionID: "",
            contentFingerprint: text,
            embedding: [1, 0],
            vectorScore: vector,
            keywordScore: keyword
        )
    }

    static func ranker(_ mode: HybridRanker.Mode, dedup: HybridRanker.Dedup = .none) -> HybridRanker {
        HybridRanker(mode: mode, topK: 10, relativity: 0, dedup: dedup, sessionID: "")
    }

    @Test("0.7 × keyword + 0.3 × min-max cosine orders the union; keyword-only memories get no vector share")
    func fusion() {
        let (a, b, c) = (UUID(), UUID(), UUID())
        // a: best keyword match, weakest cosine; b: no keyword match, best cosine; c: half of each.
        let candidates = [
            a: Self.candidate(a, vector: 0.2, keyword: 1),
            b: Self.candidate(b, vector: 0.6, keyword: 0),
            c: Self.candidate(c, vector: 0.4, keyword: 0.5),
        ]
        let ranked = Self.ranker(.hybrid).rank(vectorOrder: [b, c, a], keywordOrder: [a, c], candidates: candidates)
        #expect(ranked.map(\.id) == [a, c, b])
        #expect(abs(ranked[0].fused - 0.7) < 1e-6)  // 0.7 × 1 + 0.3 × 0
        #expect(abs(ranked[1].fused - 0.5) < 1e-6)  // 0.7 × 0.5 + 0.3 × 0.5
        #expect(abs(ranked[2].fused - 0.3) < 1e-6)  // 0.3 × 1
    }

    @Test("a lone vector candidate is kept (equal cosines rescale to 1), as is the last of the list")
    func loneCandidate() {
        let a = UUID()
        let ranked = Self.ranker(.hybrid, dedup: .mmr).rank(
            vectorOrder: [a],
            keywordOrder: [],
            candidates: [a: Self.candidate(a, vector: 0.3, keyword: 0)]
        )
        #expect(ranked.map(\.id) == [a])
        #expect(abs(ranked[0].fused - 0.3) < 1e-6)
        let (b, c) = (UUID(), UUID())
        let two = Self.ranker(.hybrid).rank(
            vectorOrder: [b, c],
            keywordOrder: [],
            candidates: [b: Self.candidate(b, vector: 0.5, keyword: 0), c: Self.candidate(c, vector: 0.1, keyword: 0)]
        )
        #expect(two.map(\.id) == [b, c])
    }

    @Test("exact dedup drops a repeated content fingerprint")
    func exactDedup() {
        let (a, b) = (UUID(), UUID())
        let ranked = Self.ranker(.keyword, dedup: .exact).rank(
            vectorOrder: [],
            keywordOrder: [a, b],
            candidates: [
                a: Self.candidate(a, vector: 0, keyword: 1, text: 7),
                b: Self.candidate(b, vector: 0, keyword: 0.9, text: 7),
            ]
        )
        #expect(ranked.map(\.id) == [a])
    }

    @Test(
        "the session's memories get a 20 % boost, not a filter: they pass a slightly better one, not a much better one"
    )
    func sessionBoost() {
        let (own, other, far) = (UUID(), UUID(), UUID())
        func candidate(_ id: UUID, keyword: Float, session: String) -> HybridRanker.Candidate {
            var candidate = Self.candidate(id, vector: 0, keyword: keyword)
            candidate.sessionID = session
            return candidate
        }
        let candidates = [
            own: candidate(own, keyword: 0.5, session: "s1"),
            other: candidate(other, keyword: 0.55, session: "s2"),
            far: candidate(far, keyword: 1, session: ""),
        ]
        let order = [far, other, own]
        let plain = Self.ranker(.keyword).rank(vectorOrder: [], keywordOrder: order, candidates: candidates)
        #expect(plain.map(\.id) == [far, other, own])
        let boosted = HybridRanker(mode: .keyword, topK: 10, relativity: 0, dedup: .none, sessionID: "s1")
            .rank(vectorOrder: [], keywordOrder: order, candidates: candidates)
        #expect(boosted.map(\.id) == [far, own, other])
    }
}
