import Foundation
import MemOSCore

/// Runs ``JobKind/lifecycleSweep`` jobs, which the worker pool queues periodically for the whole system:
/// archives memories past their `valid_to` (with history, restorable) and forgets idempotency keys older than
/// the retention (default 24 h, `MEMOS_IDEMPOTENCY_RETENTION_HOURS`).
public struct LifecycleSweepHandler: JobHandler {
    let store: any MemoryStore
    let idempotencyRetention: Duration

    public init(store: any MemoryStore, idempotencyRetention: Duration = .seconds(24 * 3_600)) {
        self.store = store
        self.idempotencyRetention = idempotencyRetention
    }

    public func run(_ job: ClaimedJob) async throws -> JobResult {
        var archived = 0
        // Batches keep each transaction short; a sweep goes on until nothing is left.
        while true {
            let count = try await self.store.archiveExpired(batch: 1_000)
            archived += count
            if count == 0 { break }
        }
        let forgotten = try await self.store.purgeIdempotencyKeys(olderThan: self.idempotencyRetention)
        return JobResult(result: [
            "archived": .number(Double(archived)), "idempotency_keys_forgotten": .number(Double(forgotten)),
        ])
    }
}
