import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import MemOSCore
import MemOSPostgres
import MemOSProto
import MemOSRPC
import NIOCore
import NIOHTTP1
import SwiftProtobuf

/// Where the gateway is and whose key a memory subcommand (`add`, `search`, `export`, `import`) uses.
struct ClientOptions: ParsableArguments {
    @Option(help: "Gateway URL (env MEMOS_URL; default http://127.0.0.1:8080).")
    var url: String?
    @Option(help: "API key (env MEMOS_KEY).")
    var key: String?

    /// Calls the gateway with a JSON body and returns the whole answer.
    func data(_ method: HTTPMethod, _ path: String, body: Data? = nil) async throws -> Data {
        let response = try await self.response(method, path, body: body)
        return Data(try await response.body.collect(upTo: 64 * 1_024 * 1_024).readableBytesView)
    }

    /// Calls the gateway; the answer's body is left to the caller to read (for streams).
    ///
    /// `timeout` bounds the whole call, the body's reading included. A 429 is waited out (its `Retry-After`) and
    /// retried; any other error answer goes to standard error and exits 1.
    func response(
        _ method: HTTPMethod,
        _ path: String,
        body: Data? = nil,
        timeout: TimeAmount = .seconds(60)
    ) async throws -> HTTPClientResponse {
        guard let key = self.key ?? Environment.string("MEMOS_KEY") else {
            throw ValidationError("no API key: pass --key or set MEMOS_KEY")
        }
        let base = self.url ?? Environment.string("MEMOS_URL") ?? "http://127.0.0.1:\(DefaultPort.gateway)"
        var request = HTTPClientRequest(url: base.trimmingCharacters(in: ["/"]) + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        while true {
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            if (200..<300).contains(response.status.code) { return response }
            let data = Data(try await response.body.collect(upTo: 1_024 * 1_024).readableBytesView)
            if response.status == .tooManyRequests,
                let seconds = response.headers.first(name: "Retry-After").flatMap(Int.init)
            {
                try await Task.sleep(for: .seconds(max(seconds, 1)))
                continue
            }
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            let message =
                (object?["error"] as? [String: Any])?["message"] as? String ?? String(decoding: data, as: UTF8.self)
            FileHandle.standardError.write(Data("error: \(message) (HTTP \(response.status.code))\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// `memos users …`: administering users through the accounts service (an admin's key).
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Creates, lists, disables and enables users (needs an admin's key).",
        subcommands: [Create.self, List.self, Disable.self, Enable.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Creates a user.")
        @OptionGroup var accounts: AccountsClientOptions
        @Argument(help: "User name: letters, digits and - _ . @.") var name: String
        @Flag(help: "Make the user an admin.") var admin = false

        func run() async throws {
            try await self.accounts.call { client in
                let role: UserRole = self.admin ? .admin : .user
                let user = try await client.createUser(
                    .with {
                        $0.name = self.name
                        $0.role = role.proto
                    }
                )
                return UserRecord(user)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists every user.")
        @OptionGroup var accounts: AccountsClientOptions

        func run() async throws {
            try await self.accounts.call { client in
                ["users": try await client.listUsers(.init()).users.map(UserRecord.init)]
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disables a user: their keys are refused.")
        @OptionGroup var accounts: AccountsClientOptions
        @Argument(help: "User id.") var userID: String
        func run() async throws { try await Users.setDisabled(true, userID: self.userID, self.accounts) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enables a disabled user.")
        @OptionGroup var accounts: AccountsClientOptions
        @Argument(help: "User id.") var userID: String
        func run() async throws { try await Users.setDisabled(false, userID: self.userID, self.accounts) }
    }

    /// Disables or enables a user and prints it.
    static func setDisabled(_ disabled: Bool, userID: String, _ accounts: AccountsClientOptions) async throws {
        try await accounts.call { client in
            let user = try await client.setUserDisabled(
                .with {
                    $0.userID = userID
                    $0.disabled = disabled
                }
            )
            return UserRecord(user)
        }
    }
}

/// `memos keys …`: the caller's API keys (an admin may name another user).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Creates, lists and revokes API keys.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Makes a key and prints it: the only time it is shown."
        )
        @OptionGroup var accounts: AccountsClientOptions
        @Option(help: "A label for the key.") var name: String?
        @Option(help: "Whose key (admin only; default yourself).") var userID: String?

        func run() async throws {
            try await self.accounts.call { client in
                let name = self.name ?? ""
                let created = try await client.createAPIKey(
                    .with {
                        $0.name = name
                        $0.userID = self.userID ?? ""
                    }
                )
                return NewAPIKey(created)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists keys by prefix, with their last use.")
        @OptionGroup var accounts: AccountsClientOptions
        @Option(help: "Whose keys (admin only; default yourself).") var userID: String?

        func run() async throws {
            try await self.accounts.call { client in
                let keys = try await client.listAPIKeys(.with { $0.userID = self.userID ?? "" })
                return ["keys": keys.keys.map(APIKeyRecord.init)]
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revokes a key.")
        @OptionGroup var accounts: AccountsClientOptions
        @Argument(help: "Key id.") var keyID: String

        func run() async throws {
            try await self.accounts.call { client in
                APIKeyRecord(try await client.revokeAPIKey(.with { $0.keyID = self.keyID }))
            }
        }
    }
}

/// `memos cubes …`: cubes and who they are shared with.
struct Cubes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Creates, lists, deletes and shares cubes.",
        subcommands: [Create.self, List.self, Delete.self, Members.self, Share.self, Unshare.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Creates a cube you own.")
        @OptionGroup var accounts: AccountsClientOptions
        @Argument(help: "Cube id.") var cubeID: String
        @Option(help: "Display name (default the id).") var name: String?

        func run() async throws {
            try await self.accounts.call { client in
                let name = self.name ?? ""
                let cube = try await client.createCube(
                    .with {
                        $0.cubeID = self.cubeID
                        $0.name = name
                    }
                )
                return CubeRecord(cube)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists your cubes with your role.")
        @OptionGroup var accounts: AccountsClientOptions

        func run() async throws {
            try await self.accounts.call { client in
                ["cubes": try await client.listCubes(.init()).cubes.map(CubeRecord.init)]
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deletes a cube you own.")
        @OptionGroup var accounts: AccountsClientOptions
        @Argument(help: "Cube id.") var cubeID: String

        func run() async throws {
            try await self.accounts.withClient { client in
                _ = try await client.deleteCube(.with { $0.cubeID = self.cubeID })
            }
        }
    }

    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists a cube's members.")
        @OptionGroup var accounts: AccountsClientOptions
        @Argument(help: "Cube id.") var cubeID: String

        func run() async throws {
            try await self.accounts.call { client in
                let members = try await client.listMembers(.with { $0.cubeID = self.cubeID })
                return ["members": members.members.map(CubeMember.init)]
            }
        }
    }

    struct Share: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Shares a cube you own with a user, or changes their role."
        )
        @OptionGroup var accounts: AccountsClientOptions
        @Argument(help: "Cube id.") var cubeID: String
        @Argument(help: "User name.") var userName: String
        @Option(help: "reader or writer.") var role: String = "reader"

        func run() async throws {
            try await self.accounts.call { client in
                guard let role = CubeRole(rawValue: self.role), role != .owner else {
                    throw MemOSError.invalidArgument("role must be 'reader' or 'writer', not '\(self.role.prefix(32))'")
                }
                let members = try await client.setMember(
                    .with {
                        $0.cubeID = self.cubeID
                        $0.userName = self.userName
                        $0.role = role.proto
                    }
                )
                return ["members": members.members.map(CubeMember.init)]
            }
        }
    }

    struct Unshare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Removes a user from a cube you own.")
        @OptionGroup var accounts: AccountsClientOptions
        @Argument(help: "Cube id.") var cubeID: String
        @Argument(help: "User name.") var userName: String

        func run() async throws {
            try await self.accounts.call { client in
                let members = try await client.removeMember(
                    .with {
                        $0.cubeID = self.cubeID
                        $0.userName = self.userName
                    }
                )
                return ["members": members.members.map(CubeMember.init)]
            }
        }
    }
}

/// `memos admin-key`: the first admin key, straight from PostgreSQL, for when no admin key exists yet.
struct AdminKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-key",
        abstract: "Makes an API key for an admin user directly in PostgreSQL and prints it once.",
        discussion:
            "Creates the user as an admin when missing. For provisioning; later keys come from `memos keys create`."
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Admin user name (default admin).") var user: String = "admin"
    @Option(help: "A label for the key.") var name: String = "memos admin-key"

    func run() async throws {
        let logger = self.common.makeLogger("memos.admin-key")
        let configuration = try self.common.databaseConfiguration()
        _ = try await ServiceRunner.migrate(configuration, logger: logger)
        let key = try await ServiceRunner.withTemporaryDatabase(configuration, logger: logger) { database in
            let accounts = PostgresAccountStore(database: database)
            let userID: UUID
            if let existing = try await accounts.user(named: self.user) {
                guard existing.role == .admin else {
                    throw ValidationError("user '\(self.user)' exists and is not an admin")
                }
                userID = existing.id
            } else {
                try Validate.userName(self.user, field: "--user")
                userID = try await accounts.createUser(name: self.user, role: .admin)
            }
            return try await accounts.createAPIKey(for: userID, name: self.name).key
        }
        print(key)
    }
}
