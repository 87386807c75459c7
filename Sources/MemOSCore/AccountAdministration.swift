import Foundation

/// A user as an administrator sees it.
public struct UserRecord: Sendable, Hashable, Codable {
    public var id: UUID
    public var name: String
    public var role: UserRole
    /// A disabled user's keys are refused.
    public var disabled: Bool
    public var createdAt: Date

    public init(id: UUID, name: String, role: UserRole, disabled: Bool, createdAt: Date) {
        self.id = id
        self.name = name
        self.role = role
        self.disabled = disabled
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role, disabled
        case createdAt = "created_at"
    }
}

/// An API key without its secret: the visible prefix and its dates.
public struct APIKeyRecord: Sendable, Hashable, Codable {
    public var id: UUID
    public var userID: UUID
    public var name: String
    /// The first characters of the key (`mk_` and 8 more), to tell keys apart.
    public var prefix: String
    public var createdAt: Date
    /// When the key last authenticated a call; updated at most once per authentication-cache period.
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(
        id: UUID,
        userID: UUID,
        name: String,
        prefix: String,
        createdAt: Date,
        lastUsedAt: Date?,
        revokedAt: Date?
    ) {
        self.id = id
        self.userID = userID
        self.name = name
        self.prefix = prefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, prefix
        case userID = "user_id"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
    }
}

/// A cube as one of its members sees it.
public struct CubeRecord: Sendable, Hashable, Codable {
    public var cubeID: String
    public var name: String
    public var ownerID: UUID
    public var ownerName: String
    /// The viewer's role; nil when the viewer is not a member.
    public var role: CubeRole?
    public var createdAt: Date
    /// Memories of the cube older than this are archived by the scheduler's lifecycle sweep; nil: kept.
    public var memoryTTLSeconds: Int?

    public init(
        cubeID: String,
        name: String,
        ownerID: UUID,
        ownerName: String,
        role: CubeRole?,
        createdAt: Date,
        memoryTTLSeconds: Int? = nil
    ) {
        self.memoryTTLSeconds = memoryTTLSeconds
        self.cubeID = cubeID
        self.name = name
        self.ownerID = ownerID
        self.ownerName = ownerName
        self.role = role
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case name, role
        case cubeID = "cube_id"
        case ownerID = "owner_id"
        case ownerName = "owner_name"
        case createdAt = "created_at"
        case memoryTTLSeconds = "memory_ttl_seconds"
    }
}

/// One member of a cube.
public struct CubeMember: Sendable, Hashable, Codable {
    public var userID: UUID
    public var userName: String
    public var role: CubeRole
    public var createdAt: Date

    public init(userID: UUID, userName: String, role: CubeRole, createdAt: Date) {
        self.userID = userID
        self.userName = userName
        self.role = role
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case role
        case userID = "user_id"
        case userName = "user_name"
        case createdAt = "created_at"
    }
}

/// Managing users, API keys, cubes and memberships.
///
/// Callers check who may do what (admin, owner); these methods only read and write.
public protocol AccountAdministration: AccountStore {
    /// Creates a user; returns its id.
    /// - Throws: `alreadyExists` when the name is taken.
    func createUser(name: String, role: UserRole) async throws -> UUID
    func user(id: UUID) async throws -> UserRecord?
    func user(named name: String) async throws -> UserRecord?
    /// Every user, by name.
    func users() async throws -> [UserRecord]
    /// Disables or enables a user. A disabled user's keys are refused from then on by this process, and
    /// within the authentication cache period by other processes.
    /// - Throws: `notFound` for an unknown user.
    func setDisabled(_ disabled: Bool, userID: UUID) async throws -> UserRecord

    /// Makes an API key; the plaintext is returned here only.
    func createAPIKey(for userID: UUID, name: String) async throws -> (id: UUID, key: String)
    func apiKey(id: UUID) async throws -> APIKeyRecord?
    /// A user's keys, newest first, revoked ones included.
    func apiKeys(of userID: UUID) async throws -> [APIKeyRecord]
    /// Revokes a key (a second revoke keeps the first time). Refused from then on by this process, and within
    /// the authentication cache period by other processes.
    /// - Throws: `notFound` for an unknown key.
    func revokeAPIKey(id: UUID) async throws -> APIKeyRecord

    /// Creates a cube owned by `owner`.
    /// - Throws: `alreadyExists` when the id is taken (deleted cubes keep their id).
    func createCube(id cubeID: String, name: String, owner: UUID) async throws
    /// A cube that is not deleted, with `viewer`'s role in it.
    func cube(id cubeID: String, viewer: UUID) async throws -> CubeRecord?
    /// The cubes `userID` is a member of, by id.
    func cubes(of userID: UUID) async throws -> [CubeRecord]
    /// Marks a cube deleted (no route or RPC reaches it or its memories any more) and queues its purge.
    func deleteCube(id cubeID: String) async throws
    /// Sets (or with nil clears) the age past which the cube's memories are archived.
    func setMemoryTTL(_ seconds: Int?, ofCube cubeID: String) async throws
    /// The members of a cube, owner first.
    func members(ofCube cubeID: String) async throws -> [CubeMember]
    /// Adds a member or changes a member's role; the owner's row is never changed.
    func setMember(_ userID: UUID, role: CubeRole, inCube cubeID: String) async throws
    /// Removes a member; false when the user was not a member. The owner's row is never removed.
    func removeMember(_ userID: UUID, fromCube cubeID: String) async throws -> Bool
}
