import Foundation
import Testing

/// A Swift trap cannot be caught: one request reaching a trapping conversion stops the process with every call it
/// serves. The code that reads client input (the RPC layer, the gateway, the service handlers, filters and
/// validation) therefore keeps none, and this test fails on a new one.
@Suite("No trapping conversion on a request path")
struct TrapAuditTests {
    /// Files that handle what a client sent before it is validated.
    static let requestPaths = [
        "Sources/MemOSRPC", "Sources/MemOSGateway", "Sources/MemOSAccounts", "Sources/MemOSIngest/IngestService.swift",
        "Sources/MemOSRetrieval/RetrievalService.swift", "Sources/MemOSScheduler/SchedulerService.swift",
        "Sources/MemOSCore/MemoryFilter.swift", "Sources/MemOSCore/Validate.swift", "Sources/MemOSCore/JSONValue.swift",
        "Sources/MemOSPostgres/FilterSQL.swift",
    ]

    struct Rule: Sendable {
        var name: String
        var pattern: String
        var advice: String
    }

    static let rules = [
        Rule(name: "try!", pattern: #"\btry!"#, advice: "use try and let the error become invalidArgument"),
        Rule(name: "as!", pattern: #"\bas!"#, advice: "use as? and handle nil"),
        Rule(name: "force unwrap", pattern: #"[\w\)\]]![\.\)\]\s,]"#, advice: "unwrap with guard let"),
        Rule(
            name: "integer from a floating-point value",
            pattern: #"\b(U?Int(8|16|32|64)?)\([^:()]*(number|seconds|[Dd]ouble|[Ff]loat|\.rounded|timeInterval)"#,
            advice: "use Int(exactly:), or Int(clamping:) after a range check"
        ),
        Rule(
            name: "time from a number",
            pattern: #"Date\(timeIntervalSince1970:\s*(?!0\))"#,
            advice: "use Checked.date(secondsSince1970:), which refuses times outside 0001–9999"
        ),
    ]

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static func files() throws -> [URL] {
        var files: [URL] = []
        for path in Self.requestPaths {
            let url = Self.root.appendingPathComponent(path)
            if path.hasSuffix(".swift") {
                files.append(url)
            } else {
                let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter {
                    $0.hasSuffix(".swift")
                }
                files += names.sorted().map { url.appendingPathComponent($0) }
            }
        }
        return files
    }

    @Test("request-path sources hold no trapping conversion", arguments: rules.map(\.name))
    func audit(_ ruleName: String) throws {
        let rule = try #require(Self.rules.first { $0.name == ruleName })
        let regex = try NSRegularExpression(pattern: rule.pattern)
        var found: [String] = []
        for file in try Self.files() {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = String(
                    line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                )
                let range = NSRange(code.startIndex..., in: code)
                if regex.firstMatch(in: code, range: range) != nil {
                    found.append(
                        "\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))"
                    )
                }
            }
        }
        #expect(found.isEmpty, "\(rule.name) on a request path (\(rule.advice)):\n\(found.joined(separator: "\n"))")
    }

    @Test("the audit sees the files it names")
    func auditCoversFiles() throws {
        let files = try Self.files()
        #expect(files.count >= 10)
        for file in files { #expect(FileManager.default.fileExists(atPath: file.path), "\(file.path)") }
    }
}
