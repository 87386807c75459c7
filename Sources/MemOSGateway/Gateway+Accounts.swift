import Foundation
import HTTPTypes
import Hummingbird
import MemOSCore
import MemOSProto
import MemOSRPC
import SwiftProtobuf

/// The account routes: users (admin only), API keys, cubes and their members, each a translation of one call of
/// the accounts service, which authenticates the key, checks who may do what and validates every field (see
/// proto/memos/accounts/v1/accounts.proto). The gateway reads the JSON and the role names only; the bodies keep
/// their own shape (the records of MemOSCore).
extension Gateway {
    func addAccountRoutes(to router: Router<GatewayRequestContext>) {
        let accounts = self.accounts.client
        // Users.
        router.post("/v1/users") { request, context in
            await self.account(request, context, status: .created) { caller in
                let body = try await self.jsonBody(request, fields: ["name", "role"])
                let name = try body.string("name") ?? ""
                let role: Memos_Accounts_V1_UserRole =
                    try body.string("role").map { text in
                        guard let role = UserRole(rawValue: text) else {
                            throw MemOSError.invalidArgument("role must be 'admin' or 'user', not '\(text.prefix(32))'")
                        }
                        return role.proto
                    } ?? .user
                let user = try await accounts.createUser(
                    .with {
                        $0.name = name
                        $0.role = role
                    },
                    metadata: caller.metadata
                )
                return UserRecord(user)
            }
        }
        router.get("/v1/users") { request, context in
            await self.account(request, context) { caller in
                ["users": try await accounts.listUsers(.init(), metadata: caller.metadata).users.map(UserRecord.init)]
            }
        }
        for (action, disabled) in [("disable", true), ("enable", false)] {
            router.post("/v1/users/:user_id/\(action)") { request, context in
                await self.account(request, context) { caller in
                    let userID = try Self.parameter("user_id", context)
                    let user = try await accounts.setUserDisabled(
                        .with {
                            $0.userID = userID
                            $0.disabled = disabled
                        },
                        metadata: caller.metadata
                    )
                    self.accounts.forget(userID: user.id)
                    return UserRecord(user)
                }
            }
        }

        // API keys.
        router.post("/v1/keys") { request, context in
            await self.account(request, context, status: .created) { caller in
                let body = try await self.jsonBody(request, fields: ["name", "user_id"])
                let name = try body.string("name") ?? ""
                let userID = try body.string("user_id") ?? ""
                let created = try await accounts.createAPIKey(
                    .with {
                        $0.name = name
                        $0.userID = userID
                    },
                    metadata: caller.metadata
                )
                return NewAPIKey(created)
            }
        }
        router.get("/v1/keys") { request, context in
            await self.account(request, context) { caller in
                let userID = request.uri.queryParameters["user_id"].map(String.init) ?? ""
                let keys = try await accounts.listAPIKeys(.with { $0.userID = userID }, metadata: caller.metadata)
                return ["keys": keys.keys.map(APIKeyRecord.init)]
            }
        }
        router.post("/v1/keys/:key_id/revoke") { request, context in
            await self.account(request, context) { caller in
                let key = try await accounts.revokeAPIKey(
                    .with { $0.keyID = try Self.parameter("key_id", context) },
                    metadata: caller.metadata
                )
                self.accounts.forget(keyID: key.id)
                return APIKeyRecord(key)
            }
        }

        // Cubes.
        router.post("/v1/cubes") { request, context in
            await self.account(request, context, status: .created) { caller in
                let body = try await self.jsonBody(request, fields: ["cube_id", "name"])
                let cubeID = try body.string("cube_id") ?? ""
                let name = try body.string("name") ?? ""
                let cube = try await accounts.createCube(
                    .with {
                        $0.cubeID = cubeID
                        $0.name = name
                    },
                    metadata: caller.metadata
                )
                return CubeRecord(cube)
            }
        }
        router.get("/v1/cubes") { request, context in
            await self.account(request, context) { caller in
                ["cubes": try await self.accounts.cubes(caller)]
            }
        }
        router.get("/v1/cubes/:cube_id") { request, context in
            await self.account(request, context) { caller in
                let cubeID = try Self.cubeParameter(context)
                return CubeRecord(try await accounts.getCube(.with { $0.cubeID = cubeID }, metadata: caller.metadata))
            }
        }
        router.delete("/v1/cubes/:cube_id") { request, context in
            do {
                let caller = try await self.caller(request, context)
                let cubeID = try Self.cubeParameter(context)
                _ = try await accounts.deleteCube(.with { $0.cubeID = cubeID }, metadata: caller.metadata)
                return Response(status: .noContent)
            } catch {
                return self.errorResponse(error, logger: context.logger)
            }
        }
        router.put("/v1/cubes/:cube_id/ttl") { request, context in
            await self.account(request, context) { caller in
                let cubeID = try Self.cubeParameter(context)
                let body = try await self.jsonBody(request, fields: ["memory_ttl_seconds"])
                guard let seconds = try body.int("memory_ttl_seconds") else {
                    throw MemOSError.invalidArgument("memory_ttl_seconds is required (0 keeps memories forever)")
                }
                let cube = try await accounts.setCubeTTL(
                    .with {
                        $0.cubeID = cubeID
                        $0.memoryTtlSeconds = Int64(clamping: seconds)
                    },
                    metadata: caller.metadata
                )
                return CubeRecord(cube)
            }
        }
        router.get("/v1/cubes/:cube_id/members") { request, context in
            await self.account(request, context) { caller in
                let cubeID = try Self.cubeParameter(context)
                let members = try await accounts.listMembers(.with { $0.cubeID = cubeID }, metadata: caller.metadata)
                return ["members": members.members.map(CubeMember.init)]
            }
        }
        router.put("/v1/cubes/:cube_id/members/:user_name") { request, context in
            await self.account(request, context) { caller in
                let (cubeID, userName) = try Self.memberParameters(context)
                let body = try await self.jsonBody(request, fields: ["role"])
                let text = try body.string("role") ?? ""
                guard let role = CubeRole(rawValue: text), role != .owner else {
                    throw MemOSError.invalidArgument("role must be 'reader' or 'writer', not '\(text.prefix(32))'")
                }
                let members = try await accounts.setMember(
                    .with {
                        $0.cubeID = cubeID
                        $0.userName = userName
                        $0.role = role.proto
                    },
                    metadata: caller.metadata
                )
                return ["members": members.members.map(CubeMember.init)]
            }
        }
        router.delete("/v1/cubes/:cube_id/members/:user_name") { request, context in
            await self.account(request, context) { caller in
                let (cubeID, userName) = try Self.memberParameters(context)
                let members = try await accounts.removeMember(
                    .with {
                        $0.cubeID = cubeID
                        $0.userName = userName
                    },
                    metadata: caller.metadata
                )
                return ["members": members.members.map(CubeMember.init)]
            }
        }
    }

    /// Takes the caller's key, runs `body`, and answers its value as JSON with `status`; any error becomes the
    /// error body.
    func account(
        _ request: Request,
        _ context: GatewayRequestContext,
        status: HTTPResponse.Status = .ok,
        _ body: (Caller) async throws -> some Encodable
    ) async -> Response {
        do {
            return try Self.encoded(try await body(try await self.caller(request, context)), status: status)
        } catch {
            return self.errorResponse(error, logger: context.logger)
        }
    }

    /// The route's cube id (the accounts service checks it).
    static func cubeParameter(_ context: GatewayRequestContext) throws -> String {
        try Self.parameter("cube_id", context)
    }

    /// The cube id and user name of a share or unshare route (the accounts service checks them).
    static func memberParameters(_ context: GatewayRequestContext) throws -> (cubeID: String, userName: String) {
        (try Self.parameter("cube_id", context), try Self.parameter("user_name", context))
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
