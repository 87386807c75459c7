import ArgumentParser
import Logging
import MemOSCore
import MemOSGateway
import MemOSPostgres
import MemOSServer
import PostgresNIO
import ServiceLifecycle

/// `memos gateway`; named apart from the library's `Gateway`, which it runs.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Runs the HTTP/JSON gateway.",
        discussion: "A pure front: it reaches every service over gRPC and needs no database URL."
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "HTTP port (env MEMOS_GATEWAY_PORT; default 8080).")
    var port: Int?
    @OptionGroup var services: ServiceAddressOptions
    @OptionGroup var rateLimit: RateLimitOptions

    func run() async throws {
        let logger = self.common.makeLogger("memos.gateway")
        try self.common.validateSettings(
            .gateway,
            flags: self.services.flags.merging([
                "MEMOS_GATEWAY_PORT": self.port.map(String.init),
                "MEMOS_RATE_LIMIT_RPS": self.rateLimit.rateLimitRps.map { "\($0)" },
                "MEMOS_RATE_LIMIT_BURST": self.rateLimit.rateLimitBurst.map(String.init),
            ]) { first, _ in first },
            logger: logger
        )
        let clients = try self.services.clients()
        let gateway = ServerFactory.gateway(
            clients: clients,
            configuration: .init(
                host: self.common.resolvedHost,
                port: try self.port ?? Environment.int("MEMOS_GATEWAY_PORT") ?? DefaultPort.gateway,
                rateLimit: try self.rateLimit.resolved(),
                corsOrigins: Environment.string("MEMOS_CORS_ORIGINS").flatMap(Gateway.CORSOrigins.init(setting:))
                    ?? .none,
                answerModel: try self.common.makeAnswerModel()
            ),
            logger: logger
        )
        let app = try gateway.makeApplication { port in
            logger.notice("HTTP gateway listening", metadata: ["port": "\(port)"])
        }
        try await ServiceRunner.run(database: nil, services: [clients, app], logger: logger)
    }
}

/// The gateway's rate limit per API key; shared by `gateway` and `all`.
struct RateLimitOptions: ParsableArguments {
    @Option(help: "Requests per second per API key; 0 turns the limit off (env MEMOS_RATE_LIMIT_RPS; default 50).")
    var rateLimitRps: Double?
    @Option(help: "Requests an API key may make at once (env MEMOS_RATE_LIMIT_BURST; default 100).")
    var rateLimitBurst: Int?

    var requestsPerSecond: Double? {
        get throws { try self.rateLimitRps ?? Environment.double("MEMOS_RATE_LIMIT_RPS") }
    }
    var burst: Int? {
        get throws { try self.rateLimitBurst ?? Environment.int("MEMOS_RATE_LIMIT_BURST") }
    }

    /// The limit to configure; nil when turned off.
    func resolved() throws -> Gateway.RateLimit? {
        let defaults = Gateway.RateLimit()
        let rate = try self.requestsPerSecond ?? defaults.requestsPerSecond
        let burst = try self.burst ?? defaults.burst
        guard rate >= 0, rate.isFinite else { throw ValidationError("MEMOS_RATE_LIMIT_RPS must be a number >= 0") }
        guard burst >= 1 else { throw ValidationError("MEMOS_RATE_LIMIT_BURST must be at least 1") }
        return rate == 0 ? nil : .init(requestsPerSecond: rate, burst: burst)
    }
}
