import Foundation
import MemOSCore

/// Runs ``JobKind/purge`` jobs: erases a cube (payload `{"cube_id": ...}`) or a user (payload
/// `{"user_id": ...}`, queued as a system job) for good, in batches of 1,000 rows per transaction.
///
/// Purging is idempotent: a repeated attempt finds less (or nothing) left to remove.
public struct PurgeHandler: JobHandler {
    let eraser: any Eraser

    public init(eraser: any Eraser) {
        self.eraser = eraser
    }

    public func run(_ claimed: ClaimedJob) async throws -> JobResult {
        let job = claimed.job
        let removed: Int
        if case .string(let user)? = claimed.payload["user_id"], let userID = UUID(uuidString: user) {
            removed = try await self.eraser.purgeUser(userID, keepingJob: job.id, batch: 1_000)
        } else if case .string(let cube)? = claimed.payload["cube_id"], cube == job.cubeID {
            removed = try await self.eraser.purgeCube(cube, keepingJob: job.id, batch: 1_000)
        } else {
            throw MemOSError.invalidArgument("a purge job needs user_id, or cube_id equal to its cube")
        }
        return JobResult(result: ["memories_removed": .number(Double(removed))])
    }
}
