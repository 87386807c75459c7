import Foundation
import MemOSCore
import PostgresNIO

/// Translates a ``MemoryFilter`` into a SQL condition over `memories m`, binding every value.
struct FilterSQL {
    var binds: PostgresBindings

    /// Appends a value and returns its placeholder.
    mutating func bind(_ value: some PostgresEncodable) throws -> String {
        try self.binds.append(value)
        return "$\(self.binds.count)"
    }

    mutating func sql(for filter: MemoryFilter) throws -> String {
        switch filter {
        case .and(let operands):
            return "(" + (try operands.map { try self.sql(for: $0) }).joined(separator: " AND ") + ")"
        case .or(let operands):
            return "(" + (try operands.map { try self.sql(for: $0) }).joined(separator: " OR ") + ")"
        case .not(let operand): return "(NOT coalesce(\(try self.sql(for: operand)), false))"
        case .condition(let condition): return try self.sql(for: condition)
        }
    }

    static let comparison: [MemoryFilter.Operator: String] = [
        .eq: "=", .ne: "<>", .gt: ">", .gte: ">=", .lt: "<", .lte: "<=",
    ]

    private mutating func sql(for condition: MemoryFilter.Condition) throws -> String {
        switch condition.field {
        case .tags: return try self.tags(condition)
        case .info(let name): return try self.info(name, condition)
        case .document(let field): return try self.document(field, condition)
        case .createdAt, .updatedAt, .validFrom, .validTo: return try self.time(condition)
        case .id, .authorUserID, .key, .content, .sessionID, .memoryType, .status: return try self.text(condition)
        }
    }

    private static func column(_ field: MemoryFilter.Field) -> String {
        switch field {
        case .id: "m.id::text"
        case .authorUserID: "m.author_user_id::text"
        case .key: "m.key"
        case .content: "m.content"
        case .sessionID: "m.session_id"
        case .memoryType: "m.memory_type"
        case .status: "m.status"
        case .tags: "m.tags"
        case .createdAt: "m.created_at"
        case .updatedAt: "m.updated_at"
        case .validFrom: "m.valid_from"
        case .validTo: "m.valid_to"
        case .info: "m.info"
        case .document(let field): "(s.value ->> '\(field.rawValue)')"
        }
    }

    /// The stored spelling of a text value: MemOS's type names and lower-case statuses, whichever the caller used.
    private static func canonical(_ value: JSONValue, for field: MemoryFilter.Field) -> String? {
        let text: String
        switch value {
        case .string(let string): text = string
        case .number(let number): text = Checked.text(number)
        case .bool(let bool): text = String(bool)
        default: return nil
        }
        switch field {
        case .memoryType:
            let squashed = text.replacingOccurrences(of: "_", with: "").lowercased()
            return MemoryType.allCases.first { $0.rawValue.lowercased() == squashed }?.rawValue ?? text
        case .status, .id, .authorUserID, .document(.id): return text.lowercased()
        default: return text
        }
    }

    private mutating func text(_ condition: MemoryFilter.Condition) throws -> String {
        let column = Self.column(condition.field)
        if case .null = condition.value { return condition.op == .eq ? "false" : "true" }
        switch condition.op {
        case .in:
            guard case .array(let values) = condition.value else { return "false" }
            return "\(column) = ANY(\(try self.bind(values.compactMap { Self.canonical($0, for: condition.field) })))"
        case .contains:
            return
                "position(lower(\(try self.bind(Self.canonical(condition.value, for: condition.field) ?? ""))) in lower(\(column))) > 0"
        case .like:
            return
                "\(column) ILIKE \(try self.bind(Checked.likePattern(Self.canonical(condition.value, for: condition.field) ?? "")))"
        default:
            return
                "\(column) \(Self.comparison[condition.op] ?? "=") \(try self.bind(Self.canonical(condition.value, for: condition.field) ?? ""))"
        }
    }

    /// True when one of the memory's document sources matches; for `ne` (and `eq null`), when none equals the value.
    private mutating func document(
        _ field: MemoryFilter.Field.DocumentField,
        _ condition: MemoryFilter.Condition
    ) throws -> String {
        var positive = condition
        var negate = false
        if case .null = condition.value {
            // `eq null`: no document source; `ne null`: some.
            return (condition.op == .eq ? "NOT " : "")
                + "EXISTS (SELECT 1 FROM jsonb_array_elements(m.sources) s WHERE s.value ->> 'type' = 'doc')"
        }
        if condition.op == .ne {
            positive.op = .eq
            negate = true
        }
        let exists = """
            EXISTS (SELECT 1 FROM jsonb_array_elements(m.sources) s WHERE s.value ->> 'type' = 'doc' \
            AND \(try self.text(positive)))
            """
        return negate ? "NOT \(exists)" : exists
    }

    private mutating func tags(_ condition: MemoryFilter.Condition) throws -> String {
        switch (condition.op, condition.value) {
        case (.in, .array(let values)):
            return "m.tags && \(try self.bind(values.compactMap { Self.canonical($0, for: .tags) }))::text[]"
        case (.eq, let value), (.contains, let value):
            return "\(try self.bind(Self.canonical(value, for: .tags) ?? "")) = ANY(m.tags)"
        case (.ne, let value):
            return "NOT (\(try self.bind(Self.canonical(value, for: .tags) ?? "")) = ANY(m.tags))"
        case (.like, let value):
            return
                "EXISTS (SELECT 1 FROM unnest(m.tags) t WHERE t ILIKE \(try self.bind(Checked.likePattern(Self.canonical(value, for: .tags) ?? ""))))"
        default:
            return "false"
        }
    }

    private mutating func time(_ condition: MemoryFilter.Condition) throws -> String {
        let column = Self.column(condition.field)
        if case .null = condition.value { return "\(column) IS \(condition.op == .eq ? "" : "NOT ")NULL" }
        switch (condition.op, condition.value) {
        case (.in, .array(let values)):
            return "\(column) = ANY(\(try self.bind(values.compactMap(MemoryFilter.Condition.date(from:)))))"
        default:
            guard let date = MemoryFilter.Condition.date(from: condition.value), let op = Self.comparison[condition.op]
            else {
                return "false"
            }
            return "\(column) \(op) \(try self.bind(date))"
        }
    }

    private mutating func info(_ name: String, _ condition: MemoryFilter.Condition) throws -> String {
        let key = try self.bind(name)
        let element = "m.info -> \(key)"
        if case .null = condition.value {
            let isNull = "(\(element) IS NULL OR jsonb_typeof(\(element)) = 'null')"
            return condition.op == .eq ? isNull : "NOT \(isNull)"
        }
        switch (condition.op, condition.value) {
        case (.eq, let value):
            return "\(element) = \(try self.bind(try Self.json(value)))::jsonb"
        case (.ne, let value):
            return "(\(element) IS NULL OR \(element) <> \(try self.bind(try Self.json(value)))::jsonb)"
        case (.in, .array(let values)):
            return "\(element) = ANY(\(try self.bind(try values.map(Self.json)))::jsonb[])"
        case (.contains, .string(let text)):
            let needle = try self.bind(text)
            return """
                (CASE jsonb_typeof(\(element)) WHEN 'array' THEN \(element) @> jsonb_build_array(\(needle)::text) \
                WHEN 'string' THEN position(lower(\(needle)) in lower(m.info ->> \(key))) > 0 ELSE false END)
                """
        case (.like, .string(let pattern)):
            return
                "(CASE jsonb_typeof(\(element)) WHEN 'string' THEN (m.info ->> \(key)) ILIKE \(try self.bind(Checked.likePattern(pattern))) ELSE false END)"
        case (let op, .number(let number)):
            guard let comparison = Self.comparison[op] else { return "false" }
            return
                "(CASE jsonb_typeof(\(element)) WHEN 'number' THEN (m.info ->> \(key))::numeric \(comparison) \(try self.bind(number))::numeric ELSE false END)"
        case (let op, .string(let text)):
            guard let comparison = Self.comparison[op] else { return "false" }
            return
                "(CASE jsonb_typeof(\(element)) WHEN 'string' THEN (m.info ->> \(key)) \(comparison) \(try self.bind(text)) ELSE false END)"
        default:
            return "false"
        }
    }

    static func json(_ value: JSONValue) throws -> String {
        try JSONCoding.string(value)
    }
}
