import Foundation
import HTTPTypes
import Testing

@testable import MemOSTestSupport

/// `memos add`, `search`, `export` and `import` against a running gateway, and the routes under them.
@Suite("memos add / search / export / import")
struct ExportImportTests {
    static let enabled = FileManager.default.isExecutableFile(atPath: MemosBinary.url.path)

    @Test("add and search from the terminal", .enabled(if: enabled, "build the memos product first"))
    func addAndSearch() async throws {
        try await TestStack.run { stack in
            let environment = ["MEMOS_KEY": stack.alice.key, "MEMOS_URL": "http://127.0.0.1:\(stack.gatewayPort)"]
            let memory = try await MemosBinary.run(
                [
                    "add", "alice-cube", "Alice keeps bees on the roof", "--memory", "--type", "user_memory", "--tag",
                    "hobby",
                ],
                environment: environment
            )
            #expect(memory.status == 0, "\(memory.error)")
            #expect(memory.output.contains("added 1 memory to alice-cube"))
            #expect(memory.output.contains("USER_MEMORY"))
            let turns = try await MemosBinary.run(
                [
                    "add", "alice-cube", "user: I moved to Lisbon last spring\nassistant: Nice, how do you like it?",
                    "--session", "s1", "--json",
                ],
                environment: environment
            )
            #expect(turns.status == 0, "\(turns.error)")
            #expect((turns.json["memories"] as? [[String: Any]])?.isEmpty == false)

            let search = try await MemosBinary.run(
                ["search", "where does alice keep bees", "--cube", "alice-cube", "--relativity", "0"],
                environment: environment
            )
            #expect(search.status == 0, "\(search.error)")
            #expect(search.output.hasPrefix("1. "))
            #expect(search.output.contains("Alice keeps bees on the roof"))
            let json = try await MemosBinary.run(
                ["search", "bees", "--cube", "alice-cube", "--json", "--relativity", "0"],
                environment: environment
            )
            #expect((json.json["hits"] as? [[String: Any]])?.isEmpty == false)

            let foreign = try await MemosBinary.run(["search", "bees", "--cube", "bob-cube"], environment: environment)
            #expect(foreign.status != 0)
            #expect(foreign.error.contains("403"))
        }
    }

    @Test(
        "export then import into a new cube gives the same memories; a second import writes nothing",
        .enabled(if: enabled, "build the memos product first")
    )
    func exportImport() async throws {
        try await TestStack.run { stack in
            let key = stack.alice.key
            let environment = ["MEMOS_KEY": key, "MEMOS_URL": "http://127.0.0.1:\(stack.gatewayPort)"]
            var ids: [String] = []
            for (index, body) in [
                #"{"cube_id": "alice-cube", "items": [{"content": "Alice is allergic to peanuts", "memory_type": "USER_MEMORY", "key": "allergy", "tags": ["health", "food"], "info": {"source": "intake", "priority": 2}, "valid_from": "2024-01-01T00:00:00Z", "confidence": 0.8, "sources": [{"type": "chat", "role": "user", "message_id": "D1:3", "content": "I can't eat peanuts"}]}]}"#,
                #"{"cube_id": "alice-cube", "session_id": "trip", "items": [{"content": "Alice flies to Tokyo in May"}, {"content": "Alice prefers window seats", "memory_type": "PREFERENCE_MEMORY"}]}"#,
                #"{"cube_id": "alice-cube", "items": [{"content": "Alice's old phone number ends in 42", "valid_to": "2031-01-01T00:00:00Z"}]}"#,
                #"{"cube_id": "alice-cube", "items": [{"content": "Alice liked the blue mug"}]}"#,
            ].enumerated() {
                let added = try await stack.http(.post, "/v1/memories", key: key, body: body)
                #expect(added.status == .ok, "item \(index): \(added.body)")
                ids += (added.json["memories"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            #expect(ids.count == 5)
            let updated = try await stack.http(
                .post,
                "/v1/memories/update",
                key: key,
                body:
                    #"{"cube_id": "alice-cube", "memory_id": "\#(ids[1])", "patch": {"tags": ["travel"]}, "update_mask": "tags"}"#
            )
            #expect(updated.status == .ok, "\(updated.body)")
            let deleted = try await stack.http(
                .post,
                "/v1/memories/delete",
                key: key,
                body: #"{"cube_id": "alice-cube", "ids": {"ids": ["\#(ids[3])"]}}"#
            )
            #expect(deleted.status == .ok)
            let archived = try await stack.http(
                .post,
                "/v1/memories/archive",
                key: key,
                body: #"{"cube_id": "alice-cube", "memory_ids": ["\#(ids[4])"], "reason": "broken"}"#
            )
            #expect(archived.json["archived_count"] as? Int == 1, "\(archived.body)")
            let count = try await stack.http(
                .get,
                "/v1/cubes/alice-cube/memories/count?statuses=activated,archived,deleted",
                key: key
            )
            #expect(count.json["total"] as? Int == 5, "\(count.body)")

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID()).jsonl").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            let export = try await MemosBinary.run(
                ["export", "alice-cube", "--output", file],
                environment: environment
            )
            #expect(export.status == 0, "\(export.error)")
            #expect(export.error.contains("exported 5 memories"))
            let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 6)
            #expect(lines.last == #"{"end":{"memories":5}}"#)
            #expect(lines.contains { $0.contains(#""action":"update""#) })
            #expect(lines.contains { $0.contains(#""embedding":["#) })

            #expect(
                try await stack.http(.post, "/v1/cubes", key: key, body: #"{"cube_id": "alice-copy"}"#).status
                    == .created
            )
            let first = try await MemosBinary.run(
                ["import", "alice-copy", file, "--progress"],
                environment: environment
            )
            #expect(first.status == 0, "\(first.error)")
            #expect(first.error.contains("imported 5 memories into alice-copy (0 already there; 2 statuses set)"))
            #expect(first.error.contains("[##############################] 5/5"))

            let original = try await Self.memories(stack, cube: "alice-cube")
            let copy = try await Self.memories(stack, cube: "alice-copy")
            #expect(copy.count == 5)
            #expect(Set(copy.map(\.comparable)) == Set(original.map(\.comparable)))
            #expect(copy.allSatisfy { $0.importedFrom.map(ids.contains) == true })
            #expect(copy.map(\.status).sorted() == ["ACTIVATED", "ACTIVATED", "ACTIVATED", "ARCHIVED", "DELETED"])

            let second = try await MemosBinary.run(["import", "alice-copy", file], environment: environment)
            #expect(second.status == 0, "\(second.error)")
            #expect(second.error.contains("imported 0 memories into alice-copy (5 already there; 0 statuses set)"))
            let again = try await Self.memories(stack, cube: "alice-copy")
            #expect(again.map(\.versioned) == copy.map(\.versioned))

            // Another user's cube: the route answers 403 as the other routes do, and the command fails.
            #expect(try await stack.http(.get, "/v1/cubes/bob-cube/export", key: key).status == .forbidden)
            #expect(try await stack.http(.get, "/v1/cubes/nope/export", key: key).status == .notFound)
            let refused = try await MemosBinary.run(["export", "bob-cube"], environment: environment)
            #expect(refused.status != 0)
            #expect(refused.error.contains("403"))
            // A reader cannot import.
            #expect(
                try await stack.http(.post, "/v1/cubes", key: key, body: #"{"cube_id": "alice-empty"}"#).status
                    == .created
            )
            #expect(
                try await stack.http(.put, "/v1/cubes/alice-empty/members/bob", key: key, body: #"{"role": "reader"}"#)
                    .status == .ok
            )
            let readerImport = try await MemosBinary.run(
                ["import", "alice-empty", file],
                environment: environment.merging(["MEMOS_KEY": stack.bob.key]) { $1 }
            )
            #expect(readerImport.status != 0)
            #expect(readerImport.error.contains("403"))
        }
    }

    @Test("count answers per type with the list's status filter; a reader cannot archive; requests show in /metrics")
    func countAndArchive() async throws {
        try await TestStack.run { stack in
            let key = stack.alice.key
            let added = try await stack.http(
                .post,
                "/v1/memories",
                key: key,
                body:
                    #"{"cube_id": "alice-cube", "items": [{"content": "one"}, {"content": "two", "memory_type": "USER_MEMORY"}]}"#
            )
            let ids = (added.json["memories"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            let active = try await stack.http(.get, "/v1/cubes/alice-cube/memories/count", key: key)
            #expect(active.status == .ok)
            #expect(active.json["total"] as? Int == 2)
            #expect(
                (active.json["counts"] as? [[String: Any]])?.compactMap { $0["memory_type"] as? String } == [
                    "LONG_TERM_MEMORY", "USER_MEMORY",
                ]
            )

            #expect(
                try await stack.http(.put, "/v1/cubes/alice-cube/members/bob", key: key, body: #"{"role": "reader"}"#)
                    .status == .ok
            )
            let archiveBody = #"{"cube_id": "alice-cube", "memory_ids": ["\#(ids[0])"]}"#
            #expect(
                try await stack.http(.post, "/v1/memories/archive", key: stack.bob.key, body: archiveBody).status
                    == .forbidden
            )
            #expect(
                try await stack.http(.get, "/v1/cubes/alice-cube/memories/count", key: stack.bob.key).json["total"]
                    as? Int == 2
            )
            #expect(
                try await stack.http(.post, "/v1/memories/archive", key: key, body: archiveBody).json["archived_count"]
                    as? Int == 1
            )
            // Archiving again changes nothing.
            #expect(
                try await stack.http(.post, "/v1/memories/archive", key: key, body: archiveBody).json["archived_count"]
                    == nil
            )
            #expect(
                try await stack.http(.get, "/v1/cubes/alice-cube/memories/count", key: key).json["total"] as? Int == 1
            )
            let archived = try await stack.http(.get, "/v1/cubes/alice-cube/memories/count?statuses=ARCHIVED", key: key)
            #expect(archived.json["total"] as? Int == 1)
            let listed = try await stack.http(.get, "/v1/cubes/alice-cube/memories?statuses=archived", key: key)
            #expect((listed.json["memories"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            let history = try await stack.http(.get, "/v1/cubes/alice-cube/memories/\(ids[0])/history", key: key)
            #expect((history.json["entries"] as? [[String: Any]])?.first?["action"] as? String == "archive")

            #expect(
                try await stack.http(.get, "/v1/cubes/alice-cube/memories/count?statuses=gone", key: key).status
                    == .badRequest
            )
            #expect(try await stack.http(.get, "/v1/cubes/bob-cube/memories/count", key: key).status == .forbidden)
            let unknown = #"{"cube_id": "alice-cube", "memory_ids": ["\#(UUID().uuidString.lowercased())"]}"#
            #expect(try await stack.http(.post, "/v1/memories/archive", key: key, body: unknown).status == .notFound)

            // The requests show in the metrics by route pattern and status.
            let metrics = try await stack.http(.get, "/metrics", key: nil).body
            #expect(
                metrics.contains(
                    #"memos_http_requests_total{method="GET",route="/v1/cubes/{cube_id}/memories/count",status="200"} 4"#
                )
            )
            #expect(
                metrics.contains(
                    #"memos_http_requests_total{method="POST",route="/v1/memories/archive",status="403"} 1"#
                )
            )
            #expect(
                metrics.contains(
                    #"memos_http_request_duration_seconds_count{method="POST",route="/v1/memories/archive"} 4"#
                )
            )
        }
    }

    /// A memory as listed, reduced to what an import must keep.
    struct Listed {
        var json: [String: Any]

        var status: String { self.json["status"] as? String ?? "" }
        var sources: [[String: Any]] { self.json["sources"] as? [[String: Any]] ?? [] }
        /// The exported memory's id, from the import's source.
        var importedFrom: String? { self.sources.first { $0["type"] as? String == "import" }?["memory_id"] as? String }

        /// Content, type, key, tags, info, sources (the import's own left out), status, validity, confidence, session.
        var comparable: String {
            var kept = self.json.filter {
                [
                    "content", "memory_type", "key", "tags", "info", "status", "valid_from", "valid_to", "confidence",
                    "session_id",
                ].contains($0.key)
            }
            kept["sources"] = self.sources.filter { $0["type"] as? String != "import" }
            let data = (try? JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }

        var versioned: String { "\(self.json["id"] ?? "")@\(self.json["version"] ?? "")" }
    }

    static func memories(_ stack: TestStack, cube: String) async throws -> [Listed] {
        let listed = try await stack.http(
            .get,
            "/v1/cubes/\(cube)/memories?statuses=ACTIVATED,ARCHIVED,DELETED&page_size=500",
            key: stack.alice.key
        )
        #expect(listed.status == .ok, "\(listed.body)")
        return (listed.json["memories"] as? [[String: Any]] ?? []).map(Listed.init)
    }
}
