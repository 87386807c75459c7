import Foundation
import MemOSCore
import MemOSProto
import SwiftProtobuf

// The one place where protobuf messages and domain values meet.

extension MemoryType {
    public init?(_ proto: Memos_Common_V1_MemoryType) {
        switch proto {
        case .workingMemory: self = .workingMemory
        case .longTermMemory: self = .longTermMemory
        case .userMemory: self = .userMemory
        case .preferenceMemory: self = .preferenceMemory
        case .outerMemory: self = .outerMemory
        case .toolSchemaMemory: self = .toolSchemaMemory
        case .toolTrajectoryMemory: self = .toolTrajectoryMemory
        case .rawFileMemory: self = .rawFileMemory
        case .skillMemory: self = .skillMemory
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }

    public var proto: Memos_Common_V1_MemoryType {
        switch self {
        case .workingMemory: .workingMemory
        case .longTermMemory: .longTermMemory
        case .userMemory: .userMemory
        case .preferenceMemory: .preferenceMemory
        case .outerMemory: .outerMemory
        case .toolSchemaMemory: .toolSchemaMemory
        case .toolTrajectoryMemory: .toolTrajectoryMemory
        case .rawFileMemory: .rawFileMemory
        case .skillMemory: .skillMemory
        }
    }

    /// The types named in a request; rejects unspecified or unknown values.
    public static func parse(_ values: [Memos_Common_V1_MemoryType], field: String) throws -> Set<MemoryType> {
        var types: Set<MemoryType> = []
        for (index, value) in values.enumerated() {
            guard let type = MemoryType(value) else {
                throw MemOSError.invalidArgument("\(field)[\(index)] is not a known memory type")
            }
            types.insert(type)
        }
        return types
    }
}

extension MemoryStatus {
    public init?(_ proto: Memos_Common_V1_MemoryStatus) {
        switch proto {
        case .activated: self = .activated
        case .archived: self = .archived
        case .deleted: self = .deleted
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }

    public var proto: Memos_Common_V1_MemoryStatus {
        switch self {
        case .activated: .activated
        case .archived: .archived
        case .deleted: .deleted
        }
    }

    /// The statuses named in a request; empty means activated only.
    public static func parse(_ values: [Memos_Common_V1_MemoryStatus], field: String) throws -> Set<MemoryStatus> {
        if values.isEmpty { return [.activated] }
        var statuses: Set<MemoryStatus> = []
        for (index, value) in values.enumerated() {
            guard let status = MemoryStatus(value) else {
                throw MemOSError.invalidArgument("\(field)[\(index)] is not a known status")
            }
            statuses.insert(status)
        }
        return statuses
    }
}

extension JSONValue {
    public init(_ proto: Google_Protobuf_Value) {
        switch proto.kind {
        case .nullValue, .none: self = .null
        case .numberValue(let value): self = .number(value)
        case .stringValue(let value): self = .string(value)
        case .boolValue(let value): self = .bool(value)
        case .structValue(let value): self = .object(value.fields.mapValues(JSONValue.init))
        case .listValue(let value): self = .array(value.values.map(JSONValue.init))
        }
    }

    public var proto: Google_Protobuf_Value {
        switch self {
        case .null: Google_Protobuf_Value(nilLiteral: ())
        case .bool(let value): Google_Protobuf_Value(boolValue: value)
        case .number(let value): Google_Protobuf_Value(numberValue: value)
        case .string(let value): Google_Protobuf_Value(stringValue: value)
        case .array(let values):
            Google_Protobuf_Value(listValue: Google_Protobuf_ListValue(values: values.map(\.proto)))
        case .object(let fields):
            Google_Protobuf_Value(structValue: Google_Protobuf_Struct(fields: fields.mapValues(\.proto)))
        }
    }
}

extension Google_Protobuf_Struct {
    /// The struct as a domain JSON object.
    public var jsonObject: [String: JSONValue] { self.fields.mapValues(JSONValue.init) }

    public init(jsonObject: [String: JSONValue]) {
        self.init(fields: jsonObject.mapValues(\.proto))
    }
}

extension Source {
    public init(_ proto: Memos_Common_V1_Source) {
        self.init(
            type: proto.type.isEmpty ? "api" : proto.type,
            role: proto.role.nilIfEmpty,
            messageID: proto.messageID.nilIfEmpty,
            sessionID: proto.sessionID.nilIfEmpty,
            chatTime: proto.hasChatTime ? proto.chatTime.date : nil,
            content: proto.content.nilIfEmpty.map { String($0.utf8.prefix(2_048)) ?? String($0.prefix(512)) },
            docPath: proto.docPath.nilIfEmpty,
            chunkIndex: proto.chunkIndex == 0 && proto.type != "doc" ? nil : Int(proto.chunkIndex),
            memoryID: proto.memoryID.nilIfEmpty,
            documentID: proto.documentID.nilIfEmpty,
            section: proto.section.isEmpty
                ? nil : proto.section.prefix(16).map { String($0.utf8.prefix(256)) ?? String($0.prefix(64)) },
            pageStart: proto.pageStart == 0 ? nil : Int(proto.pageStart),
            pageEnd: proto.pageEnd == 0 ? nil : Int(proto.pageEnd),
            mediaType: proto.mediaType.nilIfEmpty
        )
    }

    public var proto: Memos_Common_V1_Source {
        .with {
            $0.type = self.type
            $0.role = self.role ?? ""
            $0.messageID = self.messageID ?? ""
            $0.sessionID = self.sessionID ?? ""
            if let chatTime = self.chatTime { $0.chatTime = Google_Protobuf_Timestamp(date: chatTime) }
            $0.content = self.content ?? ""
            $0.docPath = self.docPath ?? ""
            $0.chunkIndex = Int32(self.chunkIndex ?? 0)
            $0.memoryID = self.memoryID ?? ""
            $0.documentID = self.documentID ?? ""
            $0.section = self.section ?? []
            $0.pageStart = Int32(clamping: self.pageStart ?? 0)
            $0.pageEnd = Int32(clamping: self.pageEnd ?? 0)
            $0.mediaType = self.mediaType ?? ""
        }
    }
}

extension Memory {
    /// The memory as the API returns it; the embedding only when asked for.
    public func proto(includeEmbedding: Bool = false) -> Memos_Common_V1_Memory {
        .with {
            $0.id = self.id.lowercasedString
            $0.cubeID = self.cubeID
            $0.authorUserID = self.authorUserID.lowercasedString
            $0.sessionID = self.sessionID
            $0.memoryType = self.memoryType.proto
            $0.status = self.status.proto
            $0.key = self.key
            $0.content = self.content
            $0.tags = self.tags
            $0.info = Google_Protobuf_Struct(jsonObject: self.info)
            $0.sources = self.sources.map(\.proto)
            $0.confidence = self.confidence
            $0.embeddingModel = self.embeddingModel
            if includeEmbedding { $0.embedding = self.embedding }
            $0.createdAt = Google_Protobuf_Timestamp(date: self.createdAt)
            $0.updatedAt = Google_Protobuf_Timestamp(date: self.updatedAt)
            if let validFrom = self.validFrom { $0.validFrom = Google_Protobuf_Timestamp(date: validFrom) }
            if let validTo = self.validTo { $0.validTo = Google_Protobuf_Timestamp(date: validTo) }
            $0.version = self.version
            $0.usageCount = self.usageCount
            $0.changeSeq = self.changeSeq
        }
    }
}

extension MemorySnapshot {
    func proto(id: UUID, cubeID: String) -> Memos_Common_V1_Memory {
        .with {
            $0.id = id.lowercasedString
            $0.cubeID = cubeID
            $0.memoryType = self.memoryType.proto
            $0.status = self.status.proto
            $0.key = self.key
            $0.content = self.content
            $0.tags = self.tags
            $0.info = Google_Protobuf_Struct(jsonObject: self.info)
            if let validFrom = self.validFrom { $0.validFrom = Google_Protobuf_Timestamp(date: validFrom) }
            if let validTo = self.validTo { $0.validTo = Google_Protobuf_Timestamp(date: validTo) }
            $0.version = self.version
        }
    }
}

extension HistoryEntry {
    public func proto(cubeID: String) -> Memos_Common_V1_HistoryEntry {
        .with {
            $0.id = self.id
            $0.memoryID = self.memoryID.lowercasedString
            $0.action = self.action
            if let before = self.before { $0.before = before.proto(id: self.memoryID, cubeID: cubeID) }
            if let after = self.after { $0.after = after.proto(id: self.memoryID, cubeID: cubeID) }
            $0.actorUserID = self.actorUserID?.lowercasedString ?? ""
            $0.jobID = self.jobID?.lowercasedString ?? ""
            $0.reason = self.reason
            $0.createdAt = Google_Protobuf_Timestamp(date: self.createdAt)
        }
    }
}

extension String {
    public var nilIfEmpty: String? { self.isEmpty ? nil : self }
}
