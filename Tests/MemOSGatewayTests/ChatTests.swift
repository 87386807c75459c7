import AsyncHTTPClient
import Foundation
import HTTPTypes
import MemOSCore
import MemOSGateway
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@testable import MemOSTestSupport

@Suite("Chat: OpenAI-compatible completions that use and keep memories")
struct ChatTests {
    /// Answers from the memories the system prompt lists: "Porto" when they say where Alice lives.
    static func llm() -> FakeLLMServer {
        FakeLLMServer { prompt in
            if prompt.contains("FAIL") { return nil }
            return "You live in Porto, by the river."
        }
    }

    static func withChat(_ body: @Sendable @escaping (TestStack, FakeLLMServer) async throws -> Void) async throws {
        let server = Self.llm()
        try await server.runAnswer { model in
            try await TestStack.run(gateway: .init(answerModel: model)) { stack in try await body(stack, server) }
        }
    }

    static func completion(_ stack: TestStack, _ body: String, key: String? = nil) async throws -> TestStack.HTTPResult
    {
        try await stack.http(.post, "/v1/chat/completions", key: key ?? stack.alice.key, body: body)
    }

    @Test("an answer uses the memories found for the last user turn, names them, and is written back once")
    func complete() async throws {
        try await Self.withChat { stack, server in
            try await stack.http(
                .post,
                "/v1/memories",
                key: stack.alice.key,
                body: #"{"cube_id": "alice-cube", "content": "Alice lives in Porto"}"#
            ).expectOK()
            let answered = try await Self.completion(
                stack,
                #"{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Where do I live?"}], "cube_ids": ["alice-cube"], "session_id": "s1", "user": "ignored", "n": 1}"#
            )
            #expect(answered.status == .ok, "\(answered.body)")
            #expect(answered.json["object"] as? String == "chat.completion")
            let choice = try #require((answered.json["choices"] as? [[String: Any]])?.first)
            #expect((choice["message"] as? [String: Any])?["content"] as? String == "You live in Porto, by the river.")
            #expect((answered.json["memory_ids"] as? [String])?.count == 1)
            // The model read the memory in its system prompt.
            let seen = server.systemPrompts.withLock { $0 }
            #expect(seen.last?.contains("Alice lives in Porto") == true)

            // The exchange was added to the cube: after its job, search finds the answer.
            try await stack.http(.post, "/v1/cubes/alice-cube/jobs/wait?timeout_ms=60000", key: stack.alice.key)
                .expectOK()
            let found = try await stack.http(
                .post,
                "/v1/search",
                key: stack.alice.key,
                body: #"{"cube_ids": ["alice-cube"], "query": "by the river", "relativity": 0}"#
            )
            let contents = (found.json["hits"] as? [[String: Any]] ?? []).compactMap {
                ($0["memory"] as? [String: Any])?["content"] as? String
            }
            #expect(contents.contains { $0.contains("by the river") }, "\(contents)")
        }
    }

    @Test("stream: true answers in server-sent events ending with [DONE]")
    func stream() async throws {
        try await Self.withChat { stack, _ in
            // Read as a streaming client reads it: async-http-client, the body taken piece by piece as it arrives.
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(stack.gatewayPort)/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(stack.alice.key)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(
                ByteBuffer(
                    string:
                        #"{"messages": [{"role": "user", "content": "Where do I live?"}], "stream": true, "cube_ids": ["alice-cube"], "write_back": false}"#
                )
            )
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            var body = ""
            for try await piece in response.body { body += String(buffer: piece) }
            let events = body.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
                .map { String($0.dropFirst(6)) }
            #expect(events.last == "[DONE]")
            let text = events.dropLast().compactMap { event -> String? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any],
                    let delta = (object["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
                else { return nil }
                return delta["content"] as? String
            }.joined()
            #expect(text == "You live in Porto, by the river.")
            // Nothing was written back.
            let jobs = try await stack.http(.get, "/v1/cubes/alice-cube/jobs", key: stack.alice.key)
            #expect((jobs.json["jobs"] as? [[String: Any]] ?? []).isEmpty)
        }
    }

    @Test("failures: no LLM is 412 naming MEMOS_LLM_URL, an LLM error 502 with nothing written, a stranger 403")
    func failures() async throws {
        try await TestStack.run { stack in
            let refused = try await Self.completion(stack, #"{"messages": [{"role": "user", "content": "hi"}]}"#)
            #expect(refused.status == .preconditionFailed)
            #expect(refused.errorMessage.contains("MEMOS_LLM_URL"))
        }
        try await Self.withChat { stack, _ in
            let failed = try await Self.completion(
                stack,
                #"{"messages": [{"role": "user", "content": "FAIL please"}], "cube_ids": ["alice-cube"]}"#
            )
            #expect(failed.status == .badGateway, "\(failed.body)")
            let jobs = try await stack.http(.get, "/v1/cubes/alice-cube/jobs", key: stack.alice.key)
            #expect((jobs.json["jobs"] as? [[String: Any]] ?? []).isEmpty)

            let stranger = try await Self.completion(
                stack,
                #"{"messages": [{"role": "user", "content": "what does alice know?"}], "cube_ids": ["alice-cube"]}"#,
                key: stack.bob.key
            )
            #expect(stranger.status == .forbidden)
            // A reader may chat over the cube; nothing is written back into it.
            try await stack.http(
                .put,
                "/v1/cubes/alice-cube/members/bob",
                key: stack.alice.key,
                body: #"{"role": "reader"}"#
            ).expectOK()
            let reader = try await Self.completion(
                stack,
                #"{"messages": [{"role": "user", "content": "where does alice live?"}], "cube_ids": ["alice-cube"]}"#,
                key: stack.bob.key
            )
            #expect(reader.status == .ok, "\(reader.body)")
            #expect(reader.json["write_back_job_id"] == nil)
            let explicit = try await Self.completion(
                stack,
                #"{"messages": [{"role": "user", "content": "hi"}], "cube_ids": ["alice-cube"], "write_back": true}"#,
                key: stack.bob.key
            )
            #expect(explicit.status == .forbidden)
            let noUser = try await Self.completion(stack, #"{"messages": [{"role": "system", "content": "hi"}]}"#)
            #expect(noUser.status == .badRequest)
        }
    }

    @Test("MemOS: /product/chat/complete answers in MemOS's envelope; /product/chat/stream sends its event types")
    func memos() async throws {
        try await Self.withChat { stack, _ in
            let complete = try await stack.http(
                .post,
                "/product/chat/complete",
                key: stack.alice.key,
                body: #"{"user_id": "alice", "query": "Where do I live?", "readable_cube_ids": ["alice-cube"]}"#
            )
            #expect(complete.status == .ok, "\(complete.body)")
            let data = try #require(complete.json["data"] as? [String: Any])
            #expect(data["response"] as? String == "You live in Porto, by the river.")
            let streamed = try await stack.http(
                .post,
                "/product/chat/stream",
                key: stack.alice.key,
                body: #"{"user_id": "alice", "query": "Where do I live?", "readable_cube_ids": ["alice-cube"]}"#
            )
            #expect(streamed.status == .ok)
            let types = streamed.body.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }.compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any])?["type"]
                    as? String
            }
            #expect(types.first == "reference")
            #expect(types.last == "end")
            #expect(types.contains("text"))
        }
    }
}
