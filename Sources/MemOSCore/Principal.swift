import Foundation

/// A user's role in the whole system.
public enum UserRole: String, Sendable, Hashable, Codable {
    case admin
    case user
}

/// A user's role in one cube.
public enum CubeRole: String, Sendable, Hashable, Codable {
    case reader
    case writer
    case owner

    /// True when the role may add, change or delete memories.
    public var canWrite: Bool { self != .reader }
}

/// The authenticated caller, resolved from an API key.
public struct Principal: Sendable, Hashable {
    public var userID: UUID
    public var userName: String
    public var role: UserRole
    public var apiKeyID: UUID

    public init(userID: UUID, userName: String, role: UserRole, apiKeyID: UUID) {
        self.userID = userID
        self.userName = userName
        self.role = role
        self.apiKeyID = apiKeyID
    }
}

/// What a caller wants to do with a cube.
public enum CubeAccess: Sendable {
    case read
    case write

    func isGranted(by role: CubeRole) -> Bool {
        switch self {
        case .read: true
        case .write: role.canWrite
        }
    }
}
