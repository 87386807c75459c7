import Crypto
import Foundation
import Logging
import MemOSCore
import PostgresNIO
import Synchronization

/// Users, API keys, cubes and memberships in PostgreSQL.
///
/// API keys are stored as SHA-256 hashes with a short visible prefix; the plaintext is returned once, when
/// the key is made. Resolved keys are cached for ``cacheTTL`` so that a call does not cost a query. Revoking a
/// key or disabling a user through a store empties that store's cache, so it takes effect at once there; other
/// stores (other processes) refuse the key within ``cacheTTL``.
///
/// With a ``roleCacheTTL`` above zero, a member's role in a cube is cached too (non-members and unknown cubes are
/// not): sharing, unsharing and deleting a cube through the store forget the cube's cached roles at once; other
/// stores see an unshare or a downgrade within ``roleCacheTTL``. Only a store whose checks another one repeats
/// uncached should cache roles (the gateway's, in front of the services).
public final class PostgresAccountStore: AccountAdministration, CubeDirectory {
    /// How long a resolved key stays cached (default 5 seconds).
    public let cacheTTL: Duration
    /// How long a member's role stays cached (default zero: not cached).
    public let roleCacheTTL: Duration
    let database: Database
    private let cache = Mutex<[Data: (principal: Principal?, expires: ContinuousClock.Instant)]>([:])
    private let roles = Mutex<[Membership: (role: CubeRole, expires: ContinuousClock.Instant)]>([:])

    private struct Membership: Hashable {
        var userID: UUID
        var cubeID: String
    }

    public init(database: Database, cacheTTL: Duration = .seconds(5), roleCacheTTL: Duration = .zero) {
        self.database = database
        self.cacheTTL = cacheTTL
        self.roleCacheTTL = roleCacheTTL
    }

    public func principal(forAPIKey key: String) async throws -> Principal? {
        guard key.utf8.count <= 256, !key.isEmpty else { return nil }
        let hash = Self.hash(key)
        let now = ContinuousClock.now
        if let cached = self.cache.withLock({ $0[hash] }), cached.expires > now {
            return cached.principal
        }
        let logger = self.database.logger
        let principal: Principal? = try await self.database.withConnection { connection in
            let rows = try await connection.rows(
                """
                UPDATE api_keys k SET last_used_at = now()
                FROM users u
                WHERE k.key_hash = \(hash) AND k.revoked_at IS NULL AND u.id = k.user_id AND NOT u.disabled
                RETURNING u.id AS user_id, u.name AS user_name, u.role AS user_role, k.id AS key_id
                """,
                logger: logger
            )
            guard let row = rows.first else { return nil }
            return Principal(
                userID: try row["user_id"].decode(UUID.self),
                userName: try row["user_name"].decode(String.self),
                role: UserRole(rawValue: try row["user_role"].decode(String.self)) ?? .user,
                apiKeyID: try row["key_id"].decode(UUID.self)
            )
        }
        self.cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[hash] = (principal, now.advanced(by: self.cacheTTL))
        }
        return principal
    }

    public func role(of userID: UUID, inCube cubeID: String) async throws -> CubeRole? {
        guard let role = try await self.roles(of: userID, inCubes: [cubeID])[cubeID] else {
            throw Self.noSuchCube(cubeID)
        }
        return role
    }

    /// The cubes' roles in one query (the cached ones aside; with one cube, as every call of every service asks):
    /// a search naming 32 cubes asked 32 times before.
    public func roles(of userID: UUID, inCubes cubeIDs: [String]) async throws -> [String: CubeRole?] {
        let now = ContinuousClock.now
        var known: [String: CubeRole?] = [:]
        if self.roleCacheTTL > .zero {
            self.roles.withLock { cached in
                for cubeID in cubeIDs {
                    if let entry = cached[Membership(userID: userID, cubeID: cubeID)], entry.expires > now {
                        known[cubeID] = .some(entry.role)
                    }
                }
            }
        }
        let asked = Array(Set(cubeIDs.filter { known[$0] == nil }))
        guard !asked.isEmpty else { return known }
        let logger = self.database.logger
        let stored = try await self.database.withConnection { connection in
            var stored: [String: CubeRole?] = [:]
            for try await (cubeID, role) in try await connection.execute(
                RolesQuery(userID: userID, cubeIDs: asked),
                logger: logger
            ) {
                stored[cubeID] = .some(role.flatMap(CubeRole.init(rawValue:)))
            }
            return stored
        }
        if self.roleCacheTTL > .zero {
            self.roles.withLock { cached in
                if cached.count > 10_000 { cached.removeAll() }
                for case (let cubeID, let role?) in stored {
                    cached[Membership(userID: userID, cubeID: cubeID)] = (role, now.advanced(by: self.roleCacheTTL))
                }
            }
        }
        return known.merging(stored) { cached, _ in cached }
    }

    /// A member's roles in live cubes: a row per cube that exists, with a null role where not a member. Prepared
    /// once per connection; its rows (at most ``Limits/maxCubesPerSearch``, a few bytes each) come in one read, so
    /// the back-pressured sequence that ``PostgresConnection/rows(_:logger:)`` avoids cannot wait mid-result.
    struct RolesQuery: PostgresPreparedStatement {
        static let sql = """
            SELECT c.cube_id, m.role FROM cubes c
            LEFT JOIN cube_members m ON m.cube_id = c.cube_id AND m.user_id = $1
            WHERE c.cube_id = ANY($2) AND c.deleted_at IS NULL
            """
        typealias Row = (String, String?)

        var userID: UUID
        var cubeIDs: [String]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(self.userID)
            bindings.append(self.cubeIDs)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (String, String?) {
            try row.decode((String, String?).self)
        }
    }

    /// Forgets the cached roles in a cube, so that the next check reads the database.
    func forgetRoles(inCube cubeID: String) {
        self.roles.withLock { roles in roles = roles.filter { $0.key.cubeID != cubeID } }
    }

    public func cubeIDs(readableBy userID: UUID) async throws -> [String] {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(
                """
                SELECT m.cube_id FROM cube_members m JOIN cubes c ON c.cube_id = m.cube_id
                WHERE m.user_id = \(userID) AND c.deleted_at IS NULL ORDER BY m.cube_id
                """,
                logger: logger
            ).map { try $0["cube_id"].decode(String.self) }
        }
    }

    // MARK: Administration

    /// Creates a user; returns its id.
    /// - Throws: `alreadyExists` when the name is taken.
    public func createUser(name: String, role: UserRole) async throws -> UUID {
        let id = UUID.random()
        let logger = self.database.logger
        try await self.database.withConnection { connection in
            let rows = try await connection.rows(
                """
                INSERT INTO users (id, name, role) VALUES (\(id), \(name), \(role.rawValue))
                ON CONFLICT (name) DO NOTHING RETURNING id
                """,
                logger: logger
            )
            if rows.isEmpty { throw MemOSError(code: .alreadyExists, message: "user name '\(name)' is taken") }
        }
        return id
    }

    /// The id of the user with this name, if any.
    public func userID(named name: String) async throws -> UUID? {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows("SELECT id FROM users WHERE name = \(name)", logger: logger)
                .first.map { try $0["id"].decode(UUID.self) }
        }
    }

    /// Makes an API key for a user. The plaintext is returned here only; the database keeps its hash.
    public func createAPIKey(for userID: UUID, name: String = "") async throws -> (id: UUID, key: String) {
        let key = Self.generateKey()
        return (try await self.insertAPIKey(key, for: userID, name: name), key)
    }

    /// Creates a cube owned by `owner`.
    /// - Throws: `alreadyExists` when the id is taken.
    public func createCube(id cubeID: String, name: String, owner: UUID) async throws {
        try Validate.cubeID(cubeID)
        let logger = self.database.logger
        try await self.database.transaction { connection in
            let rows = try await connection.rows(
                """
                INSERT INTO cubes (cube_id, name, owner_id) VALUES (\(cubeID), \(name), \(owner))
                ON CONFLICT (cube_id) DO NOTHING RETURNING cube_id
                """,
                logger: logger
            )
            if rows.isEmpty { throw MemOSError(code: .alreadyExists, message: "cube id '\(cubeID)' is taken") }
            try await connection.query(
                "INSERT INTO cube_members (cube_id, user_id, role) VALUES (\(cubeID), \(owner), 'owner')",
                logger: logger
            )
        }
    }

    /// Forgets every resolved key, so that the next call with any key reads the database.
    func forgetResolvedKeys() {
        self.cache.withLock { $0.removeAll() }
    }

    static func hash(_ key: String) -> Data {
        Data(SHA256.hash(data: Data(key.utf8)))
    }

    /// `mk_` followed by 40 random base-62 characters (about 238 bits).
    static func generateKey() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        let body = (0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] }
        return "mk_" + String(body)
    }
}

extension PostgresAccountStore {
    /// Makes sure an admin user named "admin" exists and that `key` is one of its API keys.
    ///
    /// Used to provision the first admin in production from `MEMOS_ADMIN_KEY`; the key's hash is stored.
    public func ensureAdmin(key: String) async throws {
        guard key.utf8.count >= 24 else {
            throw MemOSError.invalidArgument("MEMOS_ADMIN_KEY must be at least 24 characters")
        }
        if try await self.principal(forAPIKey: key) != nil { return }
        let adminID: UUID
        if let existing = try await self.userID(named: "admin") {
            adminID = existing
        } else {
            adminID = try await self.createUser(name: "admin", role: .admin)
        }
        try await self.insertAPIKey(key, for: adminID, name: "MEMOS_ADMIN_KEY")
    }

    /// Stores the hash of a key and its visible prefix; returns the key's id. A key already stored is left as is.
    @discardableResult
    func insertAPIKey(_ key: String, for userID: UUID, name: String) async throws -> UUID {
        let id = UUID.random()
        let logger = self.database.logger
        let hash = Self.hash(key)
        let prefix = String(key.prefix(11))
        try await self.database.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO api_keys (id, user_id, name, prefix, key_hash)
                VALUES (\(id), \(userID), \(name), \(prefix), \(hash))
                ON CONFLICT (key_hash) DO NOTHING
                """,
                logger: logger
            )
        }
        return id
    }
}
