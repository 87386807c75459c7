import Foundation

/// Erasure for good (the right-to-erasure request), in batches.
public protocol Eraser: Sendable {
    /// Removes a cube and everything in it; returns how many memories were removed. `keepingJob` spares the job
    /// doing the work, so it can be marked completed.
    func purgeCube(_ cubeID: String, keepingJob jobID: UUID?, batch: Int) async throws -> Int
    /// Removes a user, the cubes they own, and everything they wrote anywhere; returns how many memories.
    func purgeUser(_ userID: UUID, keepingJob jobID: UUID?, batch: Int) async throws -> Int
}
