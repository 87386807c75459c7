import Foundation
import Logging
import MemOSCore
import Metrics
import NIOCore
import NIOPosix
import PostgresNIO
import _ConnectionPoolModule

/// Where the PostgreSQL server is and how to log in.
///
/// Parsed from a URL `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (environment `MEMOS_DATABASE_URL`). As
/// with libpq, a host that is an absolute path names the directory of the server's Unix-domain socket (the file
/// `.s.PGSQL.PORT` in it): `postgres://USER@/DATABASE?host=/run/postgresql&port=5432` (the port is optional), or
/// the path percent-encoded in the host's place, `postgres://USER@%2Frun%2Fpostgresql:5432/DATABASE`. That is how
/// a server in the same pod or machine (a sidecar, a cloud SQL proxy's socket) is usually reached.
public struct DatabaseConfiguration: Sendable, Hashable {
    /// A host name or address, or the directory of a Unix-domain socket (an absolute path).
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// Connections kept by each process's pool (default 8).
    public var maxConnections: Int
    /// How long start-up waits for the server to accept a session (``Database/waitUntilReachable(_:logger:)``):
    /// in a container deployment PostgreSQL may start after the services. Default 30 seconds.
    public var startupWait: Duration = .seconds(30)

    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String? = nil,
        database: String,
        maxConnections: Int = 8
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.maxConnections = maxConnections
    }

    /// Parses `postgres://` or `postgresql://` URLs.
    public init(url: String, maxConnections: Int = 8) throws {
        guard let components = URLComponents(string: url),
            let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else { throw Self.badURL }
        func parameter(_ name: String) -> String? { components.queryItems?.last { $0.name == name }?.value }
        let socketDirectory = parameter("host")
        // The host comes percent-decoded (a socket directory may be written that way), an IPv6 literal unbracketed.
        var host = socketDirectory ?? components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, socketDirectory == nil || host.hasPrefix("/") else { throw Self.badURL }
        let port = components.port ?? parameter("port").map { Int($0) ?? -1 } ?? 5432
        guard (1...65_535).contains(port) else { throw Self.badURL }
        let database = String(components.path.drop(while: { $0 == "/" }))
        self.init(
            host: host,
            port: port,
            username: components.user ?? "postgres",
            password: components.password,
            database: database.isEmpty ? "postgres" : database,
            maxConnections: maxConnections
        )
    }

    private static let badURL = MemOSError.invalidArgument(
        "database URL must look like postgres://user:password@host:port/database, or postgres://user@/database?host=/socket/directory"
    )

    /// The server's Unix-domain socket, when ``host`` is a directory.
    public var unixSocketPath: String? {
        guard self.host.hasPrefix("/") else { return nil }
        return (self.host.hasSuffix("/") ? self.host : self.host + "/") + ".s.PGSQL.\(self.port)"
    }

    /// The same server, another database.
    public func with(database: String) -> DatabaseConfiguration {
        var copy = self
        copy.database = database
        return copy
    }

    /// Where the server is, as log lines and errors name it: `host:port` or the socket's path.
    public var address: String {
        if let path = self.unixSocketPath { return path }
        return self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    /// One connection's settings (start-up's probe), as the pool's.
    var connectionConfiguration: PostgresConnection.Configuration {
        if let path = self.unixSocketPath {
            return PostgresConnection.Configuration(
                unixSocketPath: path,
                username: self.username,
                password: self.password,
                database: self.database
            )
        }
        return PostgresConnection.Configuration(
            host: self.host,
            port: self.port,
            username: self.username,
            password: self.password,
            database: self.database,
            tls: .disable
        )
    }

    var clientConfiguration: PostgresClient.Configuration {
        var configuration =
            if let path = self.unixSocketPath {
                PostgresClient.Configuration(
                    unixSocketPath: path,
                    username: self.username,
                    password: self.password,
                    database: self.database
                )
            } else {
                PostgresClient.Configuration(
                    host: self.host,
                    port: self.port,
                    username: self.username,
                    password: self.password,
                    database: self.database,
                    tls: .disable
                )
            }
        configuration.options.maximumConnections = self.maxConnections
        configuration.options.minimumConnections = 0
        return configuration
    }
}

/// The process's connection pool with the error handling every store shares.
///
/// Run ``client`` in the process's ServiceGroup (it is a `Service`). Read every row a query returns (``rows``):
/// with postgres-nio 1.33.2, a query queued behind a row stream left unread can wait forever when the connection
/// closes; the bound on each call (``withConnection(_:)``) answers such a call `unavailable`.
public struct Database: Sendable {
    public let client: PostgresClient
    let logger: Logger

    public init(configuration: DatabaseConfiguration, logger: Logger) {
        self.client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
        self.logger = logger
    }

    /// Pooled connections held by calls of this process, and how long each call took, waiting for a connection
    /// included: `memos_db_connections_in_use` and the histogram `memos_db_call_duration_seconds`.
    static let connectionsInUse = Meter(label: "memos_db_connections_in_use")
    static let callDuration = Timer(label: "memos_db_call_duration_seconds")

    /// Longest a database call may take outside a request (background jobs): five minutes.
    public static let backgroundCallLimit: Duration = .seconds(300)

    /// Runs `body` in one transaction; a ``MemOSError`` thrown inside comes out unchanged, any other error
    /// as `unavailable` (connection trouble) or `internalError`. Bounded as ``withConnection(_:)`` is.
    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        return try await self.bounded { connection in
            try await connection.withTransaction(logger: logger) { try await body($0) }
        }
    }

    /// Runs `body` with one pooled connection, translating errors as ``transaction(_:)`` does.
    ///
    /// The call ends by the request's ``RequestDeadline`` (or ``backgroundCallLimit``) or when its task is
    /// cancelled, whatever the connection does: a call still waiting then is answered `unavailable` and its
    /// connection is closed, so that the pool replaces it.
    func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await self.bounded(body)
    }

    /// Runs `body` with one pooled connection for as long as it takes (LISTEN).
    func withUnboundedConnection<Result: Sendable>(
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> Result {
        do {
            return try await self.client.withConnection(body)
        } catch {
            throw self.translate(error)
        }
    }

    /// Runs `body` on a pooled connection in a task of its own and waits for it until the deadline or a
    /// cancellation, whichever comes first.
    ///
    /// Structured concurrency cannot leave a child behind, and a driver call on a connection that died at the
    /// wrong moment may never return (seen with a prepared statement whose connection closed mid-flight): so the
    /// work runs unstructured, and on giving up its connection is closed, which fails what it waits for.
    private func bounded<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let started = ContinuousClock.now
        defer { Self.callDuration.record(duration: started.duration(to: .now)) }
        let limit = RequestDeadline.current.map { ContinuousClock.now.duration(to: $0) } ?? Self.backgroundCallLimit
        let call = BoundedCall<Result>()
        let client = self.client
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    call.start(continuation)
                    call.run(
                        Task {
                            do {
                                let result = try await client.withConnection { connection in
                                    Self.connectionsInUse.increment()
                                    defer { Self.connectionsInUse.decrement() }
                                    call.use(connection)
                                    // A connection that closes under the call ends it at once: the driver may
                                    // otherwise leave it waiting (a ROLLBACK written to a closed channel).
                                    connection.closeFuture.whenComplete { _ in
                                        call.giveUp(BoundedCall<Result>.ConnectionLost(), closing: false)
                                    }
                                    return try await body(connection)
                                }
                                call.finish(.success(result))
                            } catch {
                                call.finish(.failure(error))
                            }
                        }
                    )
                    let timer = Task {
                        try await Task.sleep(for: max(limit, .milliseconds(1)))
                        call.giveUp(BoundedCall<Result>.TimedOut(limit: limit), closing: true)
                    }
                    call.onFinish { timer.cancel() }
                }
            } onCancel: {
                call.giveUp(CancellationError(), closing: false)
            }
        } catch is BoundedCall<Result>.ConnectionLost {
            throw MemOSError(
                code: .unavailable,
                message:
                    "the database connection was lost during the call; a write may have happened: retry with the same "
                    + "idempotency key, which applies it once"
            )
        } catch let timedOut as BoundedCall<Result>.TimedOut {
            self.logger.warning("database call abandoned", metadata: ["after": "\(timedOut.limit)"])
            throw MemOSError(
                code: .unavailable,
                message:
                    "the database did not answer in time; retry (a write retried with the same idempotency key is applied once)",
                underlying: timedOut
            )
        } catch {
            throw self.translate(error)
        }
    }

    /// The domain error for what the driver threw. Connection trouble anywhere (connecting, BEGIN, a statement,
    /// COMMIT) is `unavailable`, never `internalError`; when the connection was lost at COMMIT the message says the
    /// write may have happened, so that the client retries with its idempotency key.
    func translate(_ error: any Error) -> any Error {
        if error is MemOSError || error is CancellationError { return error }
        // A pool request abandoned because its task was cancelled (shutdown) is a cancellation, not a fault.
        if Task.isCancelled { return CancellationError() }
        if let transaction = error as? PostgresTransactionError {
            if let closureError = transaction.closureError { return self.translate(closureError) }
            if let commitError = transaction.commitError {
                let translated = self.translate(commitError)
                guard let domain = translated as? MemOSError, domain.code == .unavailable else { return translated }
                return MemOSError(
                    code: .unavailable,
                    message: "the database connection was lost while committing, so the write may have happened; "
                        + "retry with the same idempotency key, which applies it once",
                    underlying: transaction
                )
            }
            if let beginError = transaction.beginError { return self.translate(beginError) }
        }
        if let pool = error as? ConnectionPoolError {
            if pool == .requestCancelled { return CancellationError() }
            // The pool has failed to connect for a minute (circuit breaker), or is closing.
            return self.unavailable(pool)
        }
        if let psql = error as? PSQLError {
            switch psql.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .queryCancelled,
                .uncleanShutdown:
                return self.unavailable(psql)
            default:
                if let mapped = self.translate(sqlState: psql.serverInfo?[.sqlState], psql) { return mapped }
            }
        }
        self.logger.error("database error", metadata: ["error": "\(String(reflecting: error))"])
        return MemOSError.internalError(error)
    }

    /// Server errors by SQLSTATE class: what a client can act on.
    private func translate(sqlState: String?, _ psql: PSQLError) -> MemOSError? {
        guard let state = sqlState else { return nil }
        if state == "23505", psql.serverInfo?[.constraintName] == "memories_live_content_idx" {
            return MemOSError(
                code: .alreadyExists,
                message: "another live memory in this cube has the same content",
                underlying: psql
            )
        }
        switch state.prefix(2) {
        // Connection exception, insufficient resources (too many connections), operator intervention (the
        // server shutting down or terminating the session, a statement timeout's cancel): retry.
        case "08", "53", "57":
            return self.unavailable(psql)
        // Serialization failure or deadlock: a concurrent change won; the client may retry.
        case "40":
            return MemOSError(
                code: .aborted,
                message: "a concurrent change conflicted with this one; retry",
                underlying: psql
            )
        // Data exception: a value the request carried does not fit the database (checked inputs should not get here).
        case "22":
            self.logger.warning("value refused by the database", metadata: ["error": "\(String(reflecting: psql))"])
            return MemOSError(
                code: .invalidArgument,
                message: "a value in the request cannot be stored (SQLSTATE \(state)); check its range and characters",
                underlying: psql
            )
        default:
            return nil
        }
    }

    /// Connection trouble, logged: the caller may retry.
    private func unavailable(_ error: any Error) -> MemOSError {
        self.logger.warning("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
        return MemOSError(
            code: .unavailable,
            message:
                "the database is unavailable; retry (a write retried with the same idempotency key is applied once)",
            underlying: error
        )
    }
}

extension PostgresConnection {
    /// The rows of a query, collected on the event loop as they arrive (postgres-nio's future-based `query`), never
    /// through the back-pressured `PostgresRowSequence`: with postgres-nio 1.33.2 a connection that closes while
    /// such a sequence waits for its consumer stops the process (`RowStreamStateMachine.channelReadComplete`, state
    /// `waitingForDemand`), which a PostgreSQL restart under a large read does. `DatabaseFaultTests` reproduces it.
    /// Every read of more than a handful of rows goes through here (or the helpers below, which call it).
    func collect(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        let result: EventLoopFuture<PostgresQueryResult> = self.query(query, logger: logger)
        return try await result.get().rows
    }

    /// The rows of a query as random-access rows (``collect(_:logger:)``).
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await self.collect(query, logger: logger).map(PostgresRandomAccessRow.init)
    }

    /// The rows of a query decoded as a tuple of columns (``collect(_:logger:)``).
    func rows<each Column: PostgresDecodable>(
        _ query: PostgresQuery,
        decoding: (repeat each Column).Type,
        logger: Logger
    ) async throws -> [(repeat each Column)] {
        try await self.collect(query, logger: logger).map { try $0.decode((repeat each Column).self) }
    }

    /// The rows of a statement, run unnamed (``collect(_:logger:)``): a named prepared statement's rows only come
    /// as the back-pressured sequence that can stop the process.
    func rows<Statement: PostgresPreparedStatement>(
        _ statement: Statement,
        logger: Logger
    ) async throws -> [Statement.Row] {
        let query = PostgresQuery(unsafeSQL: Statement.sql, binds: try statement.makeBindings())
        return try await self.collect(query, logger: logger).map(statement.decodeRow)
    }

    /// Runs a statement whose rows, if any, are not needed.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.collect(query, logger: logger)
    }
}

extension Database {
    /// Runs `body` with a pool of its own that runs only for the duration of `body`, for start-up work, tools
    /// and tests. (A pool runs once: the pool a service group runs is never used this way.)
    public static func withPool<T: Sendable>(
        _ configuration: DatabaseConfiguration,
        logger: Logger,
        _ body: (Database) async throws -> T
    ) async throws -> T {
        let database = Database(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            return try await body(database)
        }
    }

    /// Runs one statement, such as `CREATE DATABASE`, with a pool of its own.
    public static func execute(_ sql: String, on configuration: DatabaseConfiguration, logger: Logger) async throws {
        try await self.withPool(configuration, logger: logger) { database in
            try await database.client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    /// True when a trivial query succeeds within `limit` (a readiness probe: with the server gone, the pool
    /// would hold the query for a minute before failing it).
    public func isReachable(within limit: Duration = .seconds(2)) async -> Bool {
        let logger = self.logger
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                (try? await self.withConnection { connection in
                    _ = try await connection.rows("SELECT 1", logger: logger)
                    return true
                }) ?? false
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
    }
}

extension Database {
    /// Returns once the server of `configuration` accepts a session, trying every second for at most its
    /// ``DatabaseConfiguration/startupWait``, and logging what stands in the way (on the first failure, then
    /// every ten). The pool alone would wait a minute in silence and then fail every request.
    /// - Throws: `unavailable` naming the server and the last reason when it does not answer in time;
    ///   `failedPrecondition` at once when it refuses the login or has no such database, which waiting cannot mend.
    public static func waitUntilReachable(_ configuration: DatabaseConfiguration, logger: Logger) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.startupWait)
        var settings = configuration.connectionConfiguration
        for attempt in 1... {
            let remaining = max(.milliseconds(100), min(.seconds(5), clock.now.duration(to: deadline)))
            settings.options.connectTimeout = .milliseconds(remaining.wholeMilliseconds)
            let reason: String
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: settings,
                    id: attempt,
                    logger: logger
                )
                try? await connection.close()
                if attempt > 1 { logger.info("database reachable", metadata: ["address": "\(configuration.address)"]) }
                return
            } catch let error as PSQLError {
                reason = Self.describe(error)
                if let state = error.serverInfo?[.sqlState], state.hasPrefix("28") || state == "3D000" {
                    throw MemOSError(
                        code: .failedPrecondition,
                        message:
                            "PostgreSQL at \(configuration.address) refused the session: \(reason); check MEMOS_DATABASE_URL"
                    )
                }
            }
            if clock.now >= deadline {
                throw MemOSError(
                    code: .unavailable,
                    message: "PostgreSQL at \(configuration.address) did not accept a session within "
                        + "\(configuration.startupWait) (\(reason)); check MEMOS_DATABASE_URL and that the server is running"
                )
            }
            if attempt % 10 == 1 {
                logger.warning(
                    "waiting for the database",
                    metadata: ["address": "\(configuration.address)", "reason": "\(reason)", "attempt": "\(attempt)"]
                )
            }
            try await Task.sleep(for: min(.seconds(1), clock.now.duration(to: deadline)))
        }
    }

    /// A failed connection's cause in a few words: the server's message, or the network's.
    static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] { return message }
        switch error.underlying {
        case let connection as NIOConnectionError:
            if let failure = connection.connectionErrors.last { return Self.describe(network: failure.error) }
            if let lookup = connection.dnsAAAAError ?? connection.dnsAError {
                return "the host name does not resolve (\(Self.describe(network: lookup)))"
            }
            return "no address to connect to"
        case let underlying?:
            return Self.describe(network: underlying)
        case nil where error.code == .serverClosedConnection:
            return "no answer before the connection closed or timed out"
        case nil:
            return String(describing: error.code)
        }
    }

    private static func describe(network error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return "the connection timed out" }
        return String(describing: error)
    }
}
