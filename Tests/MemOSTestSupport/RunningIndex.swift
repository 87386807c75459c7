import Foundation
import MemOSCore
import MemOSPostgres

@testable import MemOSRetrieval

/// A ``RetrievalIndex`` following a test database for the duration of a body.
enum RunningIndex {
    static func with<T: Sendable>(
        feed: any ChangeFeed,
        model: String,
        dimension: Int,
        catchUpInterval: Duration = .seconds(1),
        eviction: RetrievalIndex.Eviction = .init(),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        _ body: @Sendable (RetrievalIndex) async throws -> T
    ) async throws -> T {
        let index = RetrievalIndex(
            feed: feed,
            model: model,
            dimension: dimension,
            catchUpInterval: catchUpInterval,
            eviction: eviction,
            now: now,
            logger: TestDatabase.logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await index.run() }
            defer { group.cancelAll() }
            return try await body(index)
        }
    }

    /// Repeats `probe` until it is true, at most `attempts` times 20 ms apart; returns whether it became true.
    static func eventually(attempts: Int = 500, _ probe: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<attempts {
            if try await probe() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

/// A change feed whose notifications never arrive: only the periodic catch-up finds changes.
struct SilentFeed: ChangeFeed {
    let wrapped: PostgresChangeFeed

    func changes(in cubeIDs: [String], since: Int64, model: String) async throws -> ChangeBatch {
        try await self.wrapped.changes(in: cubeIDs, since: since, model: model)
    }

    func follow(_ onChange: @escaping @Sendable (String, Int64) -> Void) async throws {
        try await Task.sleep(for: .seconds(3_600))
    }

    func memoryIDs(in scope: MemoryScope) async throws -> [UUID] {
        try await self.wrapped.memoryIDs(in: scope)
    }
}
