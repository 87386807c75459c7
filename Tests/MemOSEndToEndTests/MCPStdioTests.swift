import Foundation
import MCP
import MemOSCore
import SystemPackage
import Testing

@testable import MemOSTestSupport

/// `memos mcp` as an MCP client starts it: a child process speaking the protocol on its standard input and output,
/// driven by the MCP SDK's own client over the pipes, against the real services.
@Suite("MCP over standard input and output")
struct MCPStdioTests {
    @Test(
        "memos mcp lists and runs the tools for its key's user, and refuses a stranger's cube",
        .enabled(if: FileManager.default.isExecutableFile(atPath: MemosBinary.url.path), "build memos first")
    )
    func stdio() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let process = Process()
            process.executableURL = MemosBinary.url
            process.arguments = ["mcp"]
            process.environment = [
                "PATH": "/usr/bin:/bin",
                "MEMOS_KEY": stack.alice.key,
                "MEMOS_INGEST_ADDR": "127.0.0.1:\(stack.ingestPort)",
                "MEMOS_RETRIEVAL_ADDR": "127.0.0.1:\(stack.retrievalPort)",
                "MEMOS_SCHEDULER_ADDR": "127.0.0.1:\(stack.schedulerPort)",
                "MEMOS_LOG_LEVEL": "error",
            ]
            let toServer = Pipe()
            let fromServer = Pipe()
            process.standardInput = toServer
            process.standardOutput = fromServer
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            let transport = StdioTransport(
                input: FileDescriptor(rawValue: fromServer.fileHandleForReading.fileDescriptor),
                output: FileDescriptor(rawValue: toServer.fileHandleForWriting.fileDescriptor)
            )
            let client = Client(name: "memos-tests", version: "1")
            let initialized = try await client.connect(transport: transport)
            #expect(initialized.serverInfo.name == "memos-swift")
            #expect(try await client.listTools().tools.count == 8)

            let added = try await MCPCalls.call(
                client,
                "add_memory",
                ["cube_id": "alice-cube", "content": "Alice keeps her bicycle in the courtyard"]
            )
            #expect(added.isError != true, "\(MCPCalls.text(added))")
            let found = try await MCPCalls.call(client, "search_memories", ["query": "Alice bicycle courtyard"])
            #expect(MCPCalls.text(found).contains("courtyard"), "\(MCPCalls.text(found))")
            let stranger = try await MCPCalls.call(
                client,
                "add_memory",
                ["cube_id": "bob-cube", "content": "written where alice may not write"]
            )
            #expect(stranger.isError == true)
            #expect(MCPCalls.text(stranger).hasPrefix("permissionDenied"), "\(MCPCalls.text(stranger))")

            await client.disconnect()
            // Standard input ends: the server ends with it.
            try toServer.fileHandleForWriting.close()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
    }
}
