import Foundation
import Logging
import MemOSCore
import PostgresNIO

/// Account management: users, keys, cubes and memberships.
extension PostgresAccountStore {
    public func user(id: UUID) async throws -> UserRecord? {
        try await self.rows("SELECT id, name, role, disabled, created_at FROM users WHERE id = \(id)")
            .first.map(Self.user)
    }

    public func user(named name: String) async throws -> UserRecord? {
        try await self.rows("SELECT id, name, role, disabled, created_at FROM users WHERE name = \(name)")
            .first.map(Self.user)
    }

    public func users() async throws -> [UserRecord] {
        try await self.rows("SELECT id, name, role, disabled, created_at FROM users ORDER BY name").map(Self.user)
    }

    public func setDisabled(_ disabled: Bool, userID: UUID) async throws -> UserRecord {
        let rows = try await self.rows(
            """
            UPDATE users SET disabled = \(disabled) WHERE id = \(userID)
            RETURNING id, name, role, disabled, created_at
            """
        )
        self.forgetResolvedKeys()
        guard let row = rows.first else { throw MemOSError.notFound("user '\(userID)' does not exist") }
        return try Self.user(row)
    }

    public func apiKey(id: UUID) async throws -> APIKeyRecord? {
        try await self.rows(
            "SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE id = \(id)"
        ).first.map(Self.apiKey)
    }

    public func apiKeys(of userID: UUID) async throws -> [APIKeyRecord] {
        try await self.rows(
            """
            SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys
            WHERE user_id = \(userID) ORDER BY created_at DESC, id
            """
        ).map(Self.apiKey)
    }

    public func revokeAPIKey(id: UUID) async throws -> APIKeyRecord {
        let rows = try await self.rows(
            """
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = \(id)
            RETURNING id, user_id, name, prefix, created_at, last_used_at, revoked_at
            """
        )
        self.forgetResolvedKeys()
        guard let row = rows.first else { throw MemOSError.notFound("API key '\(id)' does not exist") }
        return try Self.apiKey(row)
    }

    public func cube(id cubeID: String, viewer: UUID) async throws -> CubeRecord? {
        try await self.rows(
            """
            SELECT c.cube_id, c.name, c.owner_id, u.name AS owner_name, c.created_at, m.role, c.memory_ttl_seconds
            FROM cubes c JOIN users u ON u.id = c.owner_id
            LEFT JOIN cube_members m ON m.cube_id = c.cube_id AND m.user_id = \(viewer)
            WHERE c.cube_id = \(cubeID) AND c.deleted_at IS NULL
            """
        ).first.map(Self.cube)
    }

    public func cubes(of userID: UUID) async throws -> [CubeRecord] {
        try await self.rows(
            """
            SELECT c.cube_id, c.name, c.owner_id, u.name AS owner_name, c.created_at, m.role, c.memory_ttl_seconds
            FROM cube_members m JOIN cubes c ON c.cube_id = m.cube_id JOIN users u ON u.id = c.owner_id
            WHERE m.user_id = \(userID) AND c.deleted_at IS NULL ORDER BY c.cube_id
            """
        ).map(Self.cube)
    }

    public func deleteCube(id cubeID: String) async throws {
        // The cube is unreachable at once; a purge job, committed with the delete, erases it for good.
        let rows = try await self.rows(
            """
            WITH gone AS (
                UPDATE cubes SET deleted_at = now() WHERE cube_id = \(cubeID) AND deleted_at IS NULL RETURNING cube_id
            ), purge AS (
                INSERT INTO jobs (cube_id, id, kind, payload)
                SELECT cube_id, \(UUID.random()), 'purge', jsonb_build_object('cube_id', cube_id) FROM gone
            )
            SELECT cube_id FROM gone
            """
        )
        self.forgetRoles(inCube: cubeID)
        if rows.isEmpty { throw MemOSError.notFound("cube '\(cubeID)' does not exist") }
    }

    public func setMemoryTTL(_ seconds: Int?, ofCube cubeID: String) async throws {
        let rows = try await self.rows(
            """
            UPDATE cubes SET memory_ttl_seconds = \(seconds.map(Int64.init)) WHERE cube_id = \(cubeID) AND deleted_at IS NULL
            RETURNING cube_id
            """
        )
        if rows.isEmpty { throw MemOSError.notFound("cube '\(cubeID)' does not exist") }
    }

    public func members(ofCube cubeID: String) async throws -> [CubeMember] {
        try await self.rows(
            """
            SELECT m.user_id, u.name, m.role, m.created_at
            FROM cube_members m JOIN users u ON u.id = m.user_id
            WHERE m.cube_id = \(cubeID) ORDER BY m.role = 'owner' DESC, u.name
            """
        ).map { row in
            CubeMember(
                userID: try row["user_id"].decode(UUID.self),
                userName: try row["name"].decode(String.self),
                role: try Self.cubeRole(row["role"].decode(String.self)),
                createdAt: try row["created_at"].decode(Date.self)
            )
        }
    }

    public func setMember(_ userID: UUID, role: CubeRole, inCube cubeID: String) async throws {
        _ = try await self.rows(
            """
            INSERT INTO cube_members (cube_id, user_id, role) VALUES (\(cubeID), \(userID), \(role.rawValue))
            ON CONFLICT (cube_id, user_id) DO UPDATE SET role = EXCLUDED.role WHERE cube_members.role <> 'owner'
            """
        )
        self.forgetRoles(inCube: cubeID)
    }

    public func removeMember(_ userID: UUID, fromCube cubeID: String) async throws -> Bool {
        let rows = try await self.rows(
            """
            DELETE FROM cube_members WHERE cube_id = \(cubeID) AND user_id = \(userID) AND role <> 'owner'
            RETURNING user_id
            """
        )
        self.forgetRoles(inCube: cubeID)
        return !rows.isEmpty
    }

    // MARK: Rows

    private func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(query, logger: logger)
        }
    }

    private static func user(_ row: PostgresRandomAccessRow) throws -> UserRecord {
        UserRecord(
            id: try row["id"].decode(UUID.self),
            name: try row["name"].decode(String.self),
            role: UserRole(rawValue: try row["role"].decode(String.self)) ?? .user,
            disabled: try row["disabled"].decode(Bool.self),
            createdAt: try row["created_at"].decode(Date.self)
        )
    }

    private static func apiKey(_ row: PostgresRandomAccessRow) throws -> APIKeyRecord {
        APIKeyRecord(
            id: try row["id"].decode(UUID.self),
            userID: try row["user_id"].decode(UUID.self),
            name: try row["name"].decode(String.self),
            prefix: try row["prefix"].decode(String.self),
            createdAt: try row["created_at"].decode(Date.self),
            lastUsedAt: try row["last_used_at"].decode(Date?.self),
            revokedAt: try row["revoked_at"].decode(Date?.self)
        )
    }

    private static func cube(_ row: PostgresRandomAccessRow) throws -> CubeRecord {
        CubeRecord(
            cubeID: try row["cube_id"].decode(String.self),
            name: try row["name"].decode(String.self),
            ownerID: try row["owner_id"].decode(UUID.self),
            ownerName: try row["owner_name"].decode(String.self),
            role: try row["role"].decode(String?.self).map(Self.cubeRole),
            createdAt: try row["created_at"].decode(Date.self),
            memoryTTLSeconds: try row["memory_ttl_seconds"].decode(Int64?.self).map(Int.init)
        )
    }

    private static func cubeRole(_ text: String) throws -> CubeRole {
        guard let role = CubeRole(rawValue: text) else {
            throw MemOSError(code: .internalError, message: "unknown cube role '\(text)' in the database")
        }
        return role
    }
}
