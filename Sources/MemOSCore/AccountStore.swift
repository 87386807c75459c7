import Foundation

/// Users, API keys, cubes and memberships.
public protocol AccountStore: Sendable {
    /// The principal owning an API key, or nil when the key is unknown, revoked or its user disabled.
    func principal(forAPIKey key: String) async throws -> Principal?
    /// The caller's role in a cube, or nil when the caller is not a member.
    /// - Throws: ``MemOSError/Code/notFound`` when the cube does not exist.
    func role(of userID: UUID, inCube cubeID: String) async throws -> CubeRole?
    /// The caller's role in each of `cubeIDs` (nil: not a member); a cube that does not exist has no entry.
    /// A store answers in one lookup where it can (a search may name 32 cubes); by default, one per cube.
    func roles(of userID: UUID, inCubes cubeIDs: [String]) async throws -> [String: CubeRole?]
}

extension AccountStore {
    /// Checks that `principal` may access every cube in `cubeIDs`.
    ///
    /// - Throws: `invalidArgument` for a malformed cube id, `notFound` for a cube that does not exist, `permissionDenied` for one the caller is not a
    ///   member of or may only read when `access` is `.write`.
    ///   The cubes are judged in order: the error names the first that fails.
    public func authorize(
        _ principal: Principal,
        cubes cubeIDs: some Sequence<String>,
        for access: CubeAccess
    )
        async throws
    {
        let cubeIDs = Array(cubeIDs)
        for (index, cubeID) in cubeIDs.enumerated() {
            try Validate.cubeID(cubeID, field: cubeIDs.count == 1 ? "cube_id" : "cube_ids[\(index)]")
        }
        let roles = try await self.roles(of: principal.userID, inCubes: cubeIDs)
        for cubeID in cubeIDs {
            switch roles[cubeID] {
            case nil:
                throw Self.noSuchCube(cubeID)
            case .some(nil):
                throw MemOSError.permissionDenied("cube '\(cubeID)' is not shared with you")
            case .some(.some(let role)) where !access.isGranted(by: role):
                throw MemOSError.permissionDenied(
                    "cube '\(cubeID)': your role is \(role.rawValue); writing needs writer or owner"
                )
            case .some(.some):
                continue
            }
        }
    }

    public func roles(of userID: UUID, inCubes cubeIDs: [String]) async throws -> [String: CubeRole?] {
        var roles: [String: CubeRole?] = [:]
        for cubeID in cubeIDs where roles[cubeID] == nil {
            do {
                roles[cubeID] = .some(try await self.role(of: userID, inCube: cubeID))
            } catch let error as MemOSError where error.code == .notFound {
                continue
            }
        }
        return roles
    }

    /// The error for a cube that does not exist (or was deleted).
    public static func noSuchCube(_ cubeID: String) -> MemOSError {
        MemOSError.notFound("cube '\(cubeID)' does not exist")
    }
}
