import Foundation
import MemOSCore
import Testing

@testable import MemOSScheduler
@testable import MemOSTestSupport

@Suite("Near-duplicate scan")
struct NearDuplicateScanTests {
    /// Each changed memory against every unchanged or earlier-changed one, one dot product at a time.
    static func naive(_ vectors: [[Float]], changed: [Int], threshold: Float) -> [NearDuplicateScan.Match] {
        var position = [Int](repeating: -1, count: vectors.count)
        for (order, index) in changed.enumerated() where position[index] < 0 { position[index] = order }
        return changed.enumerated().compactMap { order, index in
            guard position[index] == order else { return nil }
            var best: (Int, Float)?
            for other in vectors.indices where other != index && position[other] < order {
                let score = VectorMath.dot(vectors[index], vectors[other])
                if score > best?.1 ?? -.infinity { best = (other, score) }
            }
            guard let (other, score) = best, score >= threshold else { return nil }
            return NearDuplicateScan.Match(changed: index, other: other, similarity: score)
        }
    }

    @Test("blocked products find what a pairwise scan finds", arguments: [(600, 400), (50, 50), (300, 1)])
    func agreesWithPairwise(_ sizes: (count: Int, changed: Int)) async throws {
        var generator = SplitMix64(seed: 42)
        let dimension = 16
        var vectors = (0..<sizes.count).map { _ in
            VectorMath.normalized((0..<dimension).map { _ in Float(generator.next() % 1_000) / 500 - 1 })
        }
        // Some near duplicates, so that the threshold passes.
        for index in stride(from: 1, to: sizes.count, by: 7) {
            vectors[index] = VectorMath.normalized(vectors[index - 1].map { $0 + 0.01 })
        }
        let changed = Array((sizes.count - sizes.changed)..<sizes.count).shuffled(using: &generator)
        let scanned = try await NearDuplicateScan.run(
            vectors: vectors,
            dimension: dimension,
            changed: changed,
            threshold: 0.9
        )
        let expected = Self.naive(vectors, changed: changed, threshold: 0.9)
        #expect(scanned.count == expected.count)
        for (a, b) in zip(scanned, expected) {
            #expect(a.changed == b.changed)
            #expect(a.other == b.other || abs(a.similarity - b.similarity) < 1e-5)
            #expect(abs(a.similarity - b.similarity) < 1e-4)
        }
    }
}
