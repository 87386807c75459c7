import Foundation
import MemOSCore
import Testing

@testable import MemOSRetrieval

/// Scores on an absolute scale: keyword coverage does not depend on the other hits, and the calibrated
/// probability grows with each feature.
@Suite("Relevance: keyword coverage and the calibrated score")
struct RelevanceTests {
    @Test("coverage weighs the query's words by rarity; a word the cube never holds counts as the rarest")
    func coverage() {
        var index = CubeIndex(dimension: KeywordIndexTests.dimension)
        let ids = (0..<4).map { _ in UUID() }
        index.apply(KeywordIndexTests.memory(ids[0], "Melanie paints by the lake", seq: 1))
        index.apply(KeywordIndexTests.memory(ids[1], "Melanie went to the lake with the kids", seq: 2))
        index.apply(KeywordIndexTests.memory(ids[2], "Caroline went to a support group", seq: 3))
        index.apply(KeywordIndexTests.memory(ids[3], "Caroline paints sunsets too", seq: 4))

        func coverage(_ query: String) -> [UUID: CubeIndex.Summary] {
            index.summaries(ids, terms: KeywordTokenizer.terms(query))
        }
        let lake = coverage("Melanie paints by the lake")
        #expect(abs(lake[ids[0]]!.keywordCoverage - 1) < 1e-6)
        #expect(lake[ids[0]]!.matchedTerms.count == 3)
        // Holding the rare word ("sunsets", one memory) is worth more than holding a common one ("melanie", two).
        let sunsets = coverage("Melanie sunsets")
        #expect(sunsets[ids[0]]!.keywordCoverage < sunsets[ids[3]]!.keywordCoverage)
        #expect(sunsets[ids[2]]!.keywordCoverage == 0 && sunsets[ids[2]]!.matchedTerms.isEmpty)
        // A name nobody in the cube mentions keeps everyone's coverage low, however well the rest matches: the
        // best hit of an irrelevant search does not reach 1.
        let stranger = coverage("Does Jonathan paint sunsets by the lake")
        #expect(stranger.values.allSatisfy { $0.keywordCoverage < 0.8 })
        #expect(coverage("")[ids[0]]!.keywordCoverage == 0)
    }

    @Test("the calibrated probability is in 0...1 and grows with the cosine and with the coverage")
    func calibration() {
        let calibration = RelevanceCalibration.current
        for mode in [HybridRanker.Mode.hybrid, .vector, .keyword] {
            var last: Float = -1
            for step in 0...10 {
                let value = Float(step) / 10
                let p = calibration.probability(mode: mode, vector: value, keyword: value)
                #expect((0...1).contains(p))
                #expect(p >= last, "\(mode) at \(value)")
                last = p
            }
        }
        let weak = calibration.probability(mode: .hybrid, vector: 0.2, keyword: 0.1)
        let strong = calibration.probability(mode: .hybrid, vector: 0.6, keyword: 0.8)
        #expect(weak < 0.02 && strong > 0.3)
    }
}
