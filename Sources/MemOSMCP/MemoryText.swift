import Foundation
import MemOSProto
import SwiftProtobuf

/// Memories, search hits and cubes as the text a language model reads in a tool's result: one line per item, ids
/// in full (the other tools take them), a memory's text on one line.
enum MemoryText {
    /// One search hit: `[score 0.412] id=… type=… cube=… tags=…: text`, and a document chunk's citation,
    /// `(from doc.pdf › Travel › Visas, pages 3–4)`.
    static func hit(_ hit: Memos_Retrieval_V1_SearchHit) -> String {
        "[score \(String(format: "%.3f", hit.score))] " + self.line(hit.memory)
    }

    /// One memory on one line: id, type, cube, tags, its text, and where a document chunk comes from.
    static func line(_ memory: Memos_Common_V1_Memory) -> String {
        var fields = ["id=\(memory.id)", "type=\(self.name(memory.memoryType))", "cube=\(memory.cubeID)"]
        if memory.status != .activated && memory.status != .unspecified {
            fields.append("status=\(self.name(memory.status))")
        }
        if !memory.tags.isEmpty { fields.append("tags=\(memory.tags.joined(separator: ","))") }
        var line = fields.joined(separator: " ") + ": " + self.oneLine(memory.content)
        if let citation = self.citation(memory) { line += " (from \(citation))" }
        return line
    }

    /// A memory in full, one field a line, for `get_memory`.
    static func detail(_ memory: Memos_Common_V1_Memory) -> String {
        var lines = [
            "id: \(memory.id)",
            "cube: \(memory.cubeID)",
            "type: \(self.name(memory.memoryType))",
            "status: \(self.name(memory.status))",
        ]
        if !memory.key.isEmpty { lines.append("key: \(memory.key)") }
        if !memory.tags.isEmpty { lines.append("tags: \(memory.tags.joined(separator: ", "))") }
        if !memory.sessionID.isEmpty { lines.append("session: \(memory.sessionID)") }
        lines.append("version: \(memory.version)")
        if memory.hasCreatedAt { lines.append("created: \(self.time(memory.createdAt))") }
        if memory.hasUpdatedAt { lines.append("updated: \(self.time(memory.updatedAt))") }
        if memory.hasValidFrom { lines.append("valid from: \(self.time(memory.validFrom))") }
        if memory.hasValidTo { lines.append("valid to: \(self.time(memory.validTo))") }
        if let citation = self.citation(memory) { lines.append("source: \(citation)") }
        lines.append("content:")
        lines.append(memory.content)
        return lines.joined(separator: "\n")
    }

    /// One cube with the caller's role.
    static func cube(_ cube: Memos_Accounts_V1_Cube) -> String {
        var line = "\(cube.cubeID): role=\(self.name(cube.role)) owner=\(cube.ownerName)"
        if !cube.name.isEmpty && cube.name != cube.cubeID { line += " name=\"\(cube.name)\"" }
        return line
    }

    /// Where a document chunk comes from: `handbook.pdf › Travel › Visas, pages 3–4`; nil for other memories.
    static func citation(_ memory: Memos_Common_V1_Memory) -> String? {
        guard let source = memory.sources.first(where: { $0.type == "doc" }) else { return nil }
        var parts = [source.docPath.isEmpty ? source.documentID : source.docPath]
        parts.append(contentsOf: source.section)
        var citation = parts.joined(separator: " › ")
        if source.pageStart > 0 {
            citation +=
                source.pageEnd > source.pageStart
                ? ", pages \(source.pageStart)–\(source.pageEnd)" : ", page \(source.pageStart)"
        }
        return citation
    }

    /// Text on one line: each line break becomes ` | ` (a conversation memory holds a turn a line).
    static func oneLine(_ text: String) -> String {
        text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " | ")
    }

    static func time(_ timestamp: Google_Protobuf_Timestamp) -> String {
        timestamp.date.formatted(.iso8601)
    }

    static func name(_ type: Memos_Common_V1_MemoryType) -> String {
        ToolArguments.memoryTypeNames.first { $0.type == type }?.name ?? "MEMORY_TYPE_UNSPECIFIED"
    }

    static func name(_ status: Memos_Common_V1_MemoryStatus) -> String {
        switch status {
        case .activated: "ACTIVATED"
        case .archived: "ARCHIVED"
        case .deleted: "DELETED"
        default: "UNSPECIFIED"
        }
    }

    static func name(_ role: Memos_Accounts_V1_CubeRole) -> String {
        switch role {
        case .owner: "owner"
        case .writer: "writer"
        case .reader: "reader"
        default: "none"
        }
    }
}
