import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import MemOSCore
import MemOSProto
import MemOSRPC
import NIOCore
import NIOHTTP1
import NIOSSL
import SwiftProtobuf

/// The HTTP/JSON gateway in front of the gRPC services.
///
/// A pure front: it holds no database connection. Every `/v1` route takes the `Authorization: Bearer <api key>`
/// header, takes a token from the key's rate-limit bucket, and forwards the key (and the request id) to the
/// service, which authenticates it and checks the caller's membership of each cube. Bodies and responses of the
/// memory routes are the services' protobuf messages in their JSON form (field names in snake_case; enums as their
/// names; timestamps as RFC 3339 strings; fields with default values left out).
///
/// The account routes (users, API keys, cubes, members) translate to the accounts service's calls, hosted by the
/// scheduler process. The routes and their bodies are described by the OpenAPI document served at `/openapi.json`.
public struct Gateway: Sendable {
    /// Settings of the HTTP server.
    ///
    /// - `host` (`MEMOS_HOST`, default 127.0.0.1) and `port` (`MEMOS_GATEWAY_PORT`, default 8080; 0 picks one).
    /// - `maxBodyBytes`: largest request body; larger ones get 413 (default ``Limits/maxRequestBytes``).
    /// - `rateLimit`: requests per API key (`MEMOS_RATE_LIMIT_RPS`, default 50 a second, and
    ///   `MEMOS_RATE_LIMIT_BURST`, default 100); nil turns rate limiting off.
    /// - `corsOrigins`: the web origins browsers may call from (`MEMOS_CORS_ORIGINS`; none by default).
    /// - `tls`: with a certificate and key, HTTPS (`MEMOS_TLS_CERT`, `MEMOS_TLS_KEY`); else plain HTTP.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var maxBodyBytes: Int
        public var rateLimit: RateLimit?
        public var corsOrigins: CORSOrigins
        public var tls: TLSFiles
        /// The LLM of the chat routes (`MEMOS_LLM_*`); without one they answer `FAILED_PRECONDITION`.
        public var answerModel: (any AnswerModel)?
        /// The time the rate limit's buckets refill by: the monotonic clock, or one a test advances by hand.
        public var now: @Sendable () -> ContinuousClock.Instant = { .now }

        public init(
            host: String = "127.0.0.1",
            port: Int = 8080,
            maxBodyBytes: Int = Limits.maxRequestBytes,
            rateLimit: RateLimit? = RateLimit(),
            corsOrigins: CORSOrigins = .none,
            tls: TLSFiles = TLSFiles(),
            answerModel: (any AnswerModel)? = nil
        ) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.rateLimit = rateLimit
            self.corsOrigins = corsOrigins
            self.tls = tls
            self.answerModel = answerModel
        }
    }

    /// A token bucket per API key: `burst` requests at once, refilled at `requestsPerSecond`.
    public struct RateLimit: Sendable, Hashable {
        /// Greater than 0.
        public var requestsPerSecond: Double
        /// At least 1.
        public var burst: Int

        public init(requestsPerSecond: Double = 50, burst: Int = 100) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
        }
    }

    let configuration: Configuration
    let clients: ServiceClients
    let accounts: AccountsClient
    let logger: Logger
    /// Buckets by API key: the services authenticate keys, so an unknown key spends its own bucket only.
    let rateLimiter: RateLimiter<String>?
    let requestMetrics = RequestMetrics()

    public init(configuration: Configuration, clients: ServiceClients, logger: Logger) {
        self.configuration = configuration
        self.clients = clients
        self.accounts = AccountsClient(clients.accounts)
        self.logger = logger
        self.rateLimiter = configuration.rateLimit.map {
            RateLimiter(rate: $0.requestsPerSecond, burst: $0.burst)
        }
    }

    /// The HTTP application (HTTPS with the configuration's certificate); `onListening` receives the bound port.
    /// - Throws: when the certificate or key cannot be read.
    public func makeApplication(
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        try Application(
            router: self.makeRouter(),
            server: self.serverBuilder(),
            configuration: .init(
                address: .hostname(self.configuration.host, port: self.configuration.port),
                serverName: "memos-gateway"
            ),
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? 0)
            },
            logger: self.logger
        )
    }

    /// HTTP/1.1, over TLS when the configuration has a certificate and key.
    func serverBuilder() throws -> HTTPServerBuilder {
        guard let certificate = self.configuration.tls.certificate, let key = self.configuration.tls.privateKey else {
            return .http1()
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        )
        return try .tls(.http1(), tlsConfiguration: configuration)
    }

    /// The router with every route; its `routes` are the ones the OpenAPI document must describe.
    public func makeRouter() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        // Outermost, so that every answer, errors included, carries the CORS headers an allowed origin needs.
        if self.configuration.corsOrigins != .none {
            router.add(middleware: OriginCheckedCORS(self.configuration.corsOrigins))
        }
        router.add(
            middleware: RequestIDMiddleware(
                errorResponse: { self.errorResponse($0, logger: $1) },
                metrics: self.requestMetrics
            )
        )
        self.addRoutes(to: router)
        self.addAccountRoutes(to: router)
        self.addFeedbackRoutes(to: router)
        self.addMemOSFeedbackRoute(to: router)
        self.addDocumentRoutes(to: router)
        self.addChatRoutes(to: router)
        self.addMCPRoutes(to: router)
        self.addExportRoute(to: router)
        self.addMemOSCompatibilityRoutes(to: router)
        self.addMemoryBrowserRoutes(to: router)
        return router
    }

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/healthz") { _, _ in Self.json(["status": "ok", "version": MemOSVersion.current]) }
        // The job queue (from the scheduler) and the gateway's requests in Prometheus text format; they name no
        // cube, so no key is needed.
        router.get("/metrics") { _, context in
            do {
                let queue = QueueMetrics(try await self.clients.scheduler.getQueueMetrics(.init()))
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(string: queue.prometheus + self.requestMetrics.prometheus))
                )
            } catch {
                return self.errorResponse(error, logger: context.logger)
            }
        }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: OpenAPI.document))
            )
        }
        // Ready when every service reports SERVING, which each does only while its database answers.
        router.get("/readyz") { _, _ in
            let problems = await self.clients.unhealthyServices()
            if problems.isEmpty { return Self.json(["status": "ready"]) }
            return Self.json(
                ["status": "not ready", "failing": problems.joined(separator: ",")],
                status: .serviceUnavailable
            )
        }

        let ingest = self.clients.ingest
        let retrieval = self.clients.retrieval
        let scheduler = self.clients.scheduler

        router.post("/v1/memories") { request, context in
            await self.handle(request, context, body: AddMemoriesBody.self) { body, metadata in
                try await ingest.addMemories(body.request, metadata: metadata)
            }
        }
        router.post("/v1/messages") { request, context in
            await self.handle(request, context, body: Memos_Ingest_V1_AddMessagesRequest.self) {
                try await ingest.addMessages($0, metadata: $1)
            }
        }
        router.post("/v1/memories/delete") { request, context in
            await self.handle(request, context, body: Memos_Ingest_V1_DeleteMemoriesRequest.self) {
                try await ingest.deleteMemories($0, metadata: $1)
            }
        }
        router.post("/v1/memories/update") { request, context in
            await self.handle(request, context, body: Memos_Ingest_V1_UpdateMemoryRequest.self) {
                try await ingest.updateMemory($0, metadata: $1)
            }
        }
        router.post("/v1/memories/restore") { request, context in
            await self.handle(request, context, body: Memos_Ingest_V1_RestoreMemoriesRequest.self) {
                try await ingest.restoreMemories($0, metadata: $1)
            }
        }
        router.post("/v1/memories/archive") { request, context in
            await self.handle(request, context, body: Memos_Ingest_V1_ArchiveMemoriesRequest.self) {
                try await ingest.archiveMemories($0, metadata: $1)
            }
        }
        router.post("/v1/search") { request, context in
            await self.handle(request, context, body: Memos_Retrieval_V1_SearchRequest.self) {
                try await retrieval.search($0, metadata: $1)
            }
        }
        router.get("/v1/cubes/:cube_id/memories") { request, context in
            await self.handle(request, context) { request, context in
                try Memos_Retrieval_V1_ListMemoriesRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.statuses = try Self.statuses(request.uri.queryParameters["statuses"])
                    $0.pageSize = try Self.int32(request.uri.queryParameters["page_size"], field: "page_size")
                    $0.pageToken = request.uri.queryParameters["page_token"].map(String.init) ?? ""
                }
            } call: {
                try await retrieval.listMemories($0, metadata: $1)
            }
        }
        router.get("/v1/cubes/:cube_id/memories/count") { request, context in
            await self.handle(request, context) { request, context in
                try Memos_Retrieval_V1_CountMemoriesRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.statuses = try Self.statuses(request.uri.queryParameters["statuses"])
                }
            } call: {
                try await retrieval.countMemories($0, metadata: $1)
            }
        }
        router.get("/v1/cubes/:cube_id/memories/:memory_id") { request, context in
            await self.handle(request, context) { _, context in
                try Memos_Retrieval_V1_GetMemoriesRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.memoryIds = [try Self.parameter("memory_id", context)]
                }
            } call: { request, metadata in
                let response = try await retrieval.getMemories(request, metadata: metadata)
                guard let memory = response.memories.first else {
                    throw MemOSError.notFound(
                        "memory '\(request.memoryIds[0])' does not exist in cube '\(request.cubeID)'"
                    )
                }
                return memory
            }
        }
        router.get("/v1/cubes/:cube_id/memories/:memory_id/history") { request, context in
            await self.handle(request, context) { request, context in
                try Memos_Ingest_V1_GetHistoryRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.memoryID = try Self.parameter("memory_id", context)
                    $0.pageSize = try Self.int32(request.uri.queryParameters["page_size"], field: "page_size")
                    $0.pageToken = request.uri.queryParameters["page_token"].map(String.init) ?? ""
                }
            } call: {
                try await ingest.getHistory($0, metadata: $1)
            }
        }
        router.get("/v1/cubes/:cube_id/jobs") { request, context in
            await self.handle(request, context) { request, context in
                try Memos_Scheduler_V1_ListJobsRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.pageSize = try Self.int32(request.uri.queryParameters["page_size"], field: "page_size")
                    $0.pageToken = request.uri.queryParameters["page_token"].map(String.init) ?? ""
                }
            } call: {
                try await scheduler.listJobs($0, metadata: $1)
            }
        }
        router.get("/v1/cubes/:cube_id/jobs/:job_id") { request, context in
            await self.handle(request, context) { _, context in
                try Memos_Scheduler_V1_GetJobRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.jobID = try Self.parameter("job_id", context)
                }
            } call: {
                try await scheduler.getJob($0, metadata: $1)
            }
        }
        router.post("/v1/cubes/:cube_id/jobs/:job_id/cancel") { request, context in
            await self.handle(request, context) { _, context in
                try Memos_Scheduler_V1_CancelJobRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.jobID = try Self.parameter("job_id", context)
                }
            } call: {
                try await scheduler.cancelJob($0, metadata: $1)
            }
        }
        router.post("/v1/cubes/:cube_id/jobs/wait") { request, context in
            await self.handle(request, context) { request, context in
                try Memos_Scheduler_V1_WaitUntilIdleRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.timeoutMs = try Self.int32(request.uri.queryParameters["timeout_ms"], field: "timeout_ms")
                }
            } call: {
                try await scheduler.waitUntilIdle($0, metadata: $1)
            }
        }
        router.post("/v1/events") { request, context in
            await self.handle(request, context, body: Memos_Scheduler_V1_SubmitEventRequest.self) {
                try await scheduler.submitEvent($0, metadata: $1)
            }
        }
        router.get("/v1/jobs/status") { request, context in
            await self.handle(request, context) { request, _ in
                Memos_Scheduler_V1_GetStatusSummaryRequest.with {
                    $0.cubeID = request.uri.queryParameters["cube_id"].map(String.init) ?? ""
                }
            } call: {
                try await scheduler.getStatusSummary($0, metadata: $1)
            }
        }
    }

    // MARK: Handling

    /// Takes the caller's key, decodes the JSON body, calls the service (which authenticates the key and checks the
    /// caller's membership of every cube), encodes the reply.
    func handle<Body: GatewayBody, Reply: SwiftProtobuf.Message>(
        _ request: Request,
        _ context: GatewayRequestContext,
        body: Body.Type,
        call: @escaping @Sendable (Body, Metadata) async throws -> Reply
    ) async -> Response {
        await self.handle(request, context) { request, _ in
            try Body(json: try await self.body(of: request))
        } call: { body, metadata in
            try await call(body, metadata)
        }
    }

    /// Takes the caller's key, builds the service request, calls the service (which authenticates the key and
    /// checks the caller's membership of every cube), encodes the reply.
    func handle<Body: GatewayBody, Reply: SwiftProtobuf.Message>(
        _ request: Request,
        _ context: GatewayRequestContext,
        parse: (Request, GatewayRequestContext) async throws -> Body,
        call: (Body, Metadata) async throws -> Reply
    ) async -> Response {
        do {
            let caller = try await self.caller(request, context)
            let body = try await parse(request, context)
            return try Self.json(try await call(body, caller.metadata))
        } catch {
            return self.errorResponse(error, logger: context.logger)
        }
    }

    /// Who a request is from: the API key it forwards, its user, and the metadata of the calls made for it.
    struct Caller: Sendable {
        var key: String
        var principal: Principal
        var metadata: Metadata
    }

    /// The request's caller, with a token taken from its key's rate-limit bucket. The accounts service resolves the
    /// key (``AccountsClient/principal(key:metadata:)``); every service authenticates it again.
    ///
    /// - Throws: `unauthenticated` for a missing, malformed, unknown or revoked key or a disabled user;
    ///   ``RateLimited`` when the key's bucket is empty.
    func caller(_ request: Request, _ context: GatewayRequestContext) async throws -> Caller {
        guard let header = request.headers[.authorization] else {
            throw MemOSError.unauthenticated("missing API key: send the header 'Authorization: Bearer <api key>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        let key = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        guard parts.count == 2, parts[0].lowercased() == "bearer", !key.isEmpty else {
            throw MemOSError.unauthenticated("the Authorization header must be 'Bearer <api key>'")
        }
        if let limiter = self.rateLimiter, let wait = limiter.acquire(key, now: self.configuration.now()) {
            throw RateLimited(retryAfterSeconds: wait, limit: self.configuration.rateLimit ?? RateLimit())
        }
        let metadata = Self.metadata(key: key, context)
        return Caller(
            key: key,
            principal: try await self.accounts.principal(key: key, metadata: metadata),
            metadata: metadata
        )
    }

    /// The error body and status of any error a request ends with.
    func errorResponse(_ error: any Error, logger: Logger) -> Response {
        let failure = self.failure(error, logger: logger)
        var response = Self.errorJSON(status: failure.status, code: failure.code, message: failure.message)
        if let seconds = failure.retryAfterSeconds { response.headers[.retryAfter] = "\(seconds)" }
        return response
    }

    /// How a request failed, as HTTP sees it: the one place errors are mapped for every route family. Internal
    /// and unavailable errors are logged here with their cause.
    func failure(_ error: any Error, logger: Logger) -> Failure {
        let domain: MemOSError
        switch error {
        case let error as MemOSError:
            domain = error
        case let error as RPCError:
            domain = MemOSError(error)
        case let error as UpstreamError:
            logger.warning("the LLM service failed", metadata: ["cause": "\(error.message)"])
            return Failure(
                status: error.timedOut ? .gatewayTimeout : .badGateway,
                code: error.timedOut ? "upstream_timeout" : "upstream_error",
                message: error.message
            )
        case let error as RateLimited:
            return Failure(
                status: .tooManyRequests,
                code: "rate_limited",
                message: error.message,
                retryAfterSeconds: error.retryAfterSeconds
            )
        case is NIOTooManyBytesError:
            return self.bodyTooLarge
        case let error as HTTPParserError:
            return Failure(
                status: .badRequest,
                code: "bad_request",
                message: "the request is not valid HTTP/1.1: \(error)"
            )
        case let error as HTTPError where error.status == .contentTooLarge:
            return self.bodyTooLarge
        case let error as HTTPError:
            let code = error.status == .notFound ? "not_found" : "bad_request"
            return Failure(status: error.status, code: code, message: error.body ?? error.status.reasonPhrase)
        default:
            domain = MemOSError.internalError(error)
        }
        if domain.code == .internalError || domain.code == .unavailable {
            logger.error(
                "request failed",
                metadata: [
                    "code": "\(domain.code)",
                    "cause": "\(domain.underlying.map { String(reflecting: $0) } ?? domain.message)",
                ]
            )
        }
        return Failure(
            status: HTTPStatusMapping.status(for: domain.code),
            code: HTTPStatusMapping.name(for: domain.code),
            message: domain.message
        )
    }

    var bodyTooLarge: Failure {
        Failure(
            status: .contentTooLarge,
            code: "payload_too_large",
            message: "request body is larger than the limit of \(self.configuration.maxBodyBytes) bytes"
        )
    }

    /// An error as an HTTP status, a code name and a message safe to show.
    struct Failure {
        var status: HTTPResponse.Status
        var code: String
        var message: String
        var retryAfterSeconds: Int?
    }

    /// The gRPC metadata of a call made for a request: the caller's key and the request id.
    static func metadata(key: String, _ context: GatewayRequestContext) -> Metadata {
        ["authorization": "Bearer \(key)", "x-request-id": .string(context.requestID)]
    }

    // MARK: JSON

    static let jsonEncoding: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        options.alwaysPrintInt64sAsNumbers = true
        return options
    }()

    static func json(_ message: some SwiftProtobuf.Message, status: HTTPResponse.Status = .ok) throws -> Response {
        let bytes: [UInt8] = try message.jsonUTF8Bytes(options: Self.jsonEncoding)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    /// The JSON of the records the account routes answer with (the CLI prints the same).
    public static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encoded(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try Self.jsonEncoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    static func json(_ object: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    static func errorJSON(status: HTTPResponse.Status, code: String, message: String) -> Response {
        let object: [String: Any] = ["error": ["code": code, "message": message, "status": status.code]]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// The `statuses` query parameter: comma-separated status names (`ACTIVATED`, `ARCHIVED`, `DELETED`, any
    /// case); absent means the call's default (ACTIVATED).
    static func statuses(_ value: Substring?) throws -> [Memos_Common_V1_MemoryStatus] {
        guard let value, !value.isEmpty else { return [] }
        return try value.split(separator: ",").map { name in
            switch name.uppercased() {
            case "ACTIVATED": .activated
            case "ARCHIVED": .archived
            case "DELETED": .deleted
            default:
                throw MemOSError.invalidArgument(
                    "statuses must list ACTIVATED, ARCHIVED or DELETED separated by commas, not '\(name.prefix(32))'"
                )
            }
        }
    }

    static func int32(_ value: Substring?, field: String) throws -> Int32 {
        guard let value else { return 0 }
        guard let number = Int32(value) else { throw MemOSError.invalidArgument("\(field) must be an integer") }
        return number
    }
}

/// A request refused by the caller's rate-limit bucket: 429 with `Retry-After`.
struct RateLimited: Error {
    var retryAfterSeconds: Int
    var limit: Gateway.RateLimit

    var message: String {
        "too many requests for this API key (limit \(limit.requestsPerSecond) per second, burst \(limit.burst)); "
            + "retry after \(retryAfterSeconds) s"
    }
}

/// Domain error codes as HTTP statuses: the one place where they are mapped.
public enum HTTPStatusMapping {
    public static func status(for code: MemOSError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidArgument: .badRequest
        case .notFound: .notFound
        case .alreadyExists: .conflict
        case .permissionDenied: .forbidden
        case .unauthenticated: .unauthorized
        case .failedPrecondition: .preconditionFailed
        case .aborted: .conflict
        case .resourceExhausted: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .unimplemented: .notImplemented
        default: .internalServerError
        }
    }

    public static func name(for code: MemOSError.Code) -> String {
        switch code {
        case .invalidArgument: "invalid_argument"
        case .notFound: "not_found"
        case .alreadyExists: "already_exists"
        case .permissionDenied: "permission_denied"
        case .unauthenticated: "unauthenticated"
        case .failedPrecondition: "failed_precondition"
        case .aborted: "aborted"
        case .resourceExhausted: "resource_exhausted"
        case .unavailable: "unavailable"
        case .unimplemented: "unimplemented"
        default: "internal"
        }
    }
}
