import Foundation

/// Cubes visible to a user.
public protocol CubeDirectory: Sendable {
    /// Ids of every cube the user is a member of.
    func cubeIDs(readableBy userID: UUID) async throws -> [String]
}
