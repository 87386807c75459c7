import CBLAS
import Foundation
import MemOSCore
import Synchronization

/// The most similar older memory of each changed memory of a cube, exactly: blocked matrix products (OpenBLAS)
/// on a thread of its own, so that a reorganisation of a large cube never holds the cooperative threads the
/// scheduler's RPCs and health checks run on. Cancellation is honoured between blocks of 256 memories.
///
/// Cost: changed × cube × dimension multiply-adds; at the ~100 GFLOP/s OpenBLAS reaches on one core here, every
/// memory of a 32,500-memory cube changed (an import) is an estimated 8 seconds of one core.
enum NearDuplicateScan {
    struct Match: Equatable {
        /// Indexes into the scanned vectors.
        var changed: Int
        var other: Int
        var similarity: Float
    }

    static let blockRows = 256

    /// - Parameters:
    ///   - vectors: the cube's vectors, all of `dimension` floats.
    ///   - changed: indexes of the changed memories in the order they were written.
    ///   - threshold: matches below it are left out.
    /// - Returns: for each changed memory, its most similar memory that is unchanged or was changed before it.
    static func run(vectors: [[Float]], dimension: Int, changed: [Int], threshold: Float) async throws -> [Match] {
        guard !changed.isEmpty, vectors.count > 1 else { return [] }
        let cancelled = Atomic<Bool>(false)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                Thread {
                    continuation.resume(
                        with: Result {
                            try self.scan(
                                vectors: vectors,
                                dimension: dimension,
                                changed: changed,
                                threshold: threshold
                            ) {
                                cancelled.load(ordering: .relaxed)
                            }
                        }
                    )
                }.start()
            }
        } onCancel: {
            cancelled.store(true, ordering: .relaxed)
        }
    }

    static func scan(
        vectors: [[Float]],
        dimension: Int,
        changed: [Int],
        threshold: Float,
        isCancelled: () -> Bool
    ) throws -> [Match] {
        let count = vectors.count
        var matrix = [Float](repeating: 0, count: count * dimension)
        for (row, vector) in vectors.enumerated() where vector.count == dimension {
            matrix.replaceSubrange(row * dimension..<(row + 1) * dimension, with: vector)
        }
        // Position in the order of writing; unchanged memories count as written before all changed ones.
        var position = [Int](repeating: -1, count: count)
        for (order, index) in changed.enumerated() where position[index] < 0 { position[index] = order }
        var matches: [Match] = []
        var scores = [Float](repeating: 0, count: min(Self.blockRows, changed.count) * count)
        for start in stride(from: 0, to: changed.count, by: Self.blockRows) {
            if isCancelled() { throw CancellationError() }
            let block = Array(changed[start..<min(start + Self.blockRows, changed.count)])
            var queries = [Float](repeating: 0, count: block.count * dimension)
            for (row, index) in block.enumerated() {
                queries.replaceSubrange(
                    row * dimension..<(row + 1) * dimension,
                    with: matrix[index * dimension..<(index + 1) * dimension]
                )
            }
            queries.withUnsafeBufferPointer { q in
                matrix.withUnsafeBufferPointer { m in
                    scores.withUnsafeMutableBufferPointer { s in
                        cblas_sgemm(
                            CblasRowMajor,
                            CblasNoTrans,
                            CblasTrans,
                            Int32(block.count),
                            Int32(count),
                            Int32(dimension),
                            1,
                            q.baseAddress,
                            Int32(dimension),
                            m.baseAddress,
                            Int32(dimension),
                            0,
                            s.baseAddress,
                            Int32(count)
                        )
                    }
                }
            }
            for (row, index) in block.enumerated() where position[index] == start + row {
                let mine = position[index]
                var best = -1
                var bestScore = -Float.infinity
                let offset = row * count
                for other in 0..<count
                where other != index && position[other] < mine && vectors[other].count == dimension {
                    let score = scores[offset + other]
                    if score > bestScore {
                        bestScore = score
                        best = other
                    }
                }
                if best >= 0, bestScore >= threshold {
                    matches.append(Match(changed: index, other: best, similarity: bestScore))
                }
            }
        }
        return matches
    }
}
