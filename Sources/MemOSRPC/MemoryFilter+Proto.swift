import MemOSCore
import MemOSProto

extension MemoryFilter {
    /// The domain filter of a request's `filter`, validated.
    /// - Throws: `invalidArgument` naming the part of the filter that is wrong.
    public init(_ proto: Memos_Common_V1_Filter, field: String = "filter") throws {
        self = try Self.convert(proto, path: field)
        try self.validate(field: field)
    }

    private static func convert(_ proto: Memos_Common_V1_Filter, path: String) throws -> MemoryFilter {
        switch proto.expr {
        case .condition(let condition):
            guard let field = Field(name: condition.field) else {
                throw MemOSError.invalidArgument(
                    "\(path).condition.field '\(condition.field.prefix(64))' is not filterable; use id, key, content, tags, "
                        + "session_id, memory_type, status, author_user_id, created_at, updated_at, valid_from, valid_to, document_id, document_name, document_media_type or info.<name>"
                )
            }
            guard let op = Self.operator(condition.op) else {
                throw MemOSError.invalidArgument("\(path).condition.op must be set")
            }
            return .condition(Condition(field: field, op: op, value: JSONValue(condition.value)))
        case .and(let list):
            return .and(
                try list.filters.enumerated().map { try Self.convert($0.element, path: "\(path).and[\($0.offset)]") }
            )
        case .or(let list):
            return .or(
                try list.filters.enumerated().map { try Self.convert($0.element, path: "\(path).or[\($0.offset)]") }
            )
        case .not(let inner):
            return .not(try Self.convert(inner, path: "\(path).not"))
        case .none:
            throw MemOSError.invalidArgument("\(path) is empty; set condition, and, or or not")
        }
    }

    private static func `operator`(_ proto: Memos_Common_V1_FilterOperator) -> Operator? {
        switch proto {
        case .eq: .eq
        case .ne: .ne
        case .gt: .gt
        case .gte: .gte
        case .lt: .lt
        case .lte: .lte
        case .in: .in
        case .contains: .contains
        case .like: .like
        case .unspecified, .UNRECOGNIZED: nil
        }
    }
}
