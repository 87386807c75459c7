import Foundation
import MemOSCore
import MemOSPostgres
import PostgresNIO
import Testing

@testable import MemOSTestSupport

@Suite("Database URLs")
struct DatabaseURLTests {
    @Test(
        "a TCP URL gives the host (an IPv6 literal without brackets), port, user, password and database; defaults fill the rest"
    )
    func tcp() throws {
        let full = try DatabaseConfiguration(url: "postgresql://alice:s%3Acret@db.internal:6432/memos")
        #expect(full.host == "db.internal")
        #expect(full.port == 6432)
        #expect(full.username == "alice")
        #expect(full.password == "s:cret")
        #expect(full.database == "memos")
        #expect(full.unixSocketPath == nil)
        let ipv6 = try DatabaseConfiguration(url: "postgres://u@[::1]:5433/db")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 5433)
        let bare = try DatabaseConfiguration(url: "postgres://db")
        #expect(bare.port == 5432)
        #expect(bare.username == "postgres")
        #expect(bare.database == "postgres")
    }

    @Test("a host that is a directory names the server's Unix socket, as a parameter or percent-encoded")
    func socket() throws {
        let parameter = try DatabaseConfiguration(url: "postgres://memos@/memos?host=/run/postgresql&port=6543")
        #expect(parameter.host == "/run/postgresql")
        #expect(parameter.unixSocketPath == "/run/postgresql/.s.PGSQL.6543")
        #expect(parameter.database == "memos")
        let encoded = try DatabaseConfiguration(url: "postgres://memos@%2Frun%2Fpostgresql%2F/memos")
        #expect(encoded.unixSocketPath == "/run/postgresql/.s.PGSQL.5432")
    }

    @Test(
        "malformed URLs are refused with the forms that work",
        arguments: [
            "mysql://u@h/db", "postgres:///db", "postgres://u@/db?host=relative/dir", "postgres://u@h/db?port=http",
            "postgres://u@/db?host=/run&port=0",
        ]
    )
    func malformed(url: String) {
        #expect {
            try DatabaseConfiguration(url: url)
        } throws: { error in
            guard let error = error as? MemOSError else { return false }
            return error.code == .invalidArgument
                && error.message.contains("postgres://user@/database?host=/socket/directory")
        }
    }

    @Test("the test server reached through its Unix socket runs queries")
    func throughTheSocket() async throws {
        let server = try TestDatabase.serverConfiguration
        let (directories, port) = try await Database.withPool(server, logger: TestDatabase.logger) { database in
            (
                try await Self.value("SHOW unix_socket_directories", in: database),
                try await Self.value("SHOW port", in: database)
            )
        }
        // scripts/local-postgres.sh leaves the socket out when its path would be too long: the run says so.
        guard let directory = directories.split(separator: ",").first.map({ $0.trimmingCharacters(in: .whitespaces) }),
            directory.hasPrefix("/")
        else { try Test.cancel("the test server listens on TCP only") }
        var url = URLComponents()
        url.scheme = "postgres"
        url.user = server.username
        url.password = server.password
        url.host = ""
        url.path = "/" + server.database
        url.queryItems = [URLQueryItem(name: "host", value: directory), URLQueryItem(name: "port", value: port)]
        let viaSocket = try DatabaseConfiguration(url: try #require(url.string))
        #expect(viaSocket.unixSocketPath == directory + "/.s.PGSQL." + port)
        let answer = try await Database.withPool(viaSocket, logger: TestDatabase.logger) { database in
            try await Self.value("SELECT (41 + 1)::text", in: database)
        }
        #expect(answer == "42")
    }

    /// The first column of the first row of `sql`, as text.
    private static func value(_ sql: String, in database: Database) async throws -> String {
        let rows = try await database.client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger)
        for try await (value, ) in rows.decode((String,).self) { return value }
        Issue.record("\(sql) returned no row")
        return ""
    }
}
