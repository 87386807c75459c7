import Foundation

/// The kind of a memory; raw values are MemOS's names.
public enum MemoryType: String, Sendable, Hashable, CaseIterable, Codable {
    case workingMemory = "WorkingMemory"
    case longTermMemory = "LongTermMemory"
    case userMemory = "UserMemory"
    case preferenceMemory = "PreferenceMemory"
    case outerMemory = "OuterMemory"
    case toolSchemaMemory = "ToolSchemaMemory"
    case toolTrajectoryMemory = "ToolTrajectoryMemory"
    case rawFileMemory = "RawFileMemory"
    case skillMemory = "SkillMemory"
}

/// Lifecycle state of a memory.
public enum MemoryStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case activated
    case archived
    case deleted
}

/// Provenance of a memory: one message or document chunk it was derived from.
public struct Source: Sendable, Hashable, Codable {
    public var type: String
    public var role: String?
    public var messageID: String?
    public var sessionID: String?
    public var chatTime: Date?
    public var content: String?
    public var docPath: String?
    public var chunkIndex: Int?
    public var memoryID: String?
    /// For document chunks: the document's id, the headings the chunk sits under, its pages (from 1) and the
    /// document's media type.
    public var documentID: String?
    public var section: [String]?
    public var pageStart: Int?
    public var pageEnd: Int?
    public var mediaType: String?

    public init(
        type: String,
        role: String? = nil,
        messageID: String? = nil,
        sessionID: String? = nil,
        chatTime: Date? = nil,
        content: String? = nil,
        docPath: String? = nil,
        chunkIndex: Int? = nil,
        memoryID: String? = nil,
        documentID: String? = nil,
        section: [String]? = nil,
        pageStart: Int? = nil,
        pageEnd: Int? = nil,
        mediaType: String? = nil
    ) {
        self.type = type
        self.role = role
        self.messageID = messageID
        self.sessionID = sessionID
        self.chatTime = chatTime
        self.content = content
        self.docPath = docPath
        self.chunkIndex = chunkIndex
        self.memoryID = memoryID
        self.documentID = documentID
        self.section = section
        self.pageStart = pageStart
        self.pageEnd = pageEnd
        self.mediaType = mediaType
    }

    enum CodingKeys: String, CodingKey {
        case type, role, content
        case messageID = "message_id"
        case sessionID = "session_id"
        case chatTime = "chat_time"
        case docPath = "doc_path"
        case chunkIndex = "chunk_index"
        case memoryID = "memory_id"
        case documentID = "document_id"
        case section
        case pageStart = "page_start"
        case pageEnd = "page_end"
        case mediaType = "media_type"
    }
}

/// A stored memory.
public struct Memory: Sendable, Hashable {
    public var id: UUID
    public var cubeID: String
    public var authorUserID: UUID
    public var sessionID: String
    public var memoryType: MemoryType
    public var status: MemoryStatus
    public var key: String
    public var content: String
    public var tags: [String]
    /// The caller's JSON object.
    public var info: [String: JSONValue]
    public var sources: [Source]
    /// 0 to 1.
    public var confidence: Float
    public var embeddingModel: String
    public var embedding: [Float]
    public var createdAt: Date
    public var updatedAt: Date
    public var validFrom: Date?
    public var validTo: Date?
    public var version: Int64
    public var usageCount: Int64
    /// Change sequence number of the memory's last change.
    public var changeSeq: Int64

    public init(
        id: UUID,
        cubeID: String,
        authorUserID: UUID,
        sessionID: String,
        memoryType: MemoryType,
        status: MemoryStatus,
        key: String,
        content: String,
        tags: [String],
        info: [String: JSONValue],
        sources: [Source],
        confidence: Float,
        embeddingModel: String,
        embedding: [Float],
        createdAt: Date,
        updatedAt: Date,
        validFrom: Date?,
        validTo: Date?,
        version: Int64,
        usageCount: Int64,
        changeSeq: Int64
    ) {
        self.id = id
        self.cubeID = cubeID
        self.authorUserID = authorUserID
        self.sessionID = sessionID
        self.memoryType = memoryType
        self.status = status
        self.key = key
        self.content = content
        self.tags = tags
        self.info = info
        self.sources = sources
        self.confidence = confidence
        self.embeddingModel = embeddingModel
        self.embedding = embedding
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.validFrom = validFrom
        self.validTo = validTo
        self.version = version
        self.usageCount = usageCount
        self.changeSeq = changeSeq
    }
}

/// A memory to be stored: what a caller or a reader supplies, before the store assigns times and sequence.
public struct NewMemory: Sendable, Hashable {
    public var id: UUID
    public var sessionID: String
    public var memoryType: MemoryType
    public var key: String
    public var content: String
    public var tags: [String]
    public var info: [String: JSONValue]
    public var sources: [Source]
    public var confidence: Float
    public var embeddingModel: String
    public var embedding: [Float]
    public var validFrom: Date?
    public var validTo: Date?

    public init(
        id: UUID = UUID.random(),
        sessionID: String,
        memoryType: MemoryType,
        key: String,
        content: String,
        tags: [String],
        info: [String: JSONValue],
        sources: [Source],
        confidence: Float,
        embeddingModel: String,
        embedding: [Float],
        validFrom: Date? = nil,
        validTo: Date? = nil
    ) {
        self.id = id
        self.sessionID = sessionID
        self.memoryType = memoryType
        self.key = key
        self.content = content
        self.tags = tags
        self.info = info
        self.sources = sources
        self.confidence = confidence
        self.embeddingModel = embeddingModel
        self.embedding = embedding
        self.validFrom = validFrom
        self.validTo = validTo
    }
}

/// One conversation turn as an application sends it.
public struct ChatMessage: Sendable, Hashable {
    public var role: String
    public var content: String
    public var chatTime: Date?
    public var messageID: String
    public var name: String
    /// What an assistant turn called, and what a "tool" turn answered (nil for other turns).
    public var tool: ToolTurn?

    public init(
        role: String,
        content: String,
        chatTime: Date? = nil,
        messageID: String = "",
        name: String = "",
        tool: ToolTurn? = nil
    ) {
        self.role = role
        self.content = content
        self.chatTime = chatTime
        self.messageID = messageID
        self.name = name
        self.tool = tool
    }
}

/// The tool side of a turn, in OpenAI's terms: an assistant's `tool_calls`, or a "tool" turn's answer to one.
public struct ToolTurn: Sendable, Hashable, Codable {
    /// An assistant turn's calls.
    public var calls: [ToolCall]
    /// A "tool" turn: the id of the call it answers.
    public var callID: String?
    /// A "tool" turn: whether the call failed, when the caller said.
    public var failed: Bool?
    /// A "tool" turn: how long the call took, in milliseconds.
    public var durationMilliseconds: Int64?

    public init(calls: [ToolCall] = [], callID: String? = nil, failed: Bool? = nil, durationMilliseconds: Int64? = nil)
    {
        self.calls = calls
        self.callID = callID
        self.failed = failed
        self.durationMilliseconds = durationMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case calls
        case callID = "call_id"
        case failed
        case durationMilliseconds = "duration_ms"
    }
}

/// One call of a tool by an assistant.
public struct ToolCall: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// As the model wrote them, usually a JSON object.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// The user-visible state of a memory at one point, as kept in its history.
public struct MemorySnapshot: Sendable, Hashable, Codable {
    public var memoryType: MemoryType
    public var status: MemoryStatus
    public var key: String
    public var content: String
    public var tags: [String]
    public var info: [String: JSONValue]
    public var validFrom: Date?
    public var validTo: Date?
    public var version: Int64

    public init(_ memory: Memory) {
        self.memoryType = memory.memoryType
        self.status = memory.status
        self.key = memory.key
        self.content = memory.content
        self.tags = memory.tags
        self.info = memory.info
        self.validFrom = memory.validFrom
        self.validTo = memory.validTo
        self.version = memory.version
    }

    enum CodingKeys: String, CodingKey {
        case status, key, content, tags, info, version
        case memoryType = "memory_type"
        case validFrom = "valid_from"
        case validTo = "valid_to"
    }
}

/// Changes to a memory's user-visible fields; nil leaves a field as it is.
public struct MemoryPatch: Sendable, Hashable {
    public var content: String?
    public var key: String?
    public var tags: [String]?
    public var info: [String: JSONValue]?
    public var memoryType: MemoryType?
    /// `.some(nil)` clears the field.
    public var validFrom: Date??
    public var validTo: Date??
    public var confidence: Float?

    public init(
        content: String? = nil,
        key: String? = nil,
        tags: [String]? = nil,
        info: [String: JSONValue]? = nil,
        memoryType: MemoryType? = nil,
        validFrom: Date?? = nil,
        validTo: Date?? = nil,
        confidence: Float? = nil
    ) {
        self.content = content
        self.key = key
        self.tags = tags
        self.info = info
        self.memoryType = memoryType
        self.validFrom = validFrom
        self.validTo = validTo
        self.confidence = confidence
    }

    /// The memory with the patch applied (version and times untouched).
    public func applied(to memory: Memory) -> Memory {
        var updated = memory
        if let content = self.content { updated.content = content }
        if let key = self.key { updated.key = key }
        if let tags = self.tags { updated.tags = tags }
        if let info = self.info { updated.info = info }
        if let memoryType = self.memoryType { updated.memoryType = memoryType }
        if let validFrom = self.validFrom { updated.validFrom = validFrom }
        if let validTo = self.validTo { updated.validTo = validTo }
        if let confidence = self.confidence { updated.confidence = confidence }
        return updated
    }
}
