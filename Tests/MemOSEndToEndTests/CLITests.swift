import Foundation
import MemOSCore
import MemOSPostgres
import Testing

@testable import MemOSTestSupport

/// The `memos` binary's account subcommands, run as a user runs them.
@Suite("memos users / keys / cubes / admin-key")
struct CLITests {
    @Test(
        "an admin makes a user and their key; the user makes and shares a cube; a user's key cannot administer",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: MemosBinary.url.path),
            "build the memos product first"
        )
    )
    func accounts() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let address = ["--accounts-addr", "127.0.0.1:\(stack.schedulerPort)"]
            let user = try await MemosBinary.run(["users", "create", "carol", "--key", stack.adminKey] + address)
            #expect(user.status == 0, "\(user.error)")
            let carolID = try #require(user.json["id"] as? String)
            let key = try await MemosBinary.run(
                ["keys", "create", "--user-id", carolID, "--name", "laptop", "--key", stack.adminKey] + address
            )
            let carolKey = try #require(key.json["key"] as? String)

            // The key may also come from MEMOS_KEY and the address from MEMOS_ACCOUNTS_ADDR.
            let environment = ["MEMOS_KEY": carolKey, "MEMOS_ACCOUNTS_ADDR": "127.0.0.1:\(stack.schedulerPort)"]
            #expect(
                try await MemosBinary.run(
                    ["cubes", "create", "carol-notes", "--name", "Notes"],
                    environment: environment
                )
                .status == 0
            )
            #expect(
                try await MemosBinary.run(
                    ["cubes", "share", "carol-notes", "bob", "--role", "writer"],
                    environment: environment
                ).status == 0
            )
            // Only reader and writer may be given (bob stays a writer, below).
            let owner = try await MemosBinary.run(
                ["cubes", "share", "carol-notes", "bob", "--role", "owner"],
                environment: environment
            )
            #expect(owner.status == 1)
            #expect(owner.error.contains("role must be 'reader' or 'writer', not 'owner' (invalidArgument)"))
            let members = try await MemosBinary.run(["cubes", "members", "carol-notes"], environment: environment)
            let roles = (members.json["members"] as? [[String: Any]] ?? []).map {
                "\($0["user_name"] ?? "")=\($0["role"] ?? "")"
            }
            #expect(roles == ["carol=owner", "bob=writer"])
            let keys = try await MemosBinary.run(["keys", "list"], environment: environment)
            #expect((keys.json["keys"] as? [[String: Any]])?.count == 1)
            #expect(!keys.output.contains(carolKey))

            let refused = try await MemosBinary.run(["users", "list", "--key", stack.alice.key] + address)
            #expect(refused.status != 0)
            #expect(refused.error.contains("(permissionDenied)"))
        }
    }

    @Test(
        "admin-key provisions an admin in PostgreSQL and prints a working key",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: MemosBinary.url.path),
            "build the memos product first"
        )
    )
    func adminKey() async throws {
        try await TestDatabase.withEmptyDatabase { configuration, database in
            let url =
                "postgres://\(configuration.username)@\(configuration.host):\(configuration.port)/\(configuration.database)"
            let run = try await MemosBinary.run(
                ["admin-key", "--user", "ops"],
                environment: ["MEMOS_DATABASE_URL": url, "MEMOS_LOG_LEVEL": "error"]
            )
            #expect(run.status == 0, "\(run.error)")
            let key = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let principal = try await PostgresAccountStore(database: database).principal(forAPIKey: key)
            #expect(principal?.userName == "ops")
            #expect(principal?.role == .admin)
        }
    }
}
