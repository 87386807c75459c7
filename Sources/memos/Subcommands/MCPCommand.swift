import ArgumentParser
import Logging
import MemOSGateway
import MemOSMCP
import MemOSServer
import ServiceLifecycle
import UnixSignals

/// `memos mcp`: the memory tools for an MCP client that starts its servers itself (a desktop assistant, an editor),
/// over standard input and output.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serves the memory tools to an MCP client over standard input and output.",
        discussion: """
            Reaches the services over gRPC as the gateway does, with the API key of --key (MEMOS_KEY) on every call. \
            Standard output carries the protocol; logs go to standard error. Ends when standard input does.
            """
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "API key (env MEMOS_KEY).")
    var key: String?
    @OptionGroup var services: ServiceAddressOptions

    func run() async throws {
        let logger = self.common.makeLogger("memos.mcp")
        guard let key = self.key ?? Environment.string("MEMOS_KEY") else {
            throw ValidationError("no API key: pass --key or set MEMOS_KEY")
        }
        let clients = try self.services.clients()
        let tools = MemoryTools(
            ingest: clients.ingest,
            retrieval: clients.retrieval,
            accounts: clients.accounts,
            key: { key },
            logger: logger
        )
        ServiceRunner.restoreDefaultSignals()
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: clients),
                    // Standard input closed: the client is gone, and the process ends.
                    .init(
                        service: MCPStdioService(tools: tools, logger: logger),
                        successTerminationBehavior: .gracefullyShutdownGroup
                    ),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// The MCP server over standard input and output: it ends when standard input does, or at shutdown.
struct MCPStdioService: Service {
    let tools: MemoryTools
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await MCPServerFactory.serveStdio(tools: self.tools, logger: self.logger)
        }
    }
}
