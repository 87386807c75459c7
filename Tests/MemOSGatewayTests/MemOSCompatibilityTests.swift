import Foundation
import HTTPTypes
import Testing

@testable import MemOSTestSupport

/// Requests shaped as MemOS's own client sends them (field lists of `product_models.py`).
@Suite("MemOS-compatible /product routes")
struct MemOSCompatibilityTests {
    @Test("add, search, get, get by ids, delete and cubes answer in MemOS's envelope")
    func roundTrip() async throws {
        try await TestStack.run { stack in
            let alice = stack.alice.key
            let added = try await stack.http(
                .post,
                "/product/add",
                key: alice,
                body: """
                    {"user_id": "alice", "mem_cube_id": "alice-cube", "session_id": "trip", "async_mode": "sync",
                     "messages": [{"role": "user", "content": "I went hiking in the Alps", "chat_time": "2025-06-01T10:00:00Z"},
                                  {"role": "assistant", "content": [{"type": "text", "text": "The Alps are beautiful in June."}]}],
                     "custom_tags": ["travel"], "info": {"source": "chat"}, "chat_history": [], "is_feedback": false}
                    """
            )
            #expect(added.status == .ok)
            #expect(added.json["code"] as? Int == 200)
            let addedItems = try #require(added.json["data"] as? [[String: Any]])
            #expect(addedItems.count == 1)
            #expect(addedItems.first?["cube_id"] as? String == "alice-cube")
            let memoryID = try #require(addedItems.first?["memory_id"] as? String)
            let legacy = try await stack.http(
                .post,
                "/product/add",
                key: alice,
                body:
                    #"{"user_id": "alice", "writable_cube_ids": ["alice-cube"], "memory_content": "Alice's passport expires in May"}"#
            )
            #expect((legacy.json["data"] as? [[String: Any]])?.count == 1)
            let bareString = try await stack.http(
                .post,
                "/product/add",
                key: alice,
                body:
                    #"{"user_id": "alice", "writable_cube_ids": ["alice-cube"], "messages": ["I am allergic to peanuts"]}"#
            )
            #expect((bareString.json["data"] as? [[String: Any]])?.count == 1)

            let searched = try await stack.http(
                .post,
                "/product/search",
                key: alice,
                body: """
                    {"query": "hiking in the Alps", "user_id": "alice", "readable_cube_ids": ["alice-cube"], "mode": "fast",
                     "top_k": 5, "relativity": 0, "dedup": "mmr", "include_preference": true, "pref_top_k": 6,
                     "search_tool_memory": true, "internet_search": false, "search_memory_type": "All",
                     "filter": {"and": [{"tags": {"contains": "travel"}}, {"session_id": "trip"}]}}
                    """
            )
            #expect(searched.status == .ok)
            let data = try #require(searched.json["data"] as? [String: Any])
            let text = try #require((data["text_mem"] as? [[String: Any]])?.first)
            #expect(text["cube_id"] as? String == "alice-cube")
            let hits = try #require(text["memories"] as? [[String: Any]])
            #expect(hits.map { $0["id"] as? String } == [memoryID])
            let metadata = try #require(hits.first?["metadata"] as? [String: Any])
            #expect(metadata["relativity"] is Double)
            #expect((metadata["tags"] as? [String])?.contains("travel") == true)
            #expect(data["pref_mem"] is [Any] && data["act_mem"] is [Any])

            let listed = try await stack.http(
                .post,
                "/product/get_memory",
                key: alice,
                body: #"{"mem_cube_id": "alice-cube", "user_id": "alice", "page": 1, "page_size": 2}"#
            )
            let page = (listed.json["data"] as? [String: Any])?["text_mem"] as? [[String: Any]]
            #expect((page?.first?["memories"] as? [Any])?.count == 2)
            let secondPage = try await stack.http(
                .post,
                "/product/get_memory",
                key: alice,
                body: #"{"mem_cube_id": "alice-cube", "page": 2, "page_size": 2}"#
            )
            let rest = (secondPage.json["data"] as? [String: Any])?["text_mem"] as? [[String: Any]]
            #expect((rest?.first?["memories"] as? [Any])?.count == 1)

            let one = try await stack.http(.get, "/product/get_memory/\(memoryID)", key: alice)
            #expect((one.json["data"] as? [String: Any])?["memory"] as? String != nil)
            let byIDs = try await stack.http(
                .post,
                "/product/get_memory_by_ids",
                key: alice,
                body: #"["\#(memoryID)"]"#
            )
            #expect(((byIDs.json["data"] as? [String: Any])?["memories"] as? [Any])?.count == 1)
            let all = try await stack.http(
                .post,
                "/product/get_all",
                key: alice,
                body: #"{"user_id": "alice", "memory_type": "text_mem"}"#
            )
            #expect(((all.json["data"] as? [[String: Any]])?.first?["memories"] as? [Any])?.count == 3)

            let deleted = try await stack.http(
                .post,
                "/product/delete_memory",
                key: alice,
                body: #"{"writable_cube_ids": ["alice-cube"], "filter": {"and": [{"memory": {"like": "%passport%"}}]}}"#
            )
            #expect((deleted.json["data"] as? [String: Any])?["deleted_count"] as? Int == 1)
            let deletedByID = try await stack.http(
                .post,
                "/product/delete_memory",
                key: alice,
                body: #"{"memory_ids": ["\#(memoryID)"]}"#
            )
            #expect((deletedByID.json["data"] as? [String: Any])?["status"] as? String == "success")
            let gone = try await stack.http(
                .post,
                "/product/get_all",
                key: alice,
                body: #"{"user_id": "alice", "memory_type": "text_mem"}"#
            )
            #expect(((gone.json["data"] as? [[String: Any]])?.first?["memories"] as? [Any])?.count == 1)

            let cube = try await stack.http(
                .post,
                "/product/create_cube",
                key: alice,
                body: #"{"cube_name": "Travel", "owner_id": "alice", "cube_id": "alice-travel"}"#
            )
            #expect((cube.json["data"] as? [String: Any])?["owner_id"] as? String == "alice")
            let exists = try await stack.http(
                .post,
                "/product/exist_mem_cube_id",
                key: alice,
                body: #"{"mem_cube_id": "alice-travel"}"#
            )
            #expect((exists.json["data"] as? [String: Any])?["alice-travel"] as? Bool == true)
            let hidden = try await stack.http(
                .post,
                "/product/exist_mem_cube_id",
                key: stack.bob.key,
                body: #"{"mem_cube_id": "alice-travel"}"#
            )
            #expect((hidden.json["data"] as? [String: Any])?["alice-travel"] as? Bool == false)

            let summary = try await stack.http(.get, "/product/scheduler/allstatus", key: alice)
            #expect((summary.json["data"] as? [String: Any])?["all_tasks_summary"] is [String: Any])
            #expect(
                try await stack.http(.get, "/product/scheduler/status?user_id=alice", key: alice).json["data"] is [Any]
            )
            let waited = try await stack.http(
                .post,
                "/product/scheduler/wait?user_name=alice&timeout_seconds=1",
                key: alice
            )
            #expect(["idle", "timeout"].contains(waited.json["message"] as? String))
            let health = try await stack.http(.get, "/health", key: nil)
            #expect(health.json["status"] as? String == "healthy")
        }
    }

    @Test("the key decides the user: another user's cube is 403, a missing key 401, both in the envelope")
    func access() async throws {
        try await TestStack.run { stack in
            let bob = stack.bob.key
            let seeded = try await stack.http(
                .post,
                "/product/add",
                key: stack.alice.key,
                body: #"{"user_id": "alice", "writable_cube_ids": ["alice-cube"], "memory_content": "secret plan"}"#
            )
            let aliceMemory = try #require((seeded.json["data"] as? [[String: Any]])?.first?["memory_id"] as? String)

            // user_id is ignored; the cube decides, and bob is no member of alice's.
            for (path, body) in [
                ("/product/add", #"{"user_id": "alice", "mem_cube_id": "alice-cube", "messages": ["planted"]}"#),
                ("/product/search", #"{"user_id": "alice", "query": "plan", "readable_cube_ids": ["alice-cube"]}"#),
                ("/product/get_memory", #"{"user_id": "alice", "mem_cube_id": "alice-cube"}"#),
                (
                    "/product/get_all",
                    #"{"user_id": "alice", "memory_type": "text_mem", "mem_cube_ids": ["alice-cube"]}"#
                ),
                (
                    "/product/delete_memory",
                    #"{"writable_cube_ids": ["alice-cube"], "memory_ids": ["\#(aliceMemory)"]}"#
                ),
            ] {
                let result = try await stack.http(.post, path, key: bob, body: body)
                #expect(result.status == .forbidden, "\(path)")
                #expect(result.json["code"] as? Int == 403)
                #expect(result.json["data"] is NSNull)
            }
            // By id, alice's memory does not exist for bob.
            #expect(try await stack.http(.get, "/product/get_memory/\(aliceMemory)", key: bob).status == .notFound)
            let byIDs = try await stack.http(
                .post,
                "/product/get_memory_by_ids",
                key: bob,
                body: #"["\#(aliceMemory)"]"#
            )
            #expect(((byIDs.json["data"] as? [String: Any])?["memories"] as? [Any])?.isEmpty == true)
            let deleteByID = try await stack.http(
                .post,
                "/product/delete_memory",
                key: bob,
                body: #"{"memory_ids": ["\#(aliceMemory)"]}"#
            )
            #expect((deleteByID.json["data"] as? [String: Any])?["deleted_count"] as? Int == 0)

            let anonymous = try await stack.http(
                .post,
                "/product/search",
                key: nil,
                body: #"{"user_id": "alice", "query": "plan"}"#
            )
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.json["code"] as? Int == 401)
            let bad = try await stack.http(
                .post,
                "/product/search",
                key: bob,
                body: #"{"query": "plan", "top_k": "ten"}"#
            )
            #expect(bad.status == .badRequest)
            let badPage = try await stack.http(
                .post,
                "/product/get_memory",
                key: bob,
                body: #"{"mem_cube_id": "bob-cube", "page": 0}"#
            )
            #expect(badPage.status == .badRequest)
            #expect((badPage.json["message"] as? String)?.contains("page") == true)
            #expect(try await TestDatabase.count("memories", in: stack.database) == 1)
        }
    }
}
