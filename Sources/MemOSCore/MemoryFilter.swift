import Foundation

/// A filter over memories: and/or/not over conditions, MemOS's filter grammar.
public indirect enum MemoryFilter: Sendable, Hashable {
    case condition(Condition)
    case and([MemoryFilter])
    case or([MemoryFilter])
    case not(MemoryFilter)

    /// What a condition compares.
    public enum Field: Sendable, Hashable {
        case id, key, content, tags, sessionID, memoryType, status, authorUserID
        case createdAt, updatedAt, validFrom, validTo
        /// A key of the memory's `info` object.
        case info(String)
        /// A field of the document a chunk came from (its sources of type `doc`).
        case document(DocumentField)

        /// Fields of a document source; raw values are the source's JSON keys.
        public enum DocumentField: String, Sendable, Hashable {
            case id = "document_id"
            case name = "doc_path"
            case mediaType = "media_type"
        }

        /// Parses a field name as the API spells it: `session_id`, `created_at`, `info.<name>`, ...
        public init?(name: String) {
            switch name {
            case "id": self = .id
            case "key": self = .key
            case "content", "memory": self = .content
            case "tags": self = .tags
            case "session_id": self = .sessionID
            case "memory_type": self = .memoryType
            case "status": self = .status
            case "author_user_id", "user_id": self = .authorUserID
            case "created_at": self = .createdAt
            case "updated_at": self = .updatedAt
            case "valid_from": self = .validFrom
            case "valid_to": self = .validTo
            case "document_id": self = .document(.id)
            case "document_name": self = .document(.name)
            case "document_media_type": self = .document(.mediaType)
            default:
                guard name.hasPrefix("info."), name.count > 5 else { return nil }
                self = .info(String(name.dropFirst(5)))
            }
        }

        public var isTime: Bool {
            switch self {
            case .createdAt, .updatedAt, .validFrom, .validTo: true
            default: false
            }
        }
    }

    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case eq, ne, gt, gte, lt, lte, `in`, contains, like
    }

    public struct Condition: Sendable, Hashable {
        public var field: Field
        public var op: Operator
        public var value: JSONValue

        public init(field: Field, op: Operator, value: JSONValue) {
            self.field = field
            self.op = op
            self.value = value
        }
    }

    /// Most conditions in one filter.
    public static let maxConditions = 64
    /// Deepest nesting of and/or/not.
    public static let maxDepth = 8

    /// Checks limits and that each operator suits its field and value.
    /// - Throws: `invalidArgument` naming the condition and the rule it breaks.
    public func validate(field: String = "filter") throws {
        var conditions = 0
        try self.validate(path: field, depth: 1, conditions: &conditions)
    }

    private func validate(path: String, depth: Int, conditions: inout Int) throws {
        if depth > Self.maxDepth {
            throw MemOSError.invalidArgument("\(path) nests deeper than \(Self.maxDepth) levels")
        }
        switch self {
        case .and(let operands), .or(let operands):
            if operands.isEmpty { throw MemOSError.invalidArgument("\(path) has an empty and/or") }
            for (index, operand) in operands.enumerated() {
                try operand.validate(path: "\(path)[\(index)]", depth: depth + 1, conditions: &conditions)
            }
        case .not(let operand):
            try operand.validate(path: path, depth: depth + 1, conditions: &conditions)
        case .condition(let condition):
            conditions += 1
            if conditions > Self.maxConditions {
                throw MemOSError.invalidArgument("\(path): a filter has at most \(Self.maxConditions) conditions")
            }
            try condition.validate(path: path)
        }
    }
}

extension MemoryFilter.Condition {
    func validate(path: String) throws {
        let where_ = "\(path) (\(self.op.rawValue))"
        switch (self.op, self.value) {
        case (.in, .array(let values)):
            if values.isEmpty || values.count > 1_000 {
                throw MemOSError.invalidArgument("\(where_) needs a list of 1 to 1000 values")
            }
            for value in values { try self.validateScalar(value, path: where_) }
        case (.in, _):
            throw MemOSError.invalidArgument("\(where_) needs a list of values")
        case (_, .array), (_, .object):
            throw MemOSError.invalidArgument("\(where_) needs a single value, not a list or object")
        case (.like, let value), (.contains, let value):
            guard case .string = value else { throw MemOSError.invalidArgument("\(where_) needs a string") }
            if self.field.isTime { throw MemOSError.invalidArgument("\(where_) does not apply to times") }
        case (.gt, let value), (.gte, let value), (.lt, let value), (.lte, let value):
            if self.field == .tags { throw MemOSError.invalidArgument("\(where_) does not apply to tags") }
            try self.validateScalar(value, path: where_)
        default:
            try self.validateScalar(self.value, path: where_)
        }
    }

    private func validateScalar(_ value: JSONValue, path: String) throws {
        if self.field.isTime, Self.date(from: value) == nil {
            throw MemOSError.invalidArgument(
                "\(path) needs an RFC 3339 time or seconds since 1970, from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z"
            )
        }
        if case .null = value, self.op != .eq, self.op != .ne {
            throw MemOSError.invalidArgument("\(path) cannot compare with null")
        }
    }

    /// A time from an RFC 3339 string or a number of seconds since 1970, within ``Checked``'s range.
    public static func date(from value: JSONValue) -> Date? {
        switch value {
        case .number(let seconds): return Checked.date(secondsSince1970: seconds)
        case .string(let text): return Date(rfc3339: text).flatMap { Checked.isInRange($0) ? $0 : nil }
        default: return nil
        }
    }
}
