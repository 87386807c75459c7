import MCP

/// Tool calls through the MCP SDK's client, as the MCP tests make them.
enum MCPCalls {
    /// The whole result of a tool call, structured content included.
    static func call(
        _ client: Client,
        _ name: String,
        _ arguments: [String: Value] = [:]
    ) async throws
        -> CallTool.Result
    {
        try await client.send(CallTool.request(.init(name: name, arguments: arguments))).value
    }

    static func text(_ result: CallTool.Result) -> String {
        result.content.compactMap {
            if case .text(let text, _, _) = $0 { text } else { nil }
        }.joined(separator: "\n")
    }
}
