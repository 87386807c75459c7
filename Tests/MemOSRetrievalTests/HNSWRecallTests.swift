import CBLAS
import Foundation
import MemOSCore
import Testing

@testable import MemOSRetrieval

@Suite("The HNSW graph finds what an exact scan finds")
struct HNSWRecallTests {
    static let dimension = 384
    static let count = 50_000
    static let clusters = 200
    /// Each cluster spreads along this many random directions, as text embeddings concentrate near a
    /// low-dimensional surface; isotropic noise comes on top.
    static let spreadDirections = 16

    /// Unit vectors in `clusters` clusters from a fixed seed: centre + (random combination of the cluster's
    /// directions) + small isotropic noise. The first `count` go to the index, the rest are queries.
    static func clusteredVectors(_ count: Int, random: inout SplitMix64) -> [[Float]] {
        let d = Self.dimension
        let perCluster = (count + Self.clusters - 1) / Self.clusters
        var vectors: [[Float]] = []
        for _ in 0..<Self.clusters {
            let centre = (0..<d).map { _ in random.symmetricUnit() }
            let directions = (0..<(Self.spreadDirections * d)).map { _ in random.symmetricUnit() }
            let coefficients = (0..<(perCluster * Self.spreadDirections)).map { _ in 0.4 * random.symmetricUnit() }
            var block = [Float](repeating: 0, count: perCluster * d)
            cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasNoTrans,
                Int32(perCluster),
                Int32(d),
                Int32(Self.spreadDirections),
                1,
                coefficients,
                Int32(Self.spreadDirections),
                directions,
                Int32(d),
                0,
                &block,
                Int32(d)
            )
            for member in 0..<perCluster {
                var vector = Array(block[(member * d)..<((member + 1) * d)])
                for index in 0..<d { vector[index] += centre[index] + 0.1 * random.symmetricUnit() }
                vectors.append(VectorMath.normalized(vector))
            }
        }
        // Interleave the clusters, so that queries and insert order are not grouped by cluster.
        var order = Array(vectors.indices)
        order.shuffle(using: &random)
        return Array(order.prefix(count).map { vectors[$0] })
    }

    @Test(
        "recall@10 ≥ 0.98 on 50k clustered 384-d vectors, without a filter, with a 10 % filter, and 1.0 with a 1 % one"
    )
    func recall() async throws {
        // Seconds of CPU on a thread of its own, so that the tests running beside it (servers on loopback) keep
        // the cooperative threads.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread { continuation.resume(with: Result { try Self.measureRecall() }) }.start()
        }
    }

    static func measureRecall() throws {
        var random = SplitMix64(seed: 7)
        let clock = ContinuousClock()
        let generated = clock.now
        let all = Self.clusteredVectors(Self.count + 50, random: &random)
        let vectors = all.prefix(Self.count)
        let queries = all.suffix(50)
        let built = clock.now
        // efConstruction 48 instead of the default 64 keeps the debug build's run short; the default only
        // makes a better graph.
        var index = CubeIndex(dimension: Self.dimension, hnswThreshold: 1_000, efConstruction: 48)
        var rareIDs: Set<UUID> = []
        for (position, vector) in vectors.enumerated() {
            // The graph is made over the first 40,000 rows; the rest are linked in one by one.
            if position == 40_000 {
                #expect(index.wantsGraph)
                let attached = index.attach(index.makeGraph(), generation: index.generation)
                #expect(attached)
            }
            let id = UUID()
            if position % 100 == 7 { rareIDs.insert(id) }
            index.apply(
                IndexedMemory(
                    cubeID: "c",
                    id: id,
                    status: .activated,
                    memoryType: position % 10 == 3 ? .preferenceMemory : .longTermMemory,
                    sessionID: "",
                    changeSeq: Int64(position + 1),
                    embedding: vector
                )
            )
        }
        #expect(index.graph != nil)
        let searched = clock.now
        let filters: [(String, CubeIndex.RowFilter, Double)] = [
            ("no filter", .init(statuses: [.activated], memoryTypes: [], allowedIDs: nil), 0.98),
            ("10 % by type", .init(statuses: [.activated], memoryTypes: [.preferenceMemory], allowedIDs: nil), 0.98),
            ("1 % by id (exact fallback)", .init(statuses: [.activated], memoryTypes: [], allowedIDs: rareIDs), 1.0),
        ]
        for (name, filter, required) in filters {
            let acceptance = index.acceptance(filter)
            var found = 0
            for query in queries {
                let approximate = Set(index.search(query, k: 10, filter: filter).map(\.id))
                let exact = index.exactSearch(query, k: 10, accepts: acceptance.accepts)
                found += exact.filter { approximate.contains(index.ids[Int($0.row)]) }.count
            }
            let recall = Double(found) / Double(10 * queries.count)
            print("HNSW recall@10, \(name): \(recall)")
            #expect(recall >= required, "\(name): recall@10 \(recall)")
        }
        print(
            "HNSW recall test: generate \(built - generated), build \(searched - built), search \(clock.now - searched)"
        )
    }
}
