import Dispatch
import Foundation
import Logging
import MemOSCore
import Metrics
import Synchronization

/// The vector index of every cube this process has searched, built from PostgreSQL on a cube's first search
/// and kept fresh by following the memories' change sequence. PostgreSQL stays the source of truth: a process
/// that restarts rebuilds, and every replica follows the same sequence.
///
/// One worker task does all index writes in order: it builds requested cubes, then reads the changes of the
/// loaded cubes after the *watermark* W and applies them (a memory's change is applied only when it is newer
/// than the state held, so reading a change twice is harmless). It wakes on a PostgreSQL notification for a
/// loaded cube, on a read-your-writes wait, and every ``catchUpInterval`` (so a missed notification only
/// delays).
///
/// Sequence numbers are not committed in order: a transaction holding a smaller number can commit after one
/// holding a larger number. W is therefore advanced with the snapshots' transaction ids: W means "every change
/// numbered ≤ W that will ever commit has been applied". Each read records its snapshot's highest visible
/// number H and its `xmax`. Once a later read's snapshot has `xmin ≥ xmax` (every transaction that could still
/// hold a number ≤ H has ended) and that later read, which started from the old W, has been applied, W becomes H
/// — at once when the read's own snapshot had no running writer. This holds because the memories' triggers take
/// a transaction id before a sequence number (Schema migration 4): a transaction that had no id when a snapshot
/// was taken can only take numbers above everything that snapshot sees. A cube built later is built from a
/// snapshot that sees every change ≤ W, and is read from W on. A transaction left open holds W back; the
/// catch-up then re-reads the changes since W each time (harmless, only more work) until it ends.
///
/// Read-your-writes: a search with `min_change_seq` S proceeds once W ≥ S, or once a read that started after
/// the search arrived has been applied and S had been allocated by then (a write acknowledged before the search
/// was sent was committed before that read's snapshot). A search that cannot proceed in time is `unavailable`.
///
/// Eviction (``Eviction``): a cube not searched for ``Eviction/idleAfter`` is dropped, and beyond
/// ``Eviction/budgetBytes`` the least recently searched cubes are dropped until the rest fit. A dropped cube is
/// built again on its next search. With replicas sharded by cube behind a proxy, each replica then holds only the
/// cubes routed to it.
public final class RetrievalIndex: Sendable {
    /// When cubes are dropped from memory.
    public struct Eviction: Sendable, Hashable {
        /// Drop a cube not searched for this long; nil: never for idleness.
        public var idleAfter: Duration?
        /// Keep the estimated size of the cubes held under this many bytes, dropping the least recently searched;
        /// nil: no budget. A cube larger than the budget on its own is still held while it is searched.
        public var budgetBytes: Int?

        public init(idleAfter: Duration? = nil, budgetBytes: Int? = nil) {
            self.idleAfter = idleAfter
            self.budgetBytes = budgetBytes
        }
    }

    let feed: any ChangeFeed
    let model: String
    let dimension: Int
    let hnswThreshold: Int
    let catchUpInterval: Duration
    let eviction: Eviction
    /// The time by which cubes count as idle (the monotonic clock; a test's own clock).
    let now: @Sendable () -> ContinuousClock.Instant
    let logger: Logger
    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let graphRequests: AsyncStream<String>
    private let requestGraph: AsyncStream<String>.Continuation
    private let clock = ContinuousClock()

    typealias LiveCube = ReadWriteLocked<CubeIndex>

    struct State {
        var cubes: [String: LiveCube] = [:]
        var buildWaiters: [String: [CheckedContinuation<LiveCube, any Error>]] = [:]
        var watermark: Int64 = 0
        /// Reads whose highest visible number becomes the watermark once their running writers have ended.
        var pending: [(highest: Int64, xmax: UInt64)] = []
        var lastRead: (startedAt: ContinuousClock.Instant, allocated: Int64)?
        /// True once ``run()`` has ended: builds are refused from then on.
        var stopped = false
        /// Cubes whose HNSW graph is being made.
        var graphing: Set<String> = []
        /// When each held cube was last searched (or built).
        var lastUsed: [String: ContinuousClock.Instant] = [:]
    }

    /// Changes applied per write-lock hold, so that searches interleave with a large catch-up.
    static let applyChunk = 256

    /// - Parameters:
    ///   - model: the embedding model whose vectors are indexed.
    ///   - dimension: its vectors' length.
    public init(
        feed: any ChangeFeed,
        model: String,
        dimension: Int,
        hnswThreshold: Int? = nil,
        catchUpInterval: Duration = .seconds(1),
        eviction: Eviction = Eviction(),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        logger: Logger
    ) {
        self.feed = feed
        self.eviction = eviction
        self.now = now
        self.model = model
        self.dimension = dimension
        self.hnswThreshold = hnswThreshold ?? CubeIndex.defaultHNSWThreshold
        self.catchUpInterval = catchUpInterval
        self.logger = logger
        (self.wakeups, self.wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (self.graphRequests, self.requestGraph) = AsyncStream.makeStream(of: String.self)
    }

    /// Follows the change sequence until cancelled; searches of cubes not yet built wait for it to run, and
    /// fail with `unavailable` once it has stopped.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.listen() }
            group.addTask {
                while (try? await Task.sleep(for: self.catchUpInterval)) != nil { self.wake.yield() }
            }
            group.addTask {
                for await cubeID in self.graphRequests { await self.makeGraph(cubeID) }
            }
            for await _ in self.wakeups { await self.step() }
            group.cancelAll()
        }
        let waiters = self.state.withLock { state in
            state.stopped = true
            defer { state.buildWaiters = [:] }
            return state.buildWaiters.values.flatMap { $0 }
        }
        for waiter in waiters { waiter.resume(throwing: Self.notRunning) }
    }

    static let notRunning = MemOSError(code: .unavailable, message: "the search index is not running; retry")

    /// Wakes the worker on every notification of a loaded cube; reconnects after a lost connection.
    private func listen() async {
        while !Task.isCancelled {
            do {
                try await self.feed.follow { cubeID, _ in
                    if self.state.withLock({ $0.cubes[cubeID] != nil }) { self.wake.yield() }
                }
            } catch {
                if Task.isCancelled { return }
                self.logger.warning(
                    "change notifications lost; catching up periodically",
                    metadata: ["error": "\(error)"]
                )
            }
            self.wake.yield()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Builds the cubes searches wait for, then applies the loaded cubes' changes.
    private func step() async {
        let requested = self.state.withLock { Array($0.buildWaiters.keys) }
        for cubeID in requested {
            let result: Result<LiveCube, any Error>
            do {
                result = .success(try await self.build(cubeID))
            } catch {
                result = .failure(error)
            }
            let now = self.now()
            let waiters = self.state.withLock { state in
                if case .success(let cube) = result {
                    state.cubes[cubeID] = cube
                    state.lastUsed[cubeID] = now
                }
                return state.buildWaiters.removeValue(forKey: cubeID) ?? []
            }
            for waiter in waiters { waiter.resume(with: result) }
        }
        do {
            try await self.catchUp()
        } catch {
            self.logger.warning("search index catch-up failed; retrying", metadata: ["error": "\(error)"])
        }
        self.evict()
        let cubes = self.state.withLock { $0.cubes }
        for (cubeID, cube) in cubes where cube.read(\.wantsGraph) {
            if self.state.withLock({ $0.graphing.insert(cubeID).inserted }) { self.requestGraph.yield(cubeID) }
        }
        Self.cubesLoaded.record(cubes.count)
        Self.memoriesLoaded.record(cubes.values.reduce(0) { $0 + $1.read(\.liveCount) })
    }

    /// Drops the cubes idle past ``Eviction/idleAfter``, then the least recently searched beyond
    /// ``Eviction/budgetBytes``.
    func evict() {
        guard self.eviction.idleAfter != nil || self.eviction.budgetBytes != nil else { return }
        let now = self.now()
        let sizes = self.state.withLock { $0.cubes }.mapValues { $0.read(\.estimatedBytes) }
        let dropped = self.state.withLock { state -> [String] in
            var dropped: [String] = []
            let byAge = state.lastUsed.sorted { $0.value < $1.value }.map(\.key)
            if let idleAfter = self.eviction.idleAfter {
                for cubeID in byAge where now - (state.lastUsed[cubeID] ?? now) > idleAfter { dropped.append(cubeID) }
            }
            if let budget = self.eviction.budgetBytes {
                var held = sizes.filter { !dropped.contains($0.key) }.values.reduce(0, +)
                // The most recently searched cube stays, whatever its size: it is in use.
                for cubeID in byAge.dropLast() where held > budget && !dropped.contains(cubeID) {
                    held -= sizes[cubeID] ?? 0
                    dropped.append(cubeID)
                }
            }
            for cubeID in dropped {
                state.cubes[cubeID] = nil
                state.lastUsed[cubeID] = nil
            }
            return dropped
        }
        guard !dropped.isEmpty else { return }
        Self.cubesEvicted.increment(by: dropped.count)
        self.logger.info("search index dropped cubes", metadata: ["cubes": "\(dropped.joined(separator: ","))"])
    }

    /// Cubes dropped from memory (idle or beyond the budget): `memos_index_cubes_evicted_total`.
    static let cubesEvicted = Counter(label: "memos_index_cubes_evicted_total")

    /// The cubes this process holds and their live memories: `memos_index_cubes`, `memos_index_memories`.
    static let cubesLoaded = Gauge(label: "memos_index_cubes")
    static let memoriesLoaded = Gauge(label: "memos_index_memories")

    /// Makes a cube's HNSW graph on a copy, off the cooperative threads, then attaches it; searches scan the
    /// cube exactly meanwhile, and changes keep being applied.
    private func makeGraph(_ cubeID: String) async {
        defer { _ = self.state.withLock { $0.graphing.remove(cubeID) } }
        guard let cube = self.state.withLock({ $0.cubes[cubeID] }) else { return }
        let started = self.clock.now
        let copy = cube.read { $0 }
        // A thread of its own: a graph takes seconds of CPU, which must not hold one of the few threads every
        // request and test task shares (Dispatch's global queues feed the same pool on Linux).
        let graph = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: copy.makeGraph()) }.start()
        }
        let attached = cube.write { $0.attach(graph, generation: copy.generation) }
        self.logger.info(
            "search index graph made",
            metadata: [
                "cube": "\(cubeID)", "memories": "\(copy.liveCount)", "took": "\(self.clock.now - started)",
                "attached": "\(attached)",
            ]
        )
    }

    private func build(_ cubeID: String) async throws -> LiveCube {
        let started = self.clock.now
        let batch = try await self.feed.changes(in: [cubeID], since: 0, model: self.model)
        // On a thread of its own, like a graph: making the keyword terms of a large cube takes seconds of CPU.
        let index = await withCheckedContinuation { continuation in
            Thread {
                var index = CubeIndex(dimension: self.dimension, hnswThreshold: self.hnswThreshold)
                for memory in batch.memories.sorted(by: { $0.changeSeq < $1.changeSeq }) { index.apply(memory) }
                continuation.resume(returning: index)
            }.start()
        }
        self.logger.info(
            "search index built",
            metadata: ["cube": "\(cubeID)", "memories": "\(index.liveCount)", "took": "\(self.clock.now - started)"]
        )
        Timer(label: "memos_index_cube_load_seconds").record(duration: self.clock.now - started)
        return LiveCube(index)
    }

    private func catchUp() async throws {
        let (cubes, since) = self.state.withLock { state in (state.cubes, state.watermark) }
        let startedAt = self.clock.now
        let batch = try await self.feed.changes(in: cubes.keys.sorted(), since: since, model: self.model)
        let memories = Dictionary(grouping: batch.memories, by: \.cubeID)
        let removed = Dictionary(grouping: batch.removed, by: \.cubeID)
        for (cubeID, cube) in cubes {
            var changes: [(seq: Int64, apply: (inout CubeIndex) -> Void)] = []
            for memory in memories[cubeID] ?? [] {
                // Terms are made here, outside the write lock.
                let document = KeywordDocument(key: memory.key, content: memory.content)
                changes.append((memory.changeSeq, { $0.apply(memory, document: document) }))
            }
            for gone in removed[cubeID] ?? [] { changes.append((gone.changeSeq, { $0.apply(gone) })) }
            guard !changes.isEmpty else { continue }
            changes.sort { $0.seq < $1.seq }
            for start in stride(from: 0, to: changes.count, by: Self.applyChunk) {
                cube.write { index in
                    for change in changes[start..<min(start + Self.applyChunk, changes.count)] { change.apply(&index) }
                }
            }
            if cube.read(\.needsCompaction) {
                let compacted = cube.read { $0.compacted() }
                cube.write { $0 = compacted }
            }
        }
        let snapshot = batch.snapshot
        self.state.withLock { state in
            var watermark = state.watermark
            if !snapshot.hadRunningWriters { watermark = max(watermark, snapshot.highestVisible) }
            state.pending.removeAll { pending in
                guard pending.xmax <= snapshot.xmin else { return false }
                watermark = max(watermark, pending.highest)
                return true
            }
            if snapshot.hadRunningWriters { state.pending.append((snapshot.highestVisible, snapshot.xmax)) }
            state.watermark = watermark
            state.lastRead = (startedAt, snapshot.allocated)
        }
    }

    // MARK: Reading

    /// True while a cube's HNSW graph is being made (for benchmarks and operators).
    public var isMakingGraphs: Bool {
        self.state.withLock { !$0.graphing.isEmpty }
    }

    /// The index of a cube, built first if this process has not searched it yet.
    /// The cubes held in memory.
    var heldCubes: Set<String> { self.state.withLock { Set($0.cubes.keys) } }

    func cube(_ cubeID: String) async throws -> LiveCube {
        let now = self.now()
        let held = self.state.withLock { state -> LiveCube? in
            guard let cube = state.cubes[cubeID] else { return nil }
            state.lastUsed[cubeID] = now
            return cube
        }
        if let held { return held }
        return try await withCheckedThrowingContinuation { continuation in
            let refused = self.state.withLock { state -> Result<LiveCube, any Error>? in
                if let cube = state.cubes[cubeID] { return .success(cube) }
                guard !state.stopped else { return .failure(Self.notRunning) }
                state.buildWaiters[cubeID, default: []].append(continuation)
                return nil
            }
            if let refused { continuation.resume(with: refused) } else { self.wake.yield() }
        }
    }

    /// Waits until every change numbered ≤ `changeSeq` committed before `arrival` is applied (see the type's
    /// documentation); returns the number the search reflects.
    /// - Throws: `unavailable` at `deadline`.
    func awaitApplied(
        _ changeSeq: Int64,
        arrival: ContinuousClock.Instant,
        deadline: ContinuousClock.Instant
    ) async throws
        -> Int64
    {
        while true {
            let reflected = self.state.withLock { state -> Int64? in
                if state.watermark >= changeSeq { return state.watermark }
                if let read = state.lastRead, read.startedAt >= arrival, read.allocated >= changeSeq {
                    return max(state.watermark, changeSeq)
                }
                return nil
            }
            if let reflected { return reflected }
            if self.clock.now >= deadline {
                throw MemOSError(code: .unavailable, message: "min_change_seq \(changeSeq) is not applied yet; retry")
            }
            self.wake.yield()
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// A memory found by the vector index.
    struct Hit {
        var cubeID: String
        var id: UUID
        var score: Float
    }

    /// The `k` memories of `cubeIDs` most similar to `query` that `filter` accepts, best first.
    func search(_ query: [Float], in cubeIDs: [String], k: Int, filter: CubeIndex.RowFilter) async throws -> [Hit] {
        try await self.best(k, in: cubeIDs) { $0.search(query, k: k, filter: filter) }
    }

    /// The ids of the `k` activated memories of `cubeIDs` most similar to `query`: the index alone, without the
    /// service around it (for benchmarks).
    public func nearest(_ query: [Float], in cubeIDs: [String], k: Int) async throws -> [UUID] {
        let filter = CubeIndex.RowFilter(statuses: [.activated], memoryTypes: [], allowedIDs: nil)
        return try await self.search(query, in: cubeIDs, k: k, filter: filter).map(\.id)
    }

    /// The `k` memories of `cubeIDs` with the best BM25 score for the query's `terms` that `filter` accepts,
    /// best first (each cube scored with its own term statistics).
    func keywordSearch(
        _ terms: [String],
        in cubeIDs: [String],
        k: Int,
        filter: CubeIndex.RowFilter
    ) async throws -> [Hit] {
        try await self.best(k, in: cubeIDs) { $0.keywordSearch(terms, k: k, filter: filter) }
    }

    private func best(
        _ k: Int,
        in cubeIDs: [String],
        _ search: (CubeIndex) -> [(id: UUID, score: Float)]
    ) async throws -> [Hit] {
        var hits: [Hit] = []
        for cubeID in cubeIDs {
            let cube = try await self.cube(cubeID)
            hits += cube.read(search).map { Hit(cubeID: cubeID, id: $0.id, score: $0.score) }
        }
        hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        return Array(hits.prefix(k))
    }

    /// What ranking needs of the memories of `ids` in a cube the index holds (see ``CubeIndex/summaries(_:)``).
    func summaries(_ ids: [UUID], in cubeID: String, terms: [String] = []) async throws -> [UUID: CubeIndex.Summary] {
        try await self.cube(cubeID).read { $0.summaries(ids, terms: terms) }
    }
}
