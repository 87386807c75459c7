import GRPCCore
import MCP
import MemOSCore
import MemOSProto
import SwiftProtobuf

/// Each tool: its arguments read and checked, the services called, the answer as text and as structured content.
extension MemoryTools {
    func searchMemories(_ arguments: ToolArguments) async throws -> CallTool.Result {
        try arguments.expectOnly(["query", "cube_ids", "top_k", "memory_types", "filter"])
        let query = try arguments.requiredString("query")
        let topK = try arguments.integer("top_k", in: 1...Limits.maxTopK) ?? Limits.defaultTopK
        let types = try arguments.memoryTypes("memory_types") ?? []
        let filter = try arguments.object("filter").map { try Memos_Common_V1_Filter(argument: $0, name: "filter") }
        var cubeIDs = try arguments.strings("cube_ids") ?? []
        let metadata = try await self.credentials()
        var notes: [String] = []
        if cubeIDs.isEmpty {
            let cubes = try await self.accounts.listCubes(.init(), metadata: metadata).cubes.map(\.cubeID)
            if cubes.isEmpty { return try Self.result("No memories: you are a member of no cube.") }
            if cubes.count > Limits.maxCubesPerSearch {
                notes.append(
                    "note: searched the first \(Limits.maxCubesPerSearch) of your \(cubes.count) cubes; "
                        + "name cube_ids to search the others"
                )
            }
            cubeIDs = Array(cubes.prefix(Limits.maxCubesPerSearch))
        }
        let response = try await self.retrieval.search(
            .with {
                $0.cubeIds = cubeIDs
                $0.query = query
                $0.topK = Int32(topK)
                $0.memoryTypes = types
                if let filter { $0.filter = filter }
                // Read-your-writes: what this session stored is searchable.
                $0.minChangeSeq = self.writes.last
                if $0.minChangeSeq > 0 { $0.maxWaitMs = Self.readYourWritesWaitMilliseconds }
            },
            metadata: metadata
        )
        let scope = "in \(cubeIDs.joined(separator: ", "))"
        var lines =
            response.hits.isEmpty
            ? ["No memory found \(scope) for \"\(MemoryText.oneLine(query))\"."]
            : ["\(Self.count(response.hits.count, "memory", "memories")) found \(scope), best first:"]
                + response.hits.map(MemoryText.hit)
        lines += notes + response.warnings.map { "note: \($0)" }
        return try Self.result(lines.joined(separator: "\n"), structured: response)
    }

    func addMemory(_ arguments: ToolArguments) async throws -> CallTool.Result {
        try arguments.expectOnly(["cube_id", "content", "tags", "memory_type", "key"])
        let cubeID = try arguments.requiredString("cube_id")
        let item = try Memos_Ingest_V1_MemoryInput.with {
            $0.content = try arguments.requiredString("content")
            $0.tags = try arguments.strings("tags") ?? []
            $0.memoryType = try arguments.memoryType("memory_type") ?? .unspecified
            $0.key = try arguments.string("key") ?? ""
        }
        let response = try await self.ingest.addMemories(
            .with {
                $0.cubeID = cubeID
                $0.items = [item]
            },
            metadata: try await self.credentials()
        )
        self.writes.saw(response.changeSeq)
        let id = response.memories.first?.id ?? response.memoryIds.first ?? ""
        var text = "Stored memory \(id) in cube \(cubeID)."
        if let memory = response.memories.first { text += "\n" + MemoryText.line(memory) }
        return try Self.result(text, structured: response)
    }

    func addConversation(_ arguments: ToolArguments) async throws -> CallTool.Result {
        try arguments.expectOnly(["cube_id", "messages", "session_id", "mode"])
        let cubeID = try arguments.requiredString("cube_id")
        guard let turns = try arguments.objects("messages") else {
            throw MemOSError.invalidArgument("messages is required")
        }
        let messages = try turns.enumerated().map { index, turn in
            try turn.expectOnly(["role", "content"])
            return try Memos_Common_V1_ChatMessage.with {
                $0.role = try turn.string("role") ?? ""
                $0.content = try turn.string("content") ?? ""
                if $0.role.isEmpty { throw MemOSError.invalidArgument("messages[\(index)].role is required") }
                if $0.content.isEmpty { throw MemOSError.invalidArgument("messages[\(index)].content is required") }
            }
        }
        let mode: Memos_Ingest_V1_ReaderMode =
            switch try arguments.string("mode")?.lowercased() {
            case nil, "fast": .fast
            case "fine": .fine
            case let other?: throw MemOSError.invalidArgument("mode must be fast or fine, not '\(other.prefix(32))'")
            }
        let response = try await self.ingest.addMessages(
            .with {
                $0.cubeID = cubeID
                $0.messages = messages
                $0.sessionID = try arguments.string("session_id") ?? ""
                $0.mode = mode
            },
            metadata: try await self.credentials()
        )
        self.writes.saw(response.changeSeq)
        let made = response.memories.isEmpty ? response.memoryIds.count : response.memories.count
        var lines = [
            "Stored \(Self.count(messages.count, "message", "messages")) in cube \(cubeID) as "
                + "\(Self.count(made, "memory", "memories"))\(made == 0 ? "." : ":")"
        ]
        lines +=
            response.memories.isEmpty ? response.memoryIds.map { "id=\($0)" } : response.memories.map(MemoryText.line)
        if !response.jobID.isEmpty { lines.append("job \(response.jobID) makes the rest in the background") }
        lines += response.warnings.map { "note: \($0)" }
        return try Self.result(lines.joined(separator: "\n"), structured: response)
    }

    func getMemory(_ arguments: ToolArguments) async throws -> CallTool.Result {
        try arguments.expectOnly(["cube_id", "memory_id"])
        let cubeID = try arguments.requiredString("cube_id")
        let memoryID = try arguments.requiredString("memory_id")
        let response = try await self.retrieval.getMemories(
            .with {
                $0.cubeID = cubeID
                $0.memoryIds = [memoryID]
            },
            metadata: try await self.credentials()
        )
        guard let memory = response.memories.first else {
            throw MemOSError.notFound("memory '\(memoryID.prefix(64))' does not exist in cube '\(cubeID.prefix(128))'")
        }
        return try Self.result(MemoryText.detail(memory), structured: memory)
    }

    func updateMemory(_ arguments: ToolArguments) async throws -> CallTool.Result {
        try arguments.expectOnly(["cube_id", "memory_id", "content", "tags", "key"])
        let cubeID = try arguments.requiredString("cube_id")
        let memoryID = try arguments.requiredString("memory_id")
        var patch = Memos_Ingest_V1_MemoryPatch()
        var paths: [String] = []
        if let content = try arguments.string("content") {
            patch.content = content
            paths.append("content")
        }
        if let tags = try arguments.strings("tags") {
            patch.tags = tags
            paths.append("tags")
        }
        if let key = try arguments.string("key") {
            patch.key = key
            paths.append("key")
        }
        guard !paths.isEmpty else {
            throw MemOSError.invalidArgument("give at least one of content, tags and key: the fields to change")
        }
        let response = try await self.ingest.updateMemory(
            .with {
                $0.cubeID = cubeID
                $0.memoryID = memoryID
                $0.patch = patch
                $0.updateMask = Google_Protobuf_FieldMask(protoPaths: paths)
            },
            metadata: try await self.credentials()
        )
        self.writes.saw(response.changeSeq)
        let text =
            "Updated \(paths.joined(separator: ", ")) of memory \(response.memory.id) (now version "
            + "\(response.memory.version)):\n" + MemoryText.line(response.memory)
        return try Self.result(text, structured: response)
    }

    func deleteMemory(_ arguments: ToolArguments) async throws -> CallTool.Result {
        try arguments.expectOnly(["cube_id", "memory_ids"])
        let cubeID = try arguments.requiredString("cube_id")
        guard let ids = try arguments.strings("memory_ids") else {
            throw MemOSError.invalidArgument("memory_ids is required")
        }
        let response = try await self.ingest.deleteMemories(
            .with {
                $0.cubeID = cubeID
                $0.ids = .with { $0.ids = ids }
            },
            metadata: try await self.credentials()
        )
        self.writes.saw(response.changeSeq)
        var text = "Deleted \(Self.count(Int(clamping: response.deletedCount), "memory", "memories")) of cube \(cubeID)"
        text += response.memoryIds.isEmpty ? "." : ": \(response.memoryIds.joined(separator: ", "))."
        if response.deletedCount < ids.count {
            text += " The other ids named no active memory of the cube (already deleted, or unknown)."
        }
        text += " The delete is soft: they can be restored (POST /v1/memories/restore, or RestoreMemories)."
        return try Self.result(text, structured: response)
    }

    func listMemories(_ arguments: ToolArguments) async throws -> CallTool.Result {
        try arguments.expectOnly(["cube_id", "page_size", "page_token"])
        let cubeID = try arguments.requiredString("cube_id")
        let pageSize = try arguments.integer("page_size", in: 1...Limits.maxPageSize) ?? Self.defaultPageSize
        let response = try await self.retrieval.listMemories(
            .with {
                $0.cubeID = cubeID
                $0.pageSize = Int32(pageSize)
                $0.pageToken = try arguments.string("page_token") ?? ""
            },
            metadata: try await self.credentials()
        )
        return try Self.result(Self.page(response, cubeID: cubeID), structured: response)
    }

    func listCubes(_ arguments: ToolArguments) async throws -> CallTool.Result {
        try arguments.expectOnly([])
        let response = try await self.accounts.listCubes(.init(), metadata: try await self.credentials())
        let text =
            response.cubes.isEmpty
            ? "You are a member of no cube."
            : (["Your cubes:"] + response.cubes.map(MemoryText.cube)).joined(separator: "\n")
        return try Self.result(text, structured: response)
    }

    /// A page of a listing as text, with the token of the next page when there is one.
    static func page(_ response: Memos_Retrieval_V1_ListMemoriesResponse, cubeID: String) -> String {
        guard !response.memories.isEmpty else { return "Cube \(cubeID) has no active memory on this page." }
        var lines = [
            "\(Self.count(response.memories.count, "memory", "memories")) of cube \(cubeID), newest first:"
        ]
        lines += response.memories.map(MemoryText.line)
        if !response.nextPageToken.isEmpty {
            lines.append("More remain: call list_memories with page_token \"\(response.nextPageToken)\".")
        }
        return lines.joined(separator: "\n")
    }

    /// How long a search waits for the search index to hold the session's last write (the service's default is 2 s):
    /// past that it fails `unavailable` rather than answer without it.
    static let readYourWritesWaitMilliseconds: Int32 = 10_000

    static func count(_ count: Int, _ one: String, _ many: String) -> String {
        "\(count) \(count == 1 ? one : many)"
    }
}
