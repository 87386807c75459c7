import ArgumentParser
import Foundation
import MemOSProto
import NIOHTTP1
import SwiftProtobuf

/// `memos add`: conversation turns or one memory into a cube, through the gateway.
struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Adds conversation turns (default) or one memory (--memory) to a cube.",
        discussion: """
            The text comes from the argument, or from standard input when it is absent or '-'. As turns, each \
            non-empty line is one turn; a line starting with 'user:', 'assistant:', 'system:' or 'tool:' is said by \
            that role, any other by --role. With --memory the whole text is one memory, stored as given.
            """
    )

    @OptionGroup var client: ClientOptions
    @Argument(help: "Cube id.") var cubeID: String
    @Argument(help: "The text (default: standard input).") var text: String?
    @Flag(help: "Store the text as one memory instead of conversation turns.") var memory = false
    @Option(
        help: "Type of the --memory, e.g. LONG_TERM_MEMORY, USER_MEMORY, PREFERENCE_MEMORY (default LONG_TERM_MEMORY)."
    )
    var type: String?
    @Option(help: "Title (key) of the --memory.") var title: String?
    @Option(name: .customLong("tag"), help: "A tag; repeat for more.") var tags: [String] = []
    @Option(help: "Session id.") var session: String?
    @Option(help: "Role of turns without a role prefix.") var role: String = "user"
    @Flag(help: "Fine mode: the gateway's LLM extracts the memories from the turns.") var fine = false
    @Flag(help: "Print the gateway's JSON answer.") var json = false

    func run() async throws {
        let text = try self.text.flatMap { $0 == "-" ? nil : $0 } ?? Self.standardInput()
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("no text to add") }
        let path: String
        let body: any SwiftProtobuf.Message
        if self.memory {
            path = "/v1/memories"
            body = try self.memoryRequest(text)
        } else {
            path = "/v1/messages"
            body = self.messagesRequest(text)
        }
        let data = try await self.client.data(.POST, path, body: try body.gatewayJSON())
        if self.json { return print(try prettyJSON(data)) }
        let memories =
            (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["memories"] as? [[String: Any]] ?? []
        print("added \(memories.count) \(memories.count == 1 ? "memory" : "memories") to \(self.cubeID)")
        for memory in memories {
            print(
                "  \(memory["id"] as? String ?? "")  \(memory["memory_type"] as? String ?? "")  \(oneLine(memory["content"]))"
            )
        }
    }

    func memoryRequest(_ text: String) throws -> Memos_Ingest_V1_AddMemoriesRequest {
        var input = Memos_Ingest_V1_MemoryInput()
        input.content = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let type = self.type {
            // The proto JSON reader knows the type names.
            let named = try? Memos_Ingest_V1_MemoryInput(jsonString: "{\"memory_type\": \"\(type.uppercased())\"}")
            guard let named, named.memoryType != .unspecified else {
                throw ValidationError("unknown memory type '\(type)'")
            }
            input.memoryType = named.memoryType
        }
        input.key = self.title ?? ""
        input.tags = self.tags
        return .with {
            $0.cubeID = self.cubeID
            $0.sessionID = self.session ?? ""
            $0.items = [input]
        }
    }

    func messagesRequest(_ text: String) -> Memos_Ingest_V1_AddMessagesRequest {
        let roles = ["user", "assistant", "system", "tool"]
        let turns = text.split(whereSeparator: \.isNewline).compactMap { line -> Memos_Common_V1_ChatMessage? in
            let line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { return nil }
            var role = self.role
            var content = line
            if let colon = line.firstIndex(of: ":"), roles.contains(line[..<colon].lowercased()) {
                role = line[..<colon].lowercased()
                content = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return .with {
                $0.role = role
                $0.content = content
            }
        }
        return .with {
            $0.cubeID = self.cubeID
            $0.sessionID = self.session ?? ""
            $0.messages = turns
            $0.customTags = self.tags
            $0.mode = self.fine ? .fine : .fast
        }
    }

    static func standardInput() throws -> String {
        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
}

/// `memos search`: ranked hits for a query over one or more cubes.
struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Searches cubes and prints the hits, best first.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "The query.") var query: String
    @Option(name: .customLong("cube"), help: "A cube to search; repeat for more (at least one).") var cubes: [String] =
        []
    @Option(help: "How many hits, 1 to 100.") var topK: Int = 10
    @Option(
        help:
            "Minimum score of every hit, 0 to 1 (default: the server's, which answers nothing when nothing is relevant; 0 keeps every hit)."
    )
    var relativity: Float?
    @Flag(help: "Fine mode: LLM query expansion and rerank, when the gateway has an LLM.") var fine = false
    @Flag(help: "Print the gateway's JSON answer.") var json = false

    func validate() throws {
        if self.cubes.isEmpty { throw ValidationError("name a cube with --cube") }
    }

    func run() async throws {
        let request = Memos_Retrieval_V1_SearchRequest.with {
            $0.cubeIds = self.cubes
            $0.query = self.query
            $0.topK = Int32(clamping: self.topK)
            $0.mode = self.fine ? .fine : .fast
            if let relativity = self.relativity { $0.relativity = relativity }
        }
        let data = try await self.client.data(.POST, "/v1/search", body: try request.gatewayJSON())
        if self.json { return print(try prettyJSON(data)) }
        let answer = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        for warning in answer["warnings"] as? [String] ?? [] {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let hits = answer["hits"] as? [[String: Any]] ?? []
        if hits.isEmpty { return print("no hits") }
        for (rank, hit) in hits.enumerated() {
            let memory = hit["memory"] as? [String: Any] ?? [:]
            let score = String(format: "%.3f", (hit["score"] as? NSNumber)?.doubleValue ?? 0)
            let cube = self.cubes.count > 1 ? "  \(memory["cube_id"] as? String ?? "")" : ""
            print(
                "\(rank + 1). \(score)  \(memory["memory_type"] as? String ?? "")\(cube)  \(memory["id"] as? String ?? "")"
            )
            print("   \(oneLine(memory["content"]))")
        }
    }
}

extension SwiftProtobuf.Message {
    /// The message as the gateway reads it: JSON with the proto field names.
    func gatewayJSON() throws -> Data {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        return try self.jsonUTF8Data(options: options)
    }
}

/// A JSON answer indented for reading.
func prettyJSON(_ data: Data) throws -> String {
    let object = try JSONSerialization.jsonObject(with: data)
    let pretty = try JSONSerialization.data(
        withJSONObject: object,
        options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    )
    return String(decoding: pretty, as: UTF8.self)
}

/// A text on one line, at most 200 characters.
func oneLine(_ value: Any?) -> String {
    let text = (value as? String ?? "").split(whereSeparator: \.isNewline).joined(separator: " ")
    return text.count > 200 ? text.prefix(199) + "…" : text
}
