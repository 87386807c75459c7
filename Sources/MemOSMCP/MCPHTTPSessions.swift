import Foundation
import Logging
import MCP

/// MCP over Streamable HTTP, independent of the HTTP server: one MCP server and `StatefulHTTPServerTransport` per
/// session, each bound to the user who opened it.
///
/// The caller authenticates each request first and passes its user: a request naming a session opened by another
/// user is answered 404 as if the session did not exist. A session is closed by `DELETE`, after
/// ``Configuration/idleTimeout`` without a request (checked whenever a session opens or is used), or to make room: a
/// user at ``Configuration/maxSessionsPerUser`` loses their least recently used session, and when
/// ``Configuration/maxSessions`` are open a new one is refused (503).
///
/// A `POST` is answered with one JSON body (`application/json`), which the Streamable HTTP specification allows
/// beside an event stream: the SDK's transport puts nothing but the response on a request's stream, and its Linux
/// client (URLSession without streaming) cannot read an event stream. A `GET` opens the session's event stream for
/// messages the server starts, passed through as it is.
public actor MCPHTTPSessions {
    /// - `idleTimeout`: a session unused this long is closed (default 30 minutes).
    /// - `maxSessions`: sessions open at once (default 1,000); beyond, a new session is refused with 503.
    /// - `maxSessionsPerUser`: sessions one user may hold (default 100); beyond, their least recently used closes.
    /// - `responseTimeout`: longest wait for the server's answer to a request (default 5 minutes), after which the
    ///   request is answered 504; a tool call waits for at most two service calls of 30 seconds each.
    /// - `isAllowedOrigin`: whether a browser's `Origin` may call; requests without one (every client that is not
    ///   a browser) pass. Default: no browser.
    public struct Configuration: Sendable {
        public var idleTimeout: Duration
        public var maxSessions: Int
        public var maxSessionsPerUser: Int
        public var responseTimeout: Duration
        public var isAllowedOrigin: @Sendable (String) -> Bool

        public init(
            idleTimeout: Duration = .seconds(30 * 60),
            maxSessions: Int = 1_000,
            maxSessionsPerUser: Int = 100,
            responseTimeout: Duration = .seconds(300),
            isAllowedOrigin: @escaping @Sendable (String) -> Bool = { _ in false }
        ) {
            self.idleTimeout = idleTimeout
            self.maxSessions = maxSessions
            self.maxSessionsPerUser = maxSessionsPerUser
            self.responseTimeout = responseTimeout
            self.isAllowedOrigin = isAllowedOrigin
        }
    }

    private struct Session {
        var server: Server
        var transport: StatefulHTTPServerTransport
        var userID: String
        var lastUsed: ContinuousClock.Instant
    }

    public let configuration: Configuration
    private let logger: Logger
    private var sessions: [String: Session] = [:]

    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "memos.mcp.http")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Sessions open now.
    public var count: Int { self.sessions.count }

    /// Answers one request of `userID`, who the caller has authenticated.
    ///
    /// - Parameter makeServer: makes the MCP server of a new session (with its tools registered), called only when
    ///   the request opens one (an `initialize` without a session id).
    public nonisolated func handle(
        _ request: HTTPRequest,
        userID: String,
        now: ContinuousClock.Instant = .now,
        makeServer: @Sendable () async -> Server
    ) async -> HTTPResponse {
        let method = request.method.uppercased()
        let response: HTTPResponse
        if let id = request.header(HTTPHeaderName.sessionID) {
            guard let transport = await self.transport(id, userID: userID, now: now) else {
                return .error(statusCode: 404, .invalidRequest("Not Found: no such session (expired or closed)"))
            }
            response = await transport.handleRequest(request)
            if method == "DELETE" && response.statusCode == 200 { await self.close(id) }
        } else if method == "POST", Self.isInitialize(request.body) {
            response = await self.open(request, userID: userID, now: now, makeServer: makeServer)
        } else {
            return .error(
                statusCode: 400,
                .invalidRequest(
                    "Bad Request: send \(HTTPHeaderName.sessionID), or an initialize request to open a session"
                )
            )
        }
        guard method == "POST" else { return response }
        return await Self.singleAnswer(response, timeout: self.configuration.responseTimeout)
    }

    /// Closes every session.
    public func closeAll() async {
        let open = self.sessions
        self.sessions = [:]
        for session in open.values { await session.server.stop() }
    }

    // MARK: Sessions

    private func transport(
        _ id: String,
        userID: String,
        now: ContinuousClock.Instant
    ) async -> StatefulHTTPServerTransport? {
        await self.closeIdle(now: now)
        guard var session = self.sessions[id], session.userID == userID else { return nil }
        session.lastUsed = now
        self.sessions[id] = session
        return session.transport
    }

    private nonisolated func open(
        _ request: HTTPRequest,
        userID: String,
        now: ContinuousClock.Instant,
        makeServer: @Sendable () async -> Server
    ) async -> HTTPResponse {
        guard await self.makeRoom(for: userID, now: now) else {
            return .error(
                statusCode: 503,
                .internalError("Service Unavailable: too many MCP sessions are open; try later")
            )
        }
        let id = UUID().uuidString.lowercased()
        let transport = StatefulHTTPServerTransport(
            sessionIDGenerator: FixedSessionID(id: id),
            validationPipeline: StandardValidationPipeline(validators: [
                BrowserOriginValidator(isAllowed: self.configuration.isAllowedOrigin),
                // POSTs are answered with JSON (see the type's comment): accepting JSON is enough.
                AcceptHeaderValidator(mode: .jsonOnly),
                ContentTypeValidator(),
                ProtocolVersionValidator(),
                SessionValidator(),
            ]),
            logger: self.logger
        )
        let server = await makeServer()
        do {
            try await server.start(transport: transport)
        } catch {
            self.logger.error("MCP session did not start", metadata: ["cause": "\(String(reflecting: error))"])
            return .error(statusCode: 500, .internalError("Internal Server Error: the session did not start"))
        }
        await self.insert(id, Session(server: server, transport: transport, userID: userID, lastUsed: now))
        let response = await transport.handleRequest(request)
        if case .error = response { await self.close(id) }
        return response
    }

    /// Closes idle sessions and, for a user at their limit, their least recently used one; false when the server
    /// is full all the same.
    private func makeRoom(for userID: String, now: ContinuousClock.Instant) async -> Bool {
        await self.closeIdle(now: now)
        let own = self.sessions.filter { $0.value.userID == userID }
        if own.count >= self.configuration.maxSessionsPerUser,
            let oldest = own.min(by: { $0.value.lastUsed < $1.value.lastUsed })
        {
            await self.close(oldest.key)
        }
        return self.sessions.count < self.configuration.maxSessions
    }

    private func insert(_ id: String, _ session: Session) {
        self.sessions[id] = session
    }

    private func close(_ id: String) async {
        guard let session = self.sessions.removeValue(forKey: id) else { return }
        await session.server.stop()
    }

    private func closeIdle(now: ContinuousClock.Instant) async {
        let idle = self.sessions.filter { now - $0.value.lastUsed > self.configuration.idleTimeout }.keys
        for id in idle { await self.close(id) }
    }

    // MARK: Answers

    /// The answer to a `POST` as one JSON body: the message of the transport's event stream. A stream with several
    /// messages (which the SDK does not write today) is passed on as an event stream.
    static func singleAnswer(_ response: HTTPResponse, timeout: Duration) async -> HTTPResponse {
        guard case .stream(let stream, var headers) = response else { return response }
        let chunks = await withTaskGroup(of: [Data]?.self) { group in
            group.addTask {
                var chunks: [Data] = []
                do {
                    for try await chunk in stream { chunks.append(chunk) }
                } catch {
                    // The session closed: what came so far is the answer.
                }
                return chunks
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let chunks else {
            return .error(statusCode: 504, .internalError("Gateway Timeout: no answer in time"))
        }
        for name in [HTTPHeaderName.contentType, HTTPHeaderName.cacheControl, HTTPHeaderName.connection] {
            headers.removeValue(forKey: name)
        }
        let messages = ServerSentEvents.messages(in: chunks.reduce(into: Data()) { $0.append($1) })
        switch messages.count {
        case 0:
            return .accepted(headers: headers)
        case 1:
            headers[HTTPHeaderName.contentType] = "application/json"
            return .data(messages[0], headers: headers)
        default:
            let (replay, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
            headers[HTTPHeaderName.contentType] = "text/event-stream"
            headers[HTTPHeaderName.cacheControl] = "no-cache, no-transform"
            return .stream(replay, headers: headers)
        }
    }

    /// Whether a body is a JSON-RPC `initialize` request.
    static func isInitialize(_ body: Data?) -> Bool {
        guard let body, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return false
        }
        return object["method"] as? String == "initialize" && object["id"] != nil
    }
}

/// Gives the transport of a new session the id its session is kept under.
private struct FixedSessionID: SessionIDGenerator {
    let id: String

    func generateSessionID() -> String { self.id }
}
