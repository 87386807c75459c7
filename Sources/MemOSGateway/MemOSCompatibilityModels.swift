import Foundation
import MemOSCore
import MemOSProto
import MemOSRPC
import SwiftProtobuf

// The MemOS-compatibility layer's request models. "MemOS" in these names is the Python MemOS (MemTensor/MemOS),
// whose clients this layer serves: its `src/memos/api/product_models.py`, with the fields this server reads; the
// others are ignored. Decoded with snake_case keys converted to these camelCase names.

/// `APIADDRequest`.
struct MemOSAddRequest: Decodable {
    var userId: String?
    var sessionId: String?
    var writableCubeIds: [String]?
    /// Deprecated in MemOS for `writable_cube_ids`.
    var memCubeId: String?
    var mode: String?
    var customTags: [String]?
    var info: [String: JSONValue]?
    var messages: [MemOSMessage]?
    /// Deprecated in MemOS for a text message.
    var memoryContent: String?
    var isFeedback: Bool?
    /// "async" queues the reading (the scheduler makes the memories); "sync" (this server's default when absent)
    /// makes them before answering.
    var asyncMode: String?
}

/// `APISearchRequest`.
struct MemOSSearchRequest: Decodable {
    var query: String?
    var userId: String?
    var readableCubeIds: [String]?
    /// Deprecated in MemOS for `readable_cube_ids`.
    var memCubeId: String?
    var sessionId: String?
    var topK: Int?
    var relativity: Double?
    var dedup: String?
    var searchMemoryType: String?
    var filter: JSONValue?
    var includePreference: Bool?
    var prefTopK: Int?
    var searchToolMemory: Bool?
    var toolMemTopK: Int?
}

/// `APIFeedbackRequest`.
struct MemOSFeedbackRequest: Decodable {
    var userId: String?
    var sessionId: String?
    var writableCubeIds: [String]?
    var memCubeId: String?
    var retrievedMemoryIds: [String]?
    var feedbackContent: String?
    var asyncMode: String?
}

/// `GetMemoryRequest`.
struct MemOSGetMemoryRequest: Decodable {
    var memCubeId: String?
    var page: Int?
    var pageSize: Int?
}

/// `GetMemoryPlaygroundRequest`.
struct MemOSGetAllRequest: Decodable {
    var memoryType: String?
    var memCubeIds: [String]?
    var searchQuery: String?
}

/// `DeleteMemoryRequest`.
struct MemOSDeleteRequest: Decodable {
    var writableCubeIds: [String]?
    var memCubeId: String?
    var memoryIds: [String]?
    var fileIds: [String]?
    var filter: JSONValue?
    var sessionId: String?
}

/// `CreateCubeRequest`.
struct MemOSCreateCubeRequest: Decodable {
    var cubeName: String?
    var cubeId: String?
}

/// `{mem_cube_id}`.
struct MemOSCubeIDRequest: Decodable {
    var memCubeId: String?
}

/// One of MemOS's `MessagesType` items: a bare string (a user turn) or an OpenAI-style message whose content is
/// a string or a list of parts, of which the `text` parts are its text and the `file` parts documents.
struct MemOSMessage: Decodable {
    var role: String
    var content: String
    var chatTime: Date?
    var messageId: String
    /// An assistant turn's `tool_calls` (OpenAI's `{id, type: "function", function: {name, arguments}}`).
    var toolCalls: [Memos_Common_V1_ToolCall] = []
    /// A "tool" turn's `tool_call_id`.
    var toolCallId = ""
    /// The `file` parts: `{"type": "file", "file": {"filename": …, "file_data": "data:<type>;base64,…"}}`.
    var files: [MemOSFile] = []

    enum CodingKeys: String, CodingKey {
        case role, content, chatTime, messageId, toolCalls, toolCallId
    }

    init(from decoder: any Swift.Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self.role = "user"
            self.content = text
            self.chatTime = nil
            self.messageId = ""
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.role = try container.decodeIfPresent(String.self, forKey: .role) ?? "user"
        if let text = try? container.decode(String.self, forKey: .content) {
            self.content = text
        } else {
            let parts = (try? container.decode([JSONValue].self, forKey: .content)) ?? []
            self.files = parts.compactMap(MemOSFile.init(part:))
            self.content = parts.compactMap { part -> String? in
                guard case .object(let fields) = part, fields["type"] == .string("text"),
                    case .string(let text)? = fields["text"]
                else {
                    return nil
                }
                return text
            }.joined(separator: "\n")
        }
        self.chatTime = (try? container.decodeIfPresent(String.self, forKey: .chatTime)).flatMap(Date.init(rfc3339:))
        self.messageId = (try? container.decodeIfPresent(String.self, forKey: .messageId)) ?? ""
        self.toolCallId = (try? container.decodeIfPresent(String.self, forKey: .toolCallId)) ?? ""
        let calls = (try? container.decodeIfPresent([JSONValue].self, forKey: .toolCalls)) ?? []
        self.toolCalls = calls.compactMap { call in
            guard case .object(let fields) = call else { return nil }
            let function: [String: JSONValue]
            if case .object(let nested)? = fields["function"] { function = nested } else { function = fields }
            guard case .string(let name)? = function["name"] else { return nil }
            return Memos_Common_V1_ToolCall.with {
                if case .string(let id)? = fields["id"] { $0.id = id }
                $0.name = name
                switch function["arguments"] {
                case .string(let text)?: $0.arguments = text
                case let value?:
                    $0.arguments = (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? ""
                case nil: break
                }
            }
        }
    }

    var proto: Memos_Common_V1_ChatMessage {
        .with {
            $0.role = self.role
            $0.content = self.content
            $0.messageID = self.messageId
            if let chatTime = self.chatTime { $0.chatTime = .init(date: chatTime) }
            $0.toolCalls = self.toolCalls
            $0.toolCallID = self.toolCallId
        }
    }
}

/// A file sent inline as a message part (OpenAI's `file` or `image_url` content part): its bytes in base64, bare or
/// as a data URL.
struct MemOSFile {
    var filename: String
    var mediaType: String
    /// Nil when `file_data` is missing or not base64 (a URL, which this server does not fetch).
    var bytes: [UInt8]?

    init?(part: JSONValue) {
        guard case .object(let fields) = part else { return nil }
        var data: String
        switch (fields["type"], fields["file"], fields["image_url"]) {
        case (.string("file"), .object(let file)?, _):
            if case .string(let name)? = file["filename"] { self.filename = name } else { self.filename = "" }
            self.mediaType = ""
            self.bytes = nil
            guard case .string(let text)? = file["file_data"] else { return }
            data = text
        case (.string("image_url"), _, .object(let image)?):
            self.filename = "image"
            self.mediaType = ""
            self.bytes = nil
            guard case .string(let url)? = image["url"] else { return }
            data = url
        case (.string("image_url"), _, .string(let url)?):
            self.filename = "image"
            self.mediaType = ""
            self.bytes = nil
            data = url
        default:
            return nil
        }
        if data.hasPrefix("http://") || data.hasPrefix("https://") { return }
        if data.hasPrefix("data:"), let comma = data.firstIndex(of: ",") {
            let header = data[data.index(data.startIndex, offsetBy: 5)..<comma]
            self.mediaType = header.split(separator: ";").first.map(String.init) ?? ""
            guard header.hasSuffix(";base64") else { return }
            data = String(data[data.index(after: comma)...])
        }
        self.bytes = Data(base64Encoded: data, options: .ignoreUnknownCharacters).map { Array($0) }
    }
}

/// MemOS's filter language: `{"and": [...]}` or `{"or": [...]}` of conditions `{field: value}` or
/// `{field: {gt|gte|lt|lte|ne|contains|in|like: value}}`; several fields in one object are all required.
enum MemOSFilter {
    static let operators: [String: Memos_Common_V1_FilterOperator] = [
        "eq": .eq, "ne": .ne, "gt": .gt, "gte": .gte, "lt": .lt, "lte": .lte, "in": .in, "contains": .contains,
        "like": .like,
    ]

    /// The filter as the services' protobuf filter; field names and values are checked by the service.
    static func proto(_ value: JSONValue, path: String = "filter") throws -> Memos_Common_V1_Filter {
        guard case .object(let object) = value, !object.isEmpty else {
            throw MemOSError.invalidArgument("\(path) must be a non-empty object")
        }
        if object.count == 1, let (key, inner) = object.first, key == "and" || key == "or" {
            guard case .array(let items) = inner, !items.isEmpty else {
                throw MemOSError.invalidArgument("\(path).\(key) must be a non-empty list")
            }
            let list = try Memos_Common_V1_FilterList.with { list in
                list.filters = try items.enumerated().map {
                    try Self.proto($0.element, path: "\(path).\(key)[\($0.offset)]")
                }
            }
            return .with { filter in
                if key == "and" { filter.and = list } else { filter.or = list }
            }
        }
        let conditions = try object.sorted { $0.key < $1.key }.map { field, spec in
            try Self.condition(field: field, spec, path: "\(path).\(field)")
        }
        return conditions.count == 1 ? conditions[0] : .with { $0.and = .with { $0.filters = conditions } }
    }

    static func condition(field: String, _ spec: JSONValue, path: String) throws -> Memos_Common_V1_Filter {
        var op = Memos_Common_V1_FilterOperator.eq
        var value = spec
        if case .object(let fields) = spec {
            guard fields.count == 1, let (name, operand) = fields.first, let known = Self.operators[name] else {
                throw MemOSError.invalidArgument(
                    "\(path) must be a value or one {operator: value} with operator one of \(Self.operators.keys.sorted().joined(separator: ", "))"
                )
            }
            op = known
            value = operand
        }
        return .with {
            $0.condition = .with {
                $0.field = field
                $0.op = op
                $0.value = value.proto
            }
        }
    }
}
