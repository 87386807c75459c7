import Foundation
import GRPCCore
import HTTPTypes
import MemOSCore
import MemOSGateway
import Testing

@testable import MemOSRPC
@testable import MemOSTestSupport

/// The one error table users read (docs/api.md) says what the code does: a row per domain code with the gRPC status
/// and the HTTP status it is mapped to, and no row the code cannot produce.
@Suite("docs/api.md's error table matches the code's mappings")
struct ErrorTableTests {
    struct Row: Hashable, CustomStringConvertible {
        var grpc: String?
        var http: Int
        var description: String { "\(self.grpc ?? "—") / \(self.http)" }
    }

    static func rows() throws -> [Row] {
        let api = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/api.md")
        let lines = try String(contentsOf: api, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let header = lines.firstIndex(of: "| domain code | gRPC status | HTTP |") else {
            Issue.record("docs/api.md has no table headed '| domain code | gRPC status | HTTP |'")
            return []
        }
        return lines[(header + 2)...].prefix { $0.hasPrefix("|") }.compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 4, let http = Int(cells[3]) else {
                Issue.record("unreadable row in docs/api.md's error table: \(line)")
                return nil
            }
            let grpc = cells[2] == "—" ? nil : cells[2].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            return Row(grpc: grpc, http: http)
        }
    }

    /// The status's canonical name on the wire (`INVALID_ARGUMENT`), by its number.
    static func canonical(_ code: RPCError.Code) -> String {
        let names = [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
            "UNIMPLEMENTED",
            "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
        ]
        return names[code.rawValue]
    }

    static let codes: [MemOSError.Code] = [
        .invalidArgument, .notFound, .alreadyExists, .permissionDenied, .unauthenticated, .failedPrecondition,
        .aborted, .resourceExhausted, .unavailable, .unimplemented, .internalError,
    ]

    @Test("every domain code has its row, and every row is a domain code or one of the gateway's own")
    func tableMatchesCode() throws {
        let rows = Set(try Self.rows())
        #expect(!rows.isEmpty)
        var produced: Set<Row> = []
        for code in Self.codes {
            let row = Row(
                grpc: Self.canonical(RPCError.code(for: code)),
                http: Int(HTTPStatusMapping.status(for: code).code)
            )
            produced.insert(row)
            #expect(rows.contains(row), "docs/api.md lacks the row for \(code): \(row)")
        }
        // The gateway's own answers, with no gRPC status: a body too large (413) and a key's rate limit (429).
        produced.formUnion([Row(grpc: nil, http: 413), Row(grpc: nil, http: 429)])
        for row in rows {
            #expect(produced.contains(row), "docs/api.md has a row the code does not produce: \(row)")
        }
    }
}
