import Logging
import MCP
import MemOSCore

/// Makes the MCP server of the memory tools, for any transport.
public enum MCPServerFactory {
    /// The server's name in the initialize handshake.
    public static let serverName = "memos-swift"

    /// A server named `memos-swift` at this release's version, offering the tools and resources of `tools`; start
    /// it with a transport.
    public static func makeServer(tools: MemoryTools) async -> Server {
        let server = Server(
            name: Self.serverName,
            version: MemOSVersion.current,
            title: "MemOS-Swift memory",
            instructions: MemoryTools.instructions,
            capabilities: .init(
                resources: .init(subscribe: false, listChanged: false),
                tools: .init(listChanged: false)
            )
        )
        await tools.register(on: server)
        return server
    }

    /// Serves `tools` over standard input and output (newline-delimited JSON-RPC) until standard input ends or the
    /// task is cancelled. Log to standard error only: standard output carries the protocol.
    public static func serveStdio(tools: MemoryTools, logger: Logger) async throws {
        let server = await self.makeServer(tools: tools)
        try await server.start(transport: StdioTransport(logger: logger))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await server.waitUntilCompleted() }
            group.addTask {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3_600)) }
            }
            // Standard input ended, or the task was cancelled: either way the server stops.
            await group.next()
            group.cancelAll()
            await server.stop()
        }
    }
}
