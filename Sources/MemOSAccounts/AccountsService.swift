import Foundation
import GRPCCore
import MemOSCore
import MemOSProto
import MemOSRPC
import SwiftProtobuf

/// The accounts service: users, API keys, cubes and their members, over gRPC.
///
/// Who may do what is checked here, for every client alike (the gateway's account routes are thin translations
/// of these calls): an admin manages users and anyone's keys; a user manages their own keys; any member of a
/// cube may read it and its member list; only the owner deletes, shares, unshares it or sets its time-to-live. A
/// key that is not the caller's is `notFound` for non-admins, so key ids do not leak; a cube the caller is not a
/// member of is `permissionDenied`.
public struct AccountsService: Memos_Accounts_V1_AccountsService.SimpleServiceProtocol {
    let accounts: any AccountAdministration

    public init(accounts: any AccountAdministration) {
        self.accounts = accounts
    }

    public func whoAmI(
        request: Memos_Accounts_V1_WhoAmIRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_WhoAmIResponse {
        let principal = try RequestIdentity.require()
        let user = try await self.existingUser(principal.userID)
        return .with {
            $0.user = user.proto
            $0.apiKeyID = principal.apiKeyID.lowercasedString
        }
    }

    public func checkAccess(
        request: Memos_Accounts_V1_CheckAccessRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_CheckAccessResponse {
        let principal = try RequestIdentity.require()
        try Validate.count(request.cubeIds.count, field: "cube_ids", max: Limits.maxCubesPerSearch)
        try await self.accounts.authorize(principal, cubes: request.cubeIds, for: request.write ? .write : .read)
        return .init()
    }

    // MARK: Users

    public func createUser(
        request: Memos_Accounts_V1_CreateUserRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_User {
        try Self.requireAdmin(try RequestIdentity.require())
        try Validate.userName(request.name)
        let role: UserRole
        switch request.role {
        case .unspecified, .user: role = .user
        case .admin: role = .admin
        case .UNRECOGNIZED(let value): throw MemOSError.invalidArgument("role \(value) is neither USER nor ADMIN")
        }
        let id = try await self.accounts.createUser(name: request.name, role: role)
        return try await self.existingUser(id).proto
    }

    public func listUsers(
        request: Memos_Accounts_V1_ListUsersRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_ListUsersResponse {
        try Self.requireAdmin(try RequestIdentity.require())
        let users = try await self.accounts.users()
        return .with { $0.users = users.map(\.proto) }
    }

    public func setUserDisabled(
        request: Memos_Accounts_V1_SetUserDisabledRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_User {
        let principal = try RequestIdentity.require()
        try Self.requireAdmin(principal)
        let userID = try Validate.uuid(request.userID, field: "user_id")
        if userID == principal.userID {
            let action = request.disabled ? "disable" : "enable"
            throw MemOSError(code: .failedPrecondition, message: "you cannot \(action) yourself")
        }
        return try await self.accounts.setDisabled(request.disabled, userID: userID).proto
    }

    // MARK: API keys

    public func createAPIKey(
        request: Memos_Accounts_V1_CreateAPIKeyRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_CreateAPIKeyResponse {
        let principal = try RequestIdentity.require()
        try Validate.optionalText(request.name, field: "name", maxBytes: Limits.maxDisplayNameBytes)
        let userID = try Self.keyOwner(request.userID, principal: principal)
        _ = try await self.existingUser(userID)
        let (id, key) = try await self.accounts.createAPIKey(for: userID, name: request.name)
        guard let record = try await self.accounts.apiKey(id: id) else {
            throw MemOSError(code: .internalError, message: "the new API key was not stored")
        }
        return .with {
            $0.record = record.proto
            $0.key = key
        }
    }

    public func listAPIKeys(
        request: Memos_Accounts_V1_ListAPIKeysRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_ListAPIKeysResponse {
        let userID = try Self.keyOwner(request.userID, principal: try RequestIdentity.require())
        let keys = try await self.accounts.apiKeys(of: userID)
        return .with { $0.keys = keys.map(\.proto) }
    }

    public func revokeAPIKey(
        request: Memos_Accounts_V1_RevokeAPIKeyRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_APIKey {
        let principal = try RequestIdentity.require()
        let keyID = try Validate.uuid(request.keyID, field: "key_id")
        guard let key = try await self.accounts.apiKey(id: keyID),
            key.userID == principal.userID || principal.role == .admin
        else {
            throw MemOSError.notFound("API key '\(keyID)' does not exist")
        }
        return try await self.accounts.revokeAPIKey(id: keyID).proto
    }

    // MARK: Cubes

    public func createCube(
        request: Memos_Accounts_V1_CreateCubeRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_Cube {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let name = request.name.isEmpty ? request.cubeID : request.name
        try Validate.optionalText(name, field: "name", maxBytes: Limits.maxDisplayNameBytes)
        try await self.accounts.createCube(id: request.cubeID, name: name, owner: principal.userID)
        return try await self.memberCube(request.cubeID, principal).proto
    }

    public func getCube(
        request: Memos_Accounts_V1_GetCubeRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_Cube {
        try await self.memberCube(request.cubeID, try RequestIdentity.require()).proto
    }

    public func listCubes(
        request: Memos_Accounts_V1_ListCubesRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_ListCubesResponse {
        let cubes = try await self.accounts.cubes(of: try RequestIdentity.require().userID)
        return .with { $0.cubes = cubes.map(\.proto) }
    }

    public func deleteCube(
        request: Memos_Accounts_V1_DeleteCubeRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_DeleteCubeResponse {
        let cube = try await self.memberCube(request.cubeID, try RequestIdentity.require(), ownerMay: "delete it")
        try await self.accounts.deleteCube(id: cube.cubeID)
        return .init()
    }

    public func setCubeTTL(
        request: Memos_Accounts_V1_SetCubeTTLRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_Cube {
        let principal = try RequestIdentity.require()
        let cube = try await self.memberCube(request.cubeID, principal, ownerMay: "set its time-to-live")
        let seconds = request.memoryTtlSeconds
        let range = Int64(Limits.minMemoryTTLSeconds)...Int64(Limits.maxMemoryTTLSeconds)
        guard seconds == 0 || range.contains(seconds) else {
            throw MemOSError.invalidArgument(
                "memory_ttl_seconds must be 0 (keep memories) or between \(range.lowerBound) and \(range.upperBound)"
            )
        }
        try await self.accounts.setMemoryTTL(seconds == 0 ? nil : Int(clamping: seconds), ofCube: cube.cubeID)
        return try await self.memberCube(cube.cubeID, principal).proto
    }

    public func listMembers(
        request: Memos_Accounts_V1_ListMembersRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_ListMembersResponse {
        let cube = try await self.memberCube(request.cubeID, try RequestIdentity.require())
        return try await self.members(of: cube)
    }

    public func setMember(
        request: Memos_Accounts_V1_SetMemberRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_ListMembersResponse {
        let (cube, member) = try await self.sharing(request.cubeID, request.userName)
        guard let role = CubeRole(request.role), role != .owner else {
            throw MemOSError.invalidArgument("role must be READER or WRITER")
        }
        try await self.accounts.setMember(member.id, role: role, inCube: cube.cubeID)
        return try await self.members(of: cube)
    }

    public func removeMember(
        request: Memos_Accounts_V1_RemoveMemberRequest,
        context: ServerContext
    ) async throws -> Memos_Accounts_V1_ListMembersResponse {
        let (cube, member) = try await self.sharing(request.cubeID, request.userName)
        guard try await self.accounts.removeMember(member.id, fromCube: cube.cubeID) else {
            throw MemOSError.notFound("user '\(member.name)' is not a member of cube '\(cube.cubeID)'")
        }
        return try await self.members(of: cube)
    }

    // MARK: Checks

    static func requireAdmin(_ principal: Principal) throws {
        guard principal.role == .admin else { throw MemOSError.permissionDenied("this call needs an admin's API key") }
    }

    /// The user whose keys a request names: the caller, or for an admin any user.
    static func keyOwner(_ userIDText: String, principal: Principal) throws -> UUID {
        guard !userIDText.isEmpty else { return principal.userID }
        let userID = try Validate.uuid(userIDText, field: "user_id")
        if userID != principal.userID { try Self.requireAdmin(principal) }
        return userID
    }

    func existingUser(_ id: UUID) async throws -> UserRecord {
        guard let user = try await self.accounts.user(id: id) else {
            throw MemOSError.notFound("user '\(id)' does not exist")
        }
        return user
    }

    /// A cube the caller is a member of; with `ownerMay`, one the caller owns.
    ///
    /// - Throws: `notFound` for a cube that does not exist, `permissionDenied` for one the caller is not a member
    ///   of or does not own.
    func memberCube(_ cubeID: String, _ principal: Principal, ownerMay action: String? = nil) async throws -> CubeRecord
    {
        try Validate.cubeID(cubeID)
        guard let cube = try await self.accounts.cube(id: cubeID, viewer: principal.userID) else {
            throw MemOSError.notFound("cube '\(cubeID)' does not exist")
        }
        guard let role = cube.role else { throw MemOSError.permissionDenied("cube '\(cubeID)' is not shared with you") }
        if let action, role != .owner {
            throw MemOSError.permissionDenied(
                "cube '\(cubeID)': only its owner may \(action); your role is \(role.rawValue)"
            )
        }
        return cube
    }

    /// The cube (owned by the caller) and the other user a share or unshare names.
    func sharing(_ cubeID: String, _ userName: String) async throws -> (CubeRecord, UserRecord) {
        let cube = try await self.memberCube(cubeID, try RequestIdentity.require(), ownerMay: "share it")
        try Validate.userName(userName, field: "user_name")
        guard let user = try await self.accounts.user(named: userName) else {
            throw MemOSError.notFound("user '\(userName)' does not exist")
        }
        if user.id == cube.ownerID {
            throw MemOSError(
                code: .failedPrecondition,
                message: "the owner's membership of cube '\(cube.cubeID)' cannot change"
            )
        }
        return (cube, user)
    }

    func members(of cube: CubeRecord) async throws -> Memos_Accounts_V1_ListMembersResponse {
        let members = try await self.accounts.members(ofCube: cube.cubeID)
        return .with { $0.members = members.map(\.proto) }
    }
}
