import Foundation
import HTTPTypes
import Hummingbird
import MemOSCore

/// The account routes: users (admin only), API keys, cubes and their members.
///
/// Who may do what: an admin manages users and anyone's keys; a user manages their own keys; any member of a
/// cube may read it and its member list; only the owner deletes, shares and unshares it. A key that is not the
/// caller's is answered 404 for non-admins, so key ids do not leak; a cube the caller is not a member of is 403.
extension Gateway {
    func addAccountRoutes(to router: Router<GatewayRequestContext>) {
        // Users.
        router.post("/v1/users") { request, context in
            await self.account(request, context) { principal in
                try Self.requireAdmin(principal)
                let body = try await self.jsonBody(request, fields: ["name", "role"])
                let name = try body.string("name") ?? ""
                try Validate.userName(name)
                let role =
                    try body.string("role").map { text in
                        guard let role = UserRole(rawValue: text) else {
                            throw MemOSError.invalidArgument("role must be 'admin' or 'user', not '\(text.prefix(32))'")
                        }
                        return role
                    } ?? .user
                let id = try await self.accounts.createUser(name: name, role: role)
                return try Self.encoded(try await self.existingUser(id), status: .created)
            }
        }
        router.get("/v1/users") { request, context in
            await self.account(request, context) { principal in
                try Self.requireAdmin(principal)
                return try Self.encoded(["users": try await self.accounts.users()])
            }
        }
        for (action, disabled) in [("disable", true), ("enable", false)] {
            router.post("/v1/users/:user_id/\(action)") { request, context in
                await self.account(request, context) { principal in
                    try Self.requireAdmin(principal)
                    let userID = try Validate.uuid(try Self.parameter("user_id", context), field: "user_id")
                    if userID == principal.userID {
                        throw MemOSError(code: .failedPrecondition, message: "you cannot \(action) yourself")
                    }
                    return try Self.encoded(try await self.accounts.setDisabled(disabled, userID: userID))
                }
            }
        }

        // API keys.
        router.post("/v1/keys") { request, context in
            await self.account(request, context) { principal in
                let body = try await self.jsonBody(request, fields: ["name", "user_id"])
                let name = try body.string("name") ?? ""
                try Validate.optionalText(name, field: "name", maxBytes: Limits.maxDisplayNameBytes)
                let userID = try self.keyOwner(try body.string("user_id"), principal: principal)
                _ = try await self.existingUser(userID)
                let (id, key) = try await self.accounts.createAPIKey(for: userID, name: name)
                guard let record = try await self.accounts.apiKey(id: id) else {
                    throw MemOSError(code: .internalError, message: "the new API key was not stored")
                }
                return try Self.encoded(NewAPIKey(record: record, key: key), status: .created)
            }
        }
        router.get("/v1/keys") { request, context in
            await self.account(request, context) { principal in
                let userID = try self.keyOwner(
                    request.uri.queryParameters["user_id"].map(String.init),
                    principal: principal
                )
                return try Self.encoded(["keys": try await self.accounts.apiKeys(of: userID)])
            }
        }
        router.post("/v1/keys/:key_id/revoke") { request, context in
            await self.account(request, context) { principal in
                let keyID = try Validate.uuid(try Self.parameter("key_id", context), field: "key_id")
                guard let key = try await self.accounts.apiKey(id: keyID),
                    key.userID == principal.userID || principal.role == .admin
                else {
                    throw MemOSError.notFound("API key '\(keyID)' does not exist")
                }
                return try Self.encoded(try await self.accounts.revokeAPIKey(id: keyID))
            }
        }

        // Cubes.
        router.post("/v1/cubes") { request, context in
            await self.account(request, context) { principal in
                let body = try await self.jsonBody(request, fields: ["cube_id", "name"])
                let cubeID = try body.string("cube_id") ?? ""
                try Validate.cubeID(cubeID)
                let name = try body.string("name") ?? cubeID
                try Validate.optionalText(name, field: "name", maxBytes: Limits.maxDisplayNameBytes)
                try await self.accounts.createCube(id: cubeID, name: name, owner: principal.userID)
                return try Self.encoded(try await self.memberCube(cubeID, principal), status: .created)
            }
        }
        router.get("/v1/cubes") { request, context in
            await self.account(request, context) { principal in
                try Self.encoded(["cubes": try await self.accounts.cubes(of: principal.userID)])
            }
        }
        router.get("/v1/cubes/:cube_id") { request, context in
            await self.account(request, context) { principal in
                try Self.encoded(try await self.memberCube(try Self.parameter("cube_id", context), principal))
            }
        }
        router.delete("/v1/cubes/:cube_id") { request, context in
            await self.account(request, context) { principal in
                let cube = try await self.memberCube(
                    try Self.parameter("cube_id", context),
                    principal,
                    ownerMay: "delete it"
                )
                try await self.accounts.deleteCube(id: cube.cubeID)
                return Response(status: .noContent)
            }
        }
        router.put("/v1/cubes/:cube_id/ttl") { request, context in
            await self.account(request, context) { principal in
                let cube = try await self.memberCube(
                    try Self.parameter("cube_id", context),
                    principal,
                    ownerMay: "set its time-to-live"
                )
                let body = try await self.jsonBody(request, fields: ["memory_ttl_seconds"])
                guard let seconds = try body.int("memory_ttl_seconds") else {
                    throw MemOSError.invalidArgument("memory_ttl_seconds is required (0 keeps memories forever)")
                }
                guard seconds == 0 || (Limits.minMemoryTTLSeconds...Limits.maxMemoryTTLSeconds).contains(seconds) else {
                    throw MemOSError.invalidArgument(
                        "memory_ttl_seconds must be 0 (keep memories) or between \(Limits.minMemoryTTLSeconds) and \(Limits.maxMemoryTTLSeconds)"
                    )
                }
                try await self.accounts.setMemoryTTL(seconds == 0 ? nil : seconds, ofCube: cube.cubeID)
                return try Self.encoded(try await self.memberCube(cube.cubeID, principal))
            }
        }
        router.get("/v1/cubes/:cube_id/members") { request, context in
            await self.account(request, context) { principal in
                let cube = try await self.memberCube(try Self.parameter("cube_id", context), principal)
                return try Self.encoded(["members": try await self.accounts.members(ofCube: cube.cubeID)])
            }
        }
        router.put("/v1/cubes/:cube_id/members/:user_name") { request, context in
            await self.account(request, context) { principal in
                let (cube, member) = try await self.sharing(context, principal)
                let body = try await self.jsonBody(request, fields: ["role"])
                let text = try body.string("role") ?? ""
                guard let role = CubeRole(rawValue: text), role != .owner else {
                    throw MemOSError.invalidArgument("role must be 'reader' or 'writer', not '\(text.prefix(32))'")
                }
                try await self.accounts.setMember(member.id, role: role, inCube: cube.cubeID)
                return try Self.encoded(["members": try await self.accounts.members(ofCube: cube.cubeID)])
            }
        }
        router.delete("/v1/cubes/:cube_id/members/:user_name") { request, context in
            await self.account(request, context) { principal in
                let (cube, member) = try await self.sharing(context, principal)
                guard try await self.accounts.removeMember(member.id, fromCube: cube.cubeID) else {
                    throw MemOSError.notFound("user '\(member.name)' is not a member of cube '\(cube.cubeID)'")
                }
                return try Self.encoded(["members": try await self.accounts.members(ofCube: cube.cubeID)])
            }
        }
    }

    // MARK: Checks

    /// Authenticates, runs `body` with the caller, and turns any error into the error body.
    func account(
        _ request: Request,
        _ context: GatewayRequestContext,
        _ body: (Principal) async throws -> Response
    ) async -> Response {
        do {
            let (principal, _) = try await self.authenticate(request)
            return try await body(principal)
        } catch {
            return self.errorResponse(error, logger: context.logger)
        }
    }

    static func requireAdmin(_ principal: Principal) throws {
        guard principal.role == .admin else { throw MemOSError.permissionDenied("this route needs an admin's API key") }
    }

    /// The user whose keys a request names: the caller, or for an admin any user.
    func keyOwner(_ userIDText: String?, principal: Principal) throws -> UUID {
        guard let userIDText, !userIDText.isEmpty else { return principal.userID }
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
    func sharing(_ context: GatewayRequestContext, _ principal: Principal) async throws -> (CubeRecord, UserRecord) {
        let cube = try await self.memberCube(try Self.parameter("cube_id", context), principal, ownerMay: "share it")
        let name = try Self.parameter("user_name", context)
        try Validate.userName(name, field: "user_name")
        guard let user = try await self.accounts.user(named: name) else {
            throw MemOSError.notFound("user '\(name)' does not exist")
        }
        if user.id == cube.ownerID {
            throw MemOSError(
                code: .failedPrecondition,
                message: "the owner's membership of cube '\(cube.cubeID)' cannot change"
            )
        }
        return (cube, user)
    }

    // MARK: Bodies

    /// The request's JSON object (an empty body counts as `{}`), refusing fields other than `fields`.
    func jsonBody(_ request: Request, fields: Set<String>) async throws -> JSONObjectBody {
        try JSONObjectBody(try await self.body(of: request), fields: fields)
    }
}

/// A JSON object body read field by field, with errors naming the field.
struct JSONObjectBody {
    let object: [String: Any]

    init(_ data: Data, fields: Set<String>) throws {
        if data.isEmpty {
            self.object = [:]
            return
        }
        try checkJSONSyntax(data)
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw MemOSError.invalidArgument(
                "unknown field '\(unknown.prefix(64))'; expected \(fields.sorted().joined(separator: ", "))"
            )
        }
        self.object = object
    }

    /// The field's text; nil when absent or null.
    func string(_ field: String) throws -> String? {
        guard let value = self.object[field], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw MemOSError.invalidArgument("\(field) must be a string") }
        return text
    }

    /// The field's whole number; nil when absent or null.
    func int(_ field: String) throws -> Int? {
        guard let value = self.object[field], !(value is NSNull) else { return nil }
        // JSON true and false arrive as NSNumber too (objCType "c"); `is Bool` would also match 0 and 1.
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c",
            let exact = Int(exactly: number.doubleValue)
        else {
            throw MemOSError.invalidArgument("\(field) must be a whole number")
        }
        return exact
    }
}

/// A new key: its record and, this once, the key itself.
struct NewAPIKey: Encodable {
    var record: APIKeyRecord
    var key: String

    enum CodingKeys: String, CodingKey {
        case key
    }

    func encode(to encoder: any Encoder) throws {
        try self.record.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.key, forKey: .key)
    }
}
