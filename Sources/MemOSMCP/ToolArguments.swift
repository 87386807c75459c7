import Foundation
import MCP
import MemOSCore
import MemOSProto

/// The arguments of one tool call, read with checked conversions: a missing required argument or a value of the
/// wrong type is `invalidArgument` naming the argument, before any call is made.
struct ToolArguments: Sendable {
    let values: [String: Value]

    init(_ values: [String: Value]?) {
        self.values = values ?? [:]
    }

    /// Refuses arguments the tool does not take, so that a misspelt name is not silently ignored.
    func expectOnly(_ names: Set<String>) throws {
        let unknown = self.values.keys.filter { !names.contains($0) }.sorted()
        guard unknown.isEmpty else {
            let named = unknown.map { "'\($0.prefix(64))'" }.joined(separator: ", ")
            let taken = names.sorted().joined(separator: ", ")
            throw MemOSError.invalidArgument("unknown argument \(named); this tool takes \(taken)")
        }
    }

    /// The value of `name`, with JSON null read as absent.
    private func value(_ name: String) -> Value? {
        guard let value = self.values[name], !value.isNull else { return nil }
        return value
    }

    func requiredString(_ name: String) throws -> String {
        guard let value = try self.string(name) else {
            throw MemOSError.invalidArgument("\(name) is required")
        }
        return value
    }

    func string(_ name: String) throws -> String? {
        guard let value = self.value(name) else { return nil }
        guard let text = Self.text(value) else {
            throw MemOSError.invalidArgument("\(name) must be a string, not \(Self.kind(of: value))")
        }
        return text
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = self.value(name) else { return nil }
        let number: Int?
        switch value {
        case .int(let int): number = int
        // A client may send 10.0 for 10; anything not a whole number within Int is refused.
        case .double(let double) where double.rounded() == double && abs(double) < 1e15: number = Int(exactly: double)
        default: number = nil
        }
        guard let number else {
            let shown = value.doubleValue.map { "\($0)" } ?? Self.kind(of: value)
            throw MemOSError.invalidArgument("\(name) must be a whole number, not \(shown)")
        }
        guard range.contains(number) else {
            throw MemOSError.invalidArgument(
                "\(name) must be from \(range.lowerBound) to \(range.upperBound), not \(number)"
            )
        }
        return number
    }

    func strings(_ name: String) throws -> [String]? {
        guard let value = self.value(name) else { return nil }
        guard let array = value.arrayValue else {
            throw MemOSError.invalidArgument("\(name) must be an array of strings, not \(Self.kind(of: value))")
        }
        return try array.enumerated().map { index, element in
            guard let text = Self.text(element) else {
                throw MemOSError.invalidArgument("\(name)[\(index)] must be a string, not \(Self.kind(of: element))")
            }
            return text
        }
    }

    func object(_ name: String) throws -> [String: Value]? {
        guard let value = self.value(name) else { return nil }
        guard let object = value.objectValue else {
            throw MemOSError.invalidArgument("\(name) must be an object, not \(Self.kind(of: value))")
        }
        return object
    }

    func objects(_ name: String) throws -> [ToolArguments]? {
        guard let value = self.value(name) else { return nil }
        guard let array = value.arrayValue else {
            throw MemOSError.invalidArgument("\(name) must be an array of objects, not \(Self.kind(of: value))")
        }
        return try array.enumerated().map { index, element in
            guard let object = element.objectValue else {
                throw MemOSError.invalidArgument("\(name)[\(index)] must be an object, not \(Self.kind(of: element))")
            }
            return ToolArguments(object)
        }
    }

    /// A memory type by its API name (`LONG_TERM_MEMORY`) or its MemOS name (`LongTermMemory`), in any case.
    func memoryType(_ name: String) throws -> Memos_Common_V1_MemoryType? {
        try self.string(name).map { try Self.memoryType($0, argument: name) }
    }

    func memoryTypes(_ name: String) throws -> [Memos_Common_V1_MemoryType]? {
        try self.strings(name).map { names in
            try names.enumerated().map { index, text in try Self.memoryType(text, argument: "\(name)[\(index)]") }
        }
    }

    static func memoryType(_ text: String, argument: String) throws -> Memos_Common_V1_MemoryType {
        let folded = text.uppercased().filter { $0 != "_" }
        guard let type = Self.memoryTypeNames.first(where: { $0.name.filter { $0 != "_" } == folded })?.type else {
            let names = Self.memoryTypeNames.map(\.name).joined(separator: ", ")
            throw MemOSError.invalidArgument("\(argument) must be one of \(names), not '\(text.prefix(64))'")
        }
        return type
    }

    /// The memory types a caller may name, by their API names.
    static let memoryTypeNames: [(name: String, type: Memos_Common_V1_MemoryType)] = [
        ("WORKING_MEMORY", .workingMemory),
        ("LONG_TERM_MEMORY", .longTermMemory),
        ("USER_MEMORY", .userMemory),
        ("PREFERENCE_MEMORY", .preferenceMemory),
        ("OUTER_MEMORY", .outerMemory),
        ("TOOL_SCHEMA_MEMORY", .toolSchemaMemory),
        ("TOOL_TRAJECTORY_MEMORY", .toolTrajectoryMemory),
        ("RAW_FILE_MEMORY", .rawFileMemory),
        ("SKILL_MEMORY", .skillMemory),
    ]

    /// A string argument's text. The SDK decodes a JSON string shaped like a data URL (`data:<type>,<text>`, which
    /// prose such as "data: revenue, costs" also is) as binary data: such a value is turned back into its text.
    static func text(_ value: Value) -> String? {
        switch value {
        case .string(let text):
            return text
        case .data(let mimeType, let data):
            guard let text = String(data: data, encoding: .utf8) else { return nil }
            return "data:\(mimeType ?? ""),\(text)"
        default:
            return nil
        }
    }

    static func kind(of value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string, .data: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
