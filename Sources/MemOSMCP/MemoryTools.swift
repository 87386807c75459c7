import GRPCCore
import Logging
import MCP
import MemOSCore
import MemOSProto
import MemOSRPC
import SwiftProtobuf

/// The user's memories as MCP tools and resources, whatever the transport (stdio or Streamable HTTP).
///
/// Every tool is one or two calls to the ingest, retrieval and accounts services over gRPC, made with the caller's
/// API key (`authorization: Bearer <key>` metadata): the services authenticate it and check the caller's role in
/// each cube, as for any other client. A failed call is a tool result with `isError` and the text
/// `<gRPC code>: <the service's message>` (for example `permissionDenied: …`), and bad arguments are
/// `invalidArgument: …` naming the argument, so that the model can read what went wrong and try again; only an
/// unknown tool name is a protocol error.
public struct MemoryTools: Sendable {
    /// The metadata of each call: the caller's key, and a request id where there is one.
    public typealias Credentials = @Sendable () async throws -> GRPCCore.Metadata

    let ingest: any Memos_Ingest_V1_IngestService.ClientProtocol
    let retrieval: any Memos_Retrieval_V1_RetrievalService.ClientProtocol
    let accounts: any Memos_Accounts_V1_AccountsService.ClientProtocol
    let credentials: Credentials
    let logger: Logger
    /// The writes of this session, for read-your-writes searches.
    let writes = WriteSequence()

    /// - Parameter key: the caller's API key, asked for before each tool call.
    public init(
        ingest: any Memos_Ingest_V1_IngestService.ClientProtocol,
        retrieval: any Memos_Retrieval_V1_RetrievalService.ClientProtocol,
        accounts: any Memos_Accounts_V1_AccountsService.ClientProtocol,
        key: @escaping @Sendable () async throws -> String,
        logger: Logger = Logger(label: "memos.mcp")
    ) {
        self.init(
            ingest: ingest,
            retrieval: retrieval,
            accounts: accounts,
            credentials: { ["authorization": "Bearer \(try await key())"] },
            logger: logger
        )
    }

    /// - Parameter credentials: the metadata of each call, asked for before each tool call; it must carry
    ///   `authorization: Bearer <key>`.
    public init(
        ingest: any Memos_Ingest_V1_IngestService.ClientProtocol,
        retrieval: any Memos_Retrieval_V1_RetrievalService.ClientProtocol,
        accounts: any Memos_Accounts_V1_AccountsService.ClientProtocol,
        credentials: @escaping Credentials,
        logger: Logger = Logger(label: "memos.mcp")
    ) {
        self.ingest = ingest
        self.retrieval = retrieval
        self.accounts = accounts
        self.credentials = credentials
        self.logger = logger
    }

    /// Installs the handlers of `tools/list`, `tools/call`, `resources/list`, `resources/read` and
    /// `resources/templates/list` on `server`.
    public func register(on server: Server) async {
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: Self.tools)
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            try await self.call(parameters.name, arguments: parameters.arguments)
        }
        await server.withMethodHandler(ListResources.self) { _ in
            try await self.listResources()
        }
        await server.withMethodHandler(ReadResource.self) { parameters in
            try await self.readResource(parameters.uri)
        }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            ListResourceTemplates.Result(templates: [Self.cubeMemoriesTemplate])
        }
    }

    /// Runs the tool `name`.
    ///
    /// - Returns: the tool's result; a failure of the services or bad arguments is a result with `isError`.
    /// - Throws: `invalidParams` for a tool that does not exist.
    public func call(_ name: String, arguments: [String: Value]?) async throws -> CallTool.Result {
        let arguments = ToolArguments(arguments)
        let run: (ToolArguments) async throws -> CallTool.Result
        switch name {
        case Self.searchMemories.name: run = self.searchMemories
        case Self.addMemory.name: run = self.addMemory
        case Self.addConversation.name: run = self.addConversation
        case Self.getMemory.name: run = self.getMemory
        case Self.updateMemory.name: run = self.updateMemory
        case Self.deleteMemory.name: run = self.deleteMemory
        case Self.listMemories.name: run = self.listMemories
        case Self.listCubes.name: run = self.listCubes
        default: throw MCPError.invalidParams("Unknown tool: \(name.prefix(128))")
        }
        do {
            return try await run(arguments)
        } catch {
            return CallTool.Result(
                content: [.text(text: self.failure(error, tool: name), annotations: nil, _meta: nil)],
                isError: true
            )
        }
    }

    /// The text of a failed call: `<gRPC code>: <message>`, the message as the service (or the argument check)
    /// wrote it. An error that is no service's answer (`unknown`, `dataLoss`, or not an `RPCError`) is logged with
    /// its cause and shown as `internalError: internal error`.
    func failure(_ error: any Error, tool: String) -> String {
        let rpcError: RPCError
        switch error {
        case let error as RPCError:
            rpcError = error
        case let error as MemOSError:
            rpcError = RPCError(error)
        case is CancellationError:
            return "\(RPCError.Code.cancelled): the call was cancelled"
        default:
            rpcError = RPCError(code: .unknown, message: "")
        }
        switch rpcError.code {
        case .unknown, .dataLoss:
            self.logger.error(
                "MCP tool failed",
                metadata: ["tool": "\(tool)", "cause": "\(String(reflecting: error))"]
            )
            return "\(RPCError.Code.internalError): internal error"
        case .unavailable, .internalError, .deadlineExceeded:
            self.logger.warning(
                "MCP tool call failed",
                metadata: ["tool": "\(tool)", "code": "\(rpcError.code)", "cause": "\(String(reflecting: error))"]
            )
        default:
            break
        }
        return "\(rpcError.code): \(rpcError.message)"
    }

    /// A successful result: `text` for the model, and `structured` (a proto message in the API's JSON form) for
    /// clients that read `structuredContent`.
    static func result(_ text: String, structured: (any SwiftProtobuf.Message)? = nil) throws -> CallTool.Result {
        CallTool.Result(
            content: [.text(text: text, annotations: nil, _meta: nil)],
            structuredContent: try structured.map { try Value(message: $0) }
        )
    }
}
