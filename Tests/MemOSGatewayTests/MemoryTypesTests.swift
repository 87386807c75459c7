import Foundation
import GRPCCore
import HTTPTypes
import MemOSCore
import MemOSProto
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

/// Preference memory, feedback and tool memory, through the gateway and the scheduler.
@Suite("Preferences, feedback and tool memory")
struct MemoryTypesTests {
    static func add(
        _ stack: TestStack,
        _ messages: String,
        async: Bool = false,
        mode: String = "FAST"
    ) async throws
        -> TestStack.HTTPResult
    {
        let result = try await stack.http(
            .post,
            "/v1/messages",
            key: stack.alice.key,
            body: #"{"cube_id": "alice-cube", "mode": "\#(mode)", "async": \#(async), "messages": \#(messages)}"#
        )
        result.expectOK()
        return result
    }

    static func memories(_ result: TestStack.HTTPResult) -> [[String: Any]] {
        result.json["memories"] as? [[String: Any]] ?? []
    }

    static func info(_ memory: [String: Any]) -> [String: Any] { memory["info"] as? [String: Any] ?? [:] }

    static func memory(_ stack: TestStack, _ id: String) async throws -> [String: Any] {
        let result = try await stack.http(.get, "/v1/cubes/alice-cube/memories/\(id)", key: stack.alice.key)
        result.expectOK()
        return result.json
    }

    static func history(_ stack: TestStack, _ id: String) async throws -> [[String: Any]] {
        let result = try await stack.http(.get, "/v1/cubes/alice-cube/memories/\(id)/history", key: stack.alice.key)
        result.expectOK()
        return result.json["entries"] as? [[String: Any]] ?? []
    }

    static func job(_ stack: TestStack, _ id: String) async throws -> [String: Any] {
        let result = try await stack.http(.get, "/v1/cubes/alice-cube/jobs/\(id)", key: stack.alice.key)
        result.expectOK()
        return result.json
    }

    // MARK: Preferences

    @Test("FAST finds stated preferences by rule; a later one on the same topic supersedes the earlier, in history")
    func fastPreferences() async throws {
        try await TestStack.run { stack in
            let first = try await Self.add(
                stack,
                #"[{"role": "user", "content": "Book me a flight to Oslo. I prefer window seats."}]"#
            )
            let window = try #require(
                Self.memories(first).first { $0["memory_type"] as? String == "PREFERENCE_MEMORY" },
                "\(first.body)"
            )
            #expect(Self.info(window)["topic"] as? String == "seat")
            #expect(Self.info(window)["polarity"] as? String == "like")
            #expect(Self.info(window)["preference_type"] as? String == "explicit_preference")
            #expect((window["content"] as? String)?.contains("window seats") == true)
            // Questions and other people's tastes are not the user's preferences.
            let none = try await Self.add(
                stack,
                #"[{"role": "user", "content": "Do you like jazz? My sister loves cats."}]"#
            )
            #expect(!Self.memories(none).contains { $0["memory_type"] as? String == "PREFERENCE_MEMORY" })

            let second = try await Self.add(
                stack,
                #"[{"role": "user", "content": "Actually I prefer aisle seats on long flights."}]"#
            )
            let aisle = try #require(
                Self.memories(second).first { $0["memory_type"] as? String == "PREFERENCE_MEMORY" }
            )
            let windowID = try #require(window["id"] as? String)
            #expect(try await Self.memory(stack, windowID)["status"] as? String == "ARCHIVED")
            let entry = try #require(try await Self.history(stack, windowID).first)
            #expect(entry["action"] as? String == "supersede")
            #expect((entry["reason"] as? String)?.contains(aisle["id"] as? String ?? "?") == true)

            // Search answers preferences in their own section, with a note for a prompt.
            let search = try await stack.http(
                .post,
                "/v1/search",
                key: stack.alice.key,
                body:
                    #"{"cube_ids": ["alice-cube"], "query": "which seat does the user want", "relativity": 0, "preference_top_k": 3}"#
            )
            search.expectOK()
            let preferences = search.json["preferences"] as? [[String: Any]] ?? []
            #expect(
                preferences.compactMap { ($0["memory"] as? [String: Any])?["id"] as? String } == [
                    aisle["id"] as? String
                ]
            )
            #expect(
                !(search.json["hits"] as? [[String: Any]] ?? []).contains {
                    ($0["memory"] as? [String: Any])?["memory_type"] as? String == "PREFERENCE_MEMORY"
                }
            )
            let note = search.json["preference_note"] as? String ?? ""
            #expect(note.contains("Likes:") && note.contains("aisle seats"), "\(note)")
            // ... and filterable by type like any memory.
            let filtered = try await stack.http(
                .post,
                "/v1/search",
                key: stack.alice.key,
                body:
                    #"{"cube_ids": ["alice-cube"], "query": "seats", "relativity": 0, "memory_types": ["PREFERENCE_MEMORY"]}"#
            )
            #expect((filtered.json["hits"] as? [[String: Any]] ?? []).count == 1, "\(filtered.body)")
        }
    }

    @Sendable static func preferenceLLM(_ prompt: String) -> String? {
        let topic = #""topic": "drink", "holder": """#
        if prompt.contains("switched to coffee") {
            return
                #"{"memory list": [{"key": "Coffee", "memory_type": "PreferenceMemory", "value": "The user prefers coffee in the morning.", \#(topic), "preference_type": "explicit_preference"}], "summary": ""}"#
        }
        return #"""
            {"memory list": [
              {"key": "Tea", "memory_type": "PreferenceMemory", "value": "The user prefers green tea.", \#(topic), "preference_type": "explicit_preference"},
              {"key": "Quiet", "memory_type": "PreferenceMemory", "value": "The user seems to prefer quiet cafés.", "topic": "cafe", "holder": "", "preference_type": "implicit_preference"},
              {"key": "Job", "memory_type": "UserMemory", "value": "The user works as a nurse."}
            ], "summary": ""}
            """#
    }

    @Test("FINE takes stated and implied preferences from the LLM, with topics; a later one supersedes")
    func finePreferences() async throws {
        try await FakeLLMServer(answer: Self.preferenceLLM).run { model in
            try await TestStack.run(chatModel: model) { stack in
                let first = try await Self.add(
                    stack,
                    #"[{"role": "user", "content": "Green tea please, and somewhere quiet. I'm a nurse."}]"#,
                    mode: "FINE"
                )
                let preferences = Self.memories(first).filter { $0["memory_type"] as? String == "PREFERENCE_MEMORY" }
                #expect(preferences.count == 2, "\(first.body)")
                let tea = try #require(preferences.first { Self.info($0)["topic"] as? String == "drink" })
                let cafe = try #require(preferences.first { Self.info($0)["topic"] as? String == "cafe" })
                #expect(Self.info(cafe)["preference_type"] as? String == "implicit_preference")
                #expect((cafe["confidence"] as? Double ?? 1) < (tea["confidence"] as? Double ?? 0))

                // Asynchronously this time: the scheduler's extraction supersedes too, attributing the job.
                let second = try await Self.add(
                    stack,
                    #"[{"role": "user", "content": "I switched to coffee in the mornings."}]"#,
                    async: true,
                    mode: "FINE"
                )
                try await stack.waitForJobs()
                let teaID = try #require(tea["id"] as? String)
                #expect(try await Self.memory(stack, teaID)["status"] as? String == "ARCHIVED")
                let entry = try #require(try await Self.history(stack, teaID).first)
                #expect(entry["action"] as? String == "supersede")
                #expect(entry["job_id"] as? String == second.json["job_id"] as? String)
                #expect(
                    try await Self.memory(stack, try #require(cafe["id"] as? String))["status"] as? String
                        == "ACTIVATED"
                )
            }
        }
    }

    // MARK: Feedback

    @Test("feedback without an LLM applies its explicit edits only, each in history and restorable")
    func feedbackEdits() async throws {
        try await TestStack.run { stack in
            let added = try await stack.http(
                .post,
                "/v1/memories",
                key: stack.alice.key,
                body:
                    #"{"cube_id": "alice-cube", "items": [{"content": "Alice lives in Lisbon."}, {"content": "Alice has a cat named Tom."}]}"#
            )
            added.expectOK()
            let ids = try #require(added.json["memory_ids"] as? [String])
            let submitted = try await stack.http(
                .post,
                "/v1/feedback",
                key: stack.alice.key,
                body: #"""
                    {"cube_id": "alice-cube", "feedback": "no, I moved to Porto, and Tom passed away",
                     "edits": [{"memory_id": "\#(ids[0])", "content": "Alice lives in Porto."},
                               {"memory_id": "\#(ids[1])", "archive": true}]}
                    """#
            )
            submitted.expectOK()
            let jobID = try #require(submitted.json["job_id"] as? String)
            try await stack.waitForJobs()
            let job = try await Self.job(stack, jobID)
            #expect(job["status"] as? String == "COMPLETED", "\(job)")
            let result = job["result"] as? [String: Any] ?? [:]
            #expect((result["changes"] as? [Any])?.count == 2, "\(result)")
            #expect(((result["notes"] as? [String])?.first ?? "").contains("no LLM"))

            #expect(try await Self.memory(stack, ids[0])["content"] as? String == "Alice lives in Porto.")
            let entry = try #require(try await Self.history(stack, ids[0]).first)
            #expect(entry["action"] as? String == "feedback")
            #expect(entry["job_id"] as? String == jobID)
            #expect((entry["before"] as? [String: Any])?["content"] as? String == "Alice lives in Lisbon.")
            // The searched text follows the edit.
            let search = try await stack.http(
                .post,
                "/v1/search",
                key: stack.alice.key,
                body:
                    #"{"cube_ids": ["alice-cube"], "query": "Porto", "relativity": 0, "max_wait_ms": 30000, "min_change_seq": \#(try await Self.changeSeq(stack))}"#
            )
            #expect(search.body.contains("Alice lives in Porto."), "\(search.body)")

            #expect(try await Self.memory(stack, ids[1])["status"] as? String == "ARCHIVED")
            try await stack.http(
                .post,
                "/v1/memories/restore",
                key: stack.alice.key,
                body: #"{"cube_id": "alice-cube", "memory_ids": ["\#(ids[1])"]}"#
            ).expectOK()
            #expect(try await Self.memory(stack, ids[1])["status"] as? String == "ACTIVATED")

            // Bad feedback is refused before anything is queued.
            for (body, field) in [
                (#"{"cube_id": "alice-cube"}"#, "feedback"),
                (#"{"cube_id": "alice-cube", "feedback": "x", "memory_ids": ["not-a-uuid"]}"#, "memory_ids[0]"),
                (#"{"cube_id": "alice-cube", "edits": [{"memory_id": "\#(ids[0])"}]}"#, "edits[0].content"),
            ] {
                let refused = try await stack.http(.post, "/v1/feedback", key: stack.alice.key, body: body)
                #expect(refused.status == .badRequest, "\(refused.body)")
                #expect(refused.errorMessage.contains(field), "\(refused.errorMessage)")
            }
            let unknown = try await stack.http(
                .post,
                "/v1/feedback",
                key: stack.alice.key,
                body: #"{"cube_id": "alice-cube", "feedback": "x", "memory_ids": ["\#(UUID().uuidString)"]}"#
            )
            #expect(unknown.status == .notFound, "\(unknown.body)")
        }
    }

    static func changeSeq(_ stack: TestStack) async throws -> Int {
        let listed = try await stack.http(.get, "/v1/cubes/alice-cube/memories", key: stack.alice.key)
        return (listed.json["memories"] as? [[String: Any]] ?? []).compactMap {
            ($0["change_seq"] as? String).flatMap(Int.init) ?? ($0["change_seq"] as? Int)
        }.max() ?? 0
    }

    @Sendable static func feedbackLLM(_ prompt: String) -> String? {
        guard prompt.hasPrefix("Memories:") else { return #"{"memory list": [], "summary": ""}"# }
        // 1: Lisbon (corrected), 2: the cat (no longer), and a new fact; an index out of range is ignored.
        return #"""
            {"operations": [
              {"op": "update", "index": 1, "content": "Alice lives in Porto."},
              {"op": "archive", "index": 2},
              {"op": "add", "content": "Alice likes Porto's trams.", "memory_type": "PreferenceMemory"},
              {"op": "update", "index": 9, "content": "nothing"}
            ]}
            """#
    }

    @Test("feedback with an LLM updates, archives and adds as judged, on a search's hits; MemOS's route too")
    func feedbackJudged() async throws {
        try await FakeLLMServer(answer: Self.feedbackLLM).run { model in
            try await TestStack.run(chatModel: model) { stack in
                let added = try await stack.http(
                    .post,
                    "/v1/memories",
                    key: stack.alice.key,
                    body:
                        #"{"cube_id": "alice-cube", "items": [{"content": "Alice lives in Lisbon."}, {"content": "Alice has a cat named Tom."}]}"#
                )
                let ids = try #require(added.json["memory_ids"] as? [String])
                let submitted = try await stack.http(
                    .post,
                    "/v1/feedback",
                    key: stack.alice.key,
                    body: #"""
                        {"cube_id": "alice-cube", "feedback": "no, I moved to Porto and the cat is gone; I love the trams",
                         "memory_ids": ["\#(ids[0])", "\#(ids[1])"]}
                        """#
                )
                submitted.expectOK()
                try await stack.waitForJobs()
                let job = try await Self.job(stack, try #require(submitted.json["job_id"] as? String))
                let changes = (job["result"] as? [String: Any])?["changes"] as? [[String: Any]] ?? []
                #expect(changes.map { $0["action"] as? String ?? "" } == ["update", "archive", "add"], "\(job)")
                #expect(try await Self.memory(stack, ids[0])["content"] as? String == "Alice lives in Porto.")
                #expect(try await Self.memory(stack, ids[1])["status"] as? String == "ARCHIVED")
                let newID = try #require(changes.last?["memory_id"] as? String)
                let new = try await Self.memory(stack, newID)
                #expect(new["memory_type"] as? String == "PREFERENCE_MEMORY")
                #expect((new["sources"] as? [[String: Any]])?.first?["type"] as? String == "feedback")

                // The search form: the hits of a search are what the feedback concerns.
                let bySearch = try await stack.http(
                    .post,
                    "/v1/feedback",
                    key: stack.alice.key,
                    body:
                        #"{"cube_id": "alice-cube", "feedback": "that is wrong", "search": {"query": "where does Alice live", "top_k": 2}}"#
                )
                bySearch.expectOK()

                // MemOS's route, synchronous: the changes come back as its record.
                let memos = try await stack.http(
                    .post,
                    "/product/feedback",
                    key: stack.alice.key,
                    body: #"""
                        {"user_id": "alice", "writable_cube_ids": ["alice-cube"], "feedback_content": "I moved again",
                         "retrieved_memory_ids": ["\#(ids[0])"], "async_mode": "sync"}
                        """#
                )
                #expect(memos.status == .ok, "\(memos.body)")
                #expect(memos.json["code"] as? Int == 200)
                let record = ((memos.json["data"] as? [[String: Any]])?.first?["record"] as? [String: Any]) ?? [:]
                #expect((record["add"] as? [Any])?.count == 1, "\(memos.body)")
                let queued = try await stack.http(
                    .post,
                    "/product/feedback",
                    key: stack.alice.key,
                    body: #"{"writable_cube_ids": ["alice-cube"], "feedback_content": "and again"}"#
                )
                #expect((queued.json["data"] as? [Any])?.isEmpty == true, "\(queued.body)")
            }
        }
    }

    // MARK: Tool memory

    static let toolConversation = #"""
        [{"role": "user", "content": "What is the weather in Oslo and in Atlantis?"},
         {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_1", "name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"},
            {"id": "call_2", "name": "get_weather", "arguments": "{\"city\": \"Atlantis\"}"}]},
         {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 4, \"sky\": \"snow\"}", "tool_duration_ms": 180},
         {"role": "tool", "tool_call_id": "call_2", "content": "{\"error\": \"unknown city Atlantis\"}"},
         {"role": "assistant", "content": "Oslo has snow at 4 degrees; Atlantis is not a city I can look up."}]
        """#

    @Test("a tool call and its result become a tool memory, found by search and by tool name; sync and async")
    func toolTrajectories() async throws {
        try await TestStack.run { stack in
            let added = try await Self.add(stack, Self.toolConversation)
            let tools = Self.memories(added).filter { $0["memory_type"] as? String == "TOOL_TRAJECTORY_MEMORY" }
            #expect(tools.count == 2, "\(added.body)")
            #expect(tools.map { Self.info($0)["tool_status"] as? String } == ["success", "error"])
            #expect(Self.info(tools[0])["tool_duration_ms"] as? Double == 180)
            #expect((tools[1]["content"] as? String)?.contains("unknown city Atlantis") == true)
            #expect((tools[0]["tags"] as? [String])?.contains("tool:get_weather") == true)
            // The conversation's own memory leaves out the tool answers.
            let conversation = Self.memories(added).filter { $0["memory_type"] as? String != "TOOL_TRAJECTORY_MEMORY" }
            #expect(conversation.allSatisfy { !($0["content"] as? String ?? "").contains("temperature") })

            // Asynchronously: the tool turns are kept with the raw messages and paired by the scheduler.
            try await Self.add(
                stack,
                Self.toolConversation.replacingOccurrences(of: "Oslo", with: "Bergen"),
                async: true
            )
            try await stack.waitForJobs()
            let search = try await stack.http(
                .post,
                "/v1/search",
                key: stack.alice.key,
                body: #"""
                    {"cube_ids": ["alice-cube"], "query": "get_weather snow temperature", "relativity": 0, "tool_top_k": 10, "dedup": "NONE",
                     "filter": {"condition": {"field": "tags", "op": "CONTAINS", "value": "tool:success"}}}
                    """#
            )
            search.expectOK()
            // Oslo's call and Bergen's (the failed Atlantis call is the same memory twice, stored once).
            let found = search.json["tool_memories"] as? [[String: Any]] ?? []
            #expect(found.count == 2, "\(search.body)")
            #expect(
                found.allSatisfy {
                    (($0["memory"] as? [String: Any])?["info"] as? [String: Any])?["tool_status"] as? String
                        == "success"
                }
            )
            #expect(search.body.contains("Bergen"))

            // A tool call's name is required.
            let refused = try await stack.http(
                .post,
                "/v1/messages",
                key: stack.alice.key,
                body: #"{"cube_id": "alice-cube", "messages": [{"role": "assistant", "tool_calls": [{"id": "x"}]}]}"#
            )
            #expect(refused.status == .badRequest)
            #expect(refused.errorMessage.contains("messages[0].tool_calls[0].name"), "\(refused.errorMessage)")
        }
    }

    @Test("tool schemas are registered per cube, searched, and replaced when registered again")
    func toolSchemas() async throws {
        try await TestStack.run { stack in
            func register(_ description: String) async throws -> String {
                let result = try await stack.http(
                    .post,
                    "/v1/tools",
                    key: stack.alice.key,
                    body: #"""
                        {"cube_id": "alice-cube", "tools": [{"type": "function", "function": {"name": "get_weather",
                         "description": "\#(description)", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}
                        """#
                )
                result.expectOK()
                return try #require((result.json["memory_ids"] as? [String])?.first)
            }
            let first = try await register("Current weather for a city")
            let second = try await register("Current weather and a 3-day forecast for a city")
            #expect(try await Self.memory(stack, first)["status"] as? String == "ARCHIVED")
            let schema = try await Self.memory(stack, second)
            #expect(schema["memory_type"] as? String == "TOOL_SCHEMA_MEMORY")
            #expect(Self.info(schema)["tool_name"] as? String == "get_weather")
            let search = try await stack.http(
                .post,
                "/v1/search",
                key: stack.alice.key,
                body: #"{"cube_ids": ["alice-cube"], "query": "forecast tool", "relativity": 0, "tool_top_k": 5}"#
            )
            #expect(
                (search.json["tool_memories"] as? [[String: Any]])?.compactMap {
                    ($0["memory"] as? [String: Any])?["id"] as? String
                } == [second],
                "\(search.body)"
            )
            let bad = try await stack.http(
                .post,
                "/v1/tools",
                key: stack.alice.key,
                body:
                    #"{"cube_id": "alice-cube", "tools": [{"type": "function", "function": {"description": "no name"}}]}"#
            )
            #expect(bad.status == .badRequest)
            #expect(bad.errorMessage.contains("tools[0].function.name"))
        }
    }

    // MARK: Access

    @Test("feedback (ours and MemOS's) and tools: owner and writer may, a reader and a stranger get 403; gRPC too")
    func access() async throws {
        try await TestStack.run { stack in
            let added = try await stack.http(
                .post,
                "/v1/memories",
                key: stack.alice.key,
                body: #"{"cube_id": "alice-cube", "items": [{"content": "Alice lives in Lisbon."}]}"#
            )
            let id = try #require((added.json["memory_ids"] as? [String])?.first)
            let feedback =
                #"{"cube_id": "alice-cube", "edits": [{"memory_id": "\#(id)", "content": "Alice lives in Faro."}]}"#
            let tools = #"{"cube_id": "alice-cube", "tools": [{"name": "ping", "description": "pings"}]}"#
            let memos = #"{"writable_cube_ids": ["alice-cube"], "feedback_content": "Alice moved to Faro."}"#
            func statuses(_ key: String) async throws -> [HTTPResponse.Status] {
                [
                    try await stack.http(.post, "/v1/feedback", key: key, body: feedback).status,
                    try await stack.http(.post, "/v1/tools", key: key, body: tools).status,
                    try await stack.http(.post, "/product/feedback", key: key, body: memos).status,
                ]
            }
            #expect(try await statuses(stack.alice.key) == [.ok, .ok, .ok])
            #expect(try await statuses(stack.bob.key) == [.forbidden, .forbidden, .forbidden])
            try await stack.withGRPC { clients in
                let refused = await #expect(throws: RPCError.self) {
                    _ = try await clients.ingest.submitFeedback(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.feedback = "wrong"
                        },
                        metadata: TestStack.metadata(stack.bob.key)
                    )
                }
                #expect(refused?.code == .permissionDenied)
            }
            for (role, expected) in [
                ("reader", [HTTPResponse.Status.forbidden, .forbidden, .forbidden]), ("writer", [.ok, .ok, .ok]),
            ] {
                try await stack.http(
                    .put,
                    "/v1/cubes/alice-cube/members/bob",
                    key: stack.alice.key,
                    body: #"{"role": "\#(role)"}"#
                ).expectOK()
                #expect(try await statuses(stack.bob.key) == expected, "\(role)")
            }
        }
    }

    // MARK: MemOS

    @Test("MemOS: search answers pref_mem and tool_mem apart, with pref_note; add honours async_mode and is_feedback")
    func memosCompatibility() async throws {
        try await TestStack.run { stack in
            try await Self.add(
                stack,
                #"[{"role": "user", "content": "I love hiking in the mountains. Can you plan a trip?"}]"#
            )
            try await Self.add(stack, Self.toolConversation)
            let search = try await stack.http(
                .post,
                "/product/search",
                key: stack.alice.key,
                body:
                    #"{"user_id": "alice", "mem_cube_id": "alice-cube", "query": "hiking trip weather", "relativity": 0}"#
            )
            #expect(search.status == .ok, "\(search.body)")
            let data = search.json["data"] as? [String: Any] ?? [:]
            func bucket(_ name: String) -> [[String: Any]] {
                ((data[name] as? [[String: Any]])?.first?["memories"] as? [[String: Any]]) ?? []
            }
            #expect(bucket("pref_mem").count == 1, "\(search.body)")
            #expect(bucket("tool_mem").count == 2, "\(search.body)")
            #expect((data["pref_note"] as? String ?? "").contains("hiking"))
            let none = try await stack.http(
                .post,
                "/product/search",
                key: stack.alice.key,
                body:
                    #"{"mem_cube_id": "alice-cube", "query": "hiking", "relativity": 0, "include_preference": false, "search_tool_memory": false}"#
            )
            #expect(
                (((none.json["data"] as? [String: Any])?["pref_mem"] as? [[String: Any]])?.first?["memories"] as? [Any])?
                    .isEmpty == true
            )

            let queued = try await stack.http(
                .post,
                "/product/add",
                key: stack.alice.key,
                body:
                    #"{"mem_cube_id": "alice-cube", "async_mode": "async", "messages": [{"role": "user", "content": "I moved to Faro."}]}"#
            )
            #expect(queued.status == .ok, "\(queued.body)")
            #expect((queued.json["message"] as? String ?? "").contains("task"), "\(queued.body)")
            #expect((queued.json["data"] as? [Any])?.isEmpty == true)
            let badMode = try await stack.http(
                .post,
                "/product/add",
                key: stack.alice.key,
                body: #"{"mem_cube_id": "alice-cube", "async_mode": "later", "messages": ["x"]}"#
            )
            #expect(badMode.status == .badRequest)

            let feedback = try await stack.http(
                .post,
                "/product/add",
                key: stack.alice.key,
                body:
                    #"{"mem_cube_id": "alice-cube", "is_feedback": true, "messages": [{"role": "user", "content": "That is wrong."}]}"#
            )
            #expect(feedback.status == .ok, "\(feedback.body)")
            #expect((feedback.json["message"] as? String ?? "").contains("Feedback queued"), "\(feedback.body)")
        }
    }
}
