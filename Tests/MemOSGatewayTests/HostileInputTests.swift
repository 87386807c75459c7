import Foundation
import GRPCCore
import HTTPTypes
import MemOSCore
import MemOSProto
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

/// Inputs that once crashed a service or answered 500, sent over the real protocols: each gets a clear answer and
/// the services keep serving.
@Suite("Hostile input: no crash, no 500")
struct HostileInputTests {
    struct HTTPCase: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPRequest.Method = .post
        var path: String
        var body: String?
        var status: HTTPResponse.Status
        var messageContains: String = ""
        var testDescription: String { self.name }
    }

    static func filterOf(_ filter: String) -> String {
        #"{"cube_ids": ["alice-cube"], "query": "x", "filter": \#(filter)}"#
    }

    static let httpCases: [HTTPCase] = [
        .init(
            name: "integer filter value past Int",
            path: "/v1/search",
            body: filterOf(#"{"condition": {"field": "key", "op": "EQ", "value": 1e19}}"#),
            status: .ok
        ),
        .init(
            name: "id IN a huge number",
            path: "/v1/search",
            body: filterOf(#"{"condition": {"field": "id", "op": "IN", "value": [1e300]}}"#),
            status: .ok
        ),
        .init(
            name: "created_at past year 9999",
            path: "/v1/search",
            body: filterOf(#"{"condition": {"field": "created_at", "op": "GT", "value": 1e300}}"#),
            status: .badRequest,
            messageContains: "9999-12-31T23:59:59Z"
        ),
        .init(
            name: "valid_to before year 1",
            path: "/v1/search",
            body: filterOf(#"{"condition": {"field": "valid_to", "op": "LT", "value": -1e300}}"#),
            status: .badRequest,
            messageContains: "filter (lt) needs an RFC 3339 time"
        ),
        .init(
            name: "dry-run delete with a huge integer",
            path: "/v1/memories/delete",
            body:
                #"{"cube_id": "alice-cube", "filter": {"condition": {"field": "key", "op": "EQ", "value": 1e19}}, "dry_run": true}"#,
            status: .ok
        ),
        .init(
            name: "MemOS search with a time out of range",
            path: "/product/search",
            body: #"{"query": "x", "readable_cube_ids": ["alice-cube"], "filter": {"created_at": {"gt": 1e300}}}"#,
            status: .badRequest,
            messageContains: "9999"
        ),
        .init(
            name: "MemOS delete with a time out of range",
            path: "/product/delete_memory",
            body: #"{"writable_cube_ids": ["alice-cube"], "filter": {"created_at": {"lt": -1e300}}}"#,
            status: .badRequest,
            messageContains: "9999"
        ),
        .init(
            name: "LIKE pattern ending in a backslash",
            path: "/v1/search",
            body: filterOf(#"{"condition": {"field": "content", "op": "LIKE", "value": "tea\\"}}"#),
            status: .ok
        ),
        .init(
            name: "NUL in content",
            path: "/v1/memories",
            body: #"{"cube_id": "alice-cube", "content": "a\u0000b"}"#,
            status: .badRequest,
            messageContains: "NUL"
        ),
        .init(
            name: "NUL in a cube id",
            path: "/v1/search",
            body: #"{"cube_ids": ["alice\u0000cube"], "query": "x"}"#,
            status: .badRequest,
            messageContains: "NUL"
        ),
        .init(
            name: "NUL in a MemOS body",
            path: "/product/search",
            body: #"{"query": "x\u0000", "readable_cube_ids": ["alice-cube"]}"#,
            status: .badRequest,
            messageContains: "NUL"
        ),
        .init(
            name: "an escaped backslash before u0000 is text",
            path: "/v1/memories",
            body: #"{"cube_id": "alice-cube", "content": "C:\\u0000 is a path"}"#,
            status: .ok
        ),
        .init(
            name: "cube id '.'",
            path: "/v1/cubes",
            body: #"{"cube_id": "."}"#,
            status: .badRequest,
            messageContains: "'.'"
        ),
        .init(
            name: "cube id '..'",
            path: "/v1/cubes",
            body: #"{"cube_id": ".."}"#,
            status: .badRequest,
            messageContains: "'..'"
        ),
        .init(
            name: "TTL 0 keeps memories forever",
            method: .put,
            path: "/v1/cubes/alice-cube/ttl",
            body: #"{"memory_ttl_seconds": 0}"#,
            status: .ok
        ),
        .init(
            name: "TTL true is not a number",
            method: .put,
            path: "/v1/cubes/alice-cube/ttl",
            body: #"{"memory_ttl_seconds": true}"#,
            status: .badRequest,
            messageContains: "whole number"
        ),
        .init(
            name: "forged memories page token",
            method: .get,
            path: "/v1/cubes/alice-cube/memories?page_token=\(forgedToken)",
            status: .badRequest,
            messageContains: "page_token"
        ),
        .init(
            name: "forged jobs page token",
            method: .get,
            path: "/v1/cubes/alice-cube/jobs?page_token=\(forgedToken)",
            status: .badRequest,
            messageContains: "page_token"
        ),
        .init(
            name: "MemOS page of Int.max",
            path: "/product/get_memory",
            body: #"{"mem_cube_id": "alice-cube", "page": 9223372036854775807}"#,
            status: .badRequest,
            messageContains: "page × page_size"
        ),
        .init(
            name: "MemOS page past the window",
            path: "/product/get_memory",
            body: #"{"mem_cube_id": "alice-cube", "page": 100000, "page_size": 500}"#,
            status: .badRequest,
            messageContains: "page × page_size"
        ),
    ]

    /// base64url of `{"createdAt":1e300,"id":"00000000-0000-0000-0000-000000000000"}`, unsigned.
    static let forgedToken = Data(#"{"createdAt":1e300,"id":"00000000-0000-0000-0000-000000000000"}"#.utf8)
        .base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")

    @Test("HTTP", arguments: httpCases)
    func http(_ testCase: HTTPCase) async throws {
        try await TestStack.run { stack in
            let result = try await stack.http(testCase.method, testCase.path, key: stack.alice.key, body: testCase.body)
            #expect(result.status == testCase.status, "\(result.body.prefix(500))")
            let message = result.errorMessage.isEmpty ? (result.json["message"] as? String ?? "") : result.errorMessage
            if !testCase.messageContains.isEmpty {
                #expect(message.contains(testCase.messageContains), "\(result.body.prefix(500))")
            }
            try await Self.expectServing(stack)
        }
    }

    @Test("gRPC: out-of-range times, NaN and NUL are invalid arguments naming the field")
    func grpc() async throws {
        try await TestStack.run { stack in
            let metadata = TestStack.metadata(stack.alice.key)
            try await stack.withGRPC { clients in
                func refused(_ fragment: String, _ call: () async throws -> Void) async {
                    let error = await #expect(throws: RPCError.self) { try await call() }
                    #expect(error?.code == .invalidArgument, "\(String(describing: error))")
                    #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
                }
                await refused("filter (gt) needs an RFC 3339 time") {
                    _ = try await clients.retrieval.countMemories(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.filter = .with {
                                $0.condition = .with {
                                    $0.field = "created_at"
                                    $0.op = .gt
                                    $0.value = .init(numberValue: 1e300)
                                }
                            }
                        },
                        metadata: metadata
                    )
                }
                await refused("items[1].valid_from must be a time from 0001-01-01T00:00:00Z") {
                    _ = try await clients.ingest.addMemories(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.items = [
                                .with { $0.content = "fine" },
                                .with {
                                    $0.content = "a"
                                    $0.validFrom = .init(seconds: 1_000_000_000_000_000)
                                },
                            ]
                        },
                        metadata: metadata
                    )
                }
                await refused("messages[0].chat_time must be a time") {
                    _ = try await clients.ingest.addMessages(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.messages = [
                                .with {
                                    $0.role = "user"
                                    $0.content = "hi"
                                    $0.chatTime = .init(seconds: -100_000_000_000_000)
                                }
                            ]
                        },
                        metadata: metadata
                    )
                }
                await refused("items[0].confidence must be a finite number") {
                    _ = try await clients.ingest.addMemories(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.items = [
                                .with {
                                    $0.content = "a"
                                    $0.confidence = .nan
                                }
                            ]
                        },
                        metadata: metadata
                    )
                }
                await refused("items[0].content contains a NUL character") {
                    _ = try await clients.ingest.addMemories(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.items = [.with { $0.content = "a\u{0}b" }]
                        },
                        metadata: metadata
                    )
                }
                await refused("cube_ids[0]") {
                    _ = try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = ["a\u{0}"]
                            $0.query = "x"
                        },
                        metadata: metadata
                    )
                }
            }
            try await BadInputTests.expectNothingWritten(stack)
            try await Self.expectServing(stack)
        }
    }

    @Test("a page token works only for the listing that issued it")
    func pageTokensAreBound() async throws {
        try await TestStack.run { stack in
            for index in 0..<3 {
                _ = try await stack.http(
                    .post,
                    "/v1/memories",
                    key: stack.alice.key,
                    body: #"{"cube_id": "alice-cube", "content": "fact \#(index)"}"#
                )
            }
            let first = try await stack.http(.get, "/v1/cubes/alice-cube/memories?page_size=1", key: stack.alice.key)
            let token = try #require(first.json["next_page_token"] as? String)
            let second = try await stack.http(
                .get,
                "/v1/cubes/alice-cube/memories?page_size=1&page_token=\(token)",
                key: stack.alice.key
            )
            #expect(second.status == .ok)
            // The same token on another listing (bob's cube, and the jobs of alice's) is refused.
            let elsewhere = try await stack.http(
                .get,
                "/v1/cubes/bob-cube/memories?page_token=\(token)",
                key: stack.bob.key
            )
            #expect(elsewhere.status == .badRequest, "\(elsewhere.body)")
            let jobs = try await stack.http(.get, "/v1/cubes/alice-cube/jobs?page_token=\(token)", key: stack.alice.key)
            #expect(jobs.status == .badRequest, "\(jobs.body)")
            // One changed character of the cursor or of its tag breaks it.
            let dot = try #require(token.firstIndex(of: "."))
            let tagStart = token.index(after: dot)
            for position in [token.startIndex, tagStart] {
                var characters = Array(token)
                let offset = token.distance(from: token.startIndex, to: position)
                characters[offset] = characters[offset] == "A" ? "B" : "A"
                let changed = try await stack.http(
                    .get,
                    "/v1/cubes/alice-cube/memories?page_token=\(String(characters))",
                    key: stack.alice.key
                )
                #expect(changed.status == .badRequest, "\(changed.body)")
            }
            let flipped = String(token.dropFirst())
            let tampered = try await stack.http(
                .get,
                "/v1/cubes/alice-cube/memories?page_token=\(flipped)",
                key: stack.alice.key
            )
            #expect(tampered.status == .badRequest)
        }
    }

    @Test("responses stay under the gRPC message limit: listings, get by ids, adds and export of large memories")
    func largeResponses() async throws {
        try await TestStack.run { stack in
            // Distinct words, so that no two memories are near-duplicates the background merge would join.
            @Sendable func content() -> String {
                (0..<1_819).map { _ in String(UUID().uuidString.prefix(8)) }.joined(separator: " ")
            }
            let metadata = TestStack.metadata(stack.alice.key)
            // 255 memories of 16 KiB in one add: more than a response holds, so only their ids come back.
            // Large writes under a loaded suite may pass the 30 s deadline: retried with their idempotency key, as
            // the error tells a client to, they apply once.
            let first = Memos_Ingest_V1_AddMemoriesRequest.with {
                $0.cubeID = "alice-cube"
                $0.idempotencyKey = "large-1"
                $0.items = (0..<255).map { index in .with { $0.content = "\(index) \(content())" } }
            }
            let added = try await Self.retryingUnavailable {
                try await stack.withGRPC { clients in try await clients.ingest.addMemories(first, metadata: metadata) }
            }
            #expect(added.memories.isEmpty)
            #expect(added.memoryIds.count == 255)
            let second = Memos_Ingest_V1_AddMemoriesRequest.with {
                $0.cubeID = "alice-cube"
                $0.idempotencyKey = "large-2"
                $0.items = (255..<300).map { index in .with { $0.content = "\(index) \(content())" } }
            }
            _ = try await Self.retryingUnavailable {
                try await stack.withGRPC { clients in try await clients.ingest.addMemories(second, metadata: metadata) }
            }

            // A page of 300 ends early; following the tokens reads all 300 once.
            var seen = Set<String>()
            var token = ""
            var pages = 0
            repeat {
                let page = try await stack.http(
                    .get,
                    "/v1/cubes/alice-cube/memories?page_size=300&page_token=\(token)",
                    key: stack.alice.key
                )
                #expect(page.status == .ok)
                let memories = page.json["memories"] as? [[String: Any]] ?? []
                #expect(memories.count < 300)
                for memory in memories { seen.insert(memory["id"] as? String ?? "") }
                token = page.json["next_page_token"] as? String ?? ""
                pages += 1
            } while !token.isEmpty && pages < 10
            #expect(seen.count == 300)

            // Get by 300 ids over gRPC lists what did not fit; the MemOS route asks again and returns them all.
            let ids = Array(seen)
            let got = try await Self.retryingUnavailable {
                try await stack.withGRPC { clients in
                    try await clients.retrieval.getMemories(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.memoryIds = ids
                        },
                        metadata: metadata
                    )
                }
            }
            #expect(!got.omittedIds.isEmpty)
            #expect(got.memories.count + got.omittedIds.count == 300)
            let idList = ids.map { "\"\($0)\"" }.joined(separator: ",")
            let memos = try await stack.http(
                .post,
                "/product/get_memory_by_ids",
                key: stack.alice.key,
                body: "[\(idList)]"
            )
            #expect(memos.status == .ok)
            #expect(((memos.json["data"] as? [String: Any])?["memories"] as? [Any])?.count == 300)
            let memosPage = try await stack.http(
                .post,
                "/product/get_memory",
                key: stack.alice.key,
                body: #"{"mem_cube_id": "alice-cube", "page": 1, "page_size": 300}"#
            )
            #expect(memosPage.status == .ok, "\(memosPage.body.prefix(300))")

            // The whole cube exports, ending with its end line.
            let export = try await stack.http(.get, "/v1/cubes/alice-cube/export", key: stack.alice.key)
            #expect(export.status == .ok)
            #expect(export.body.hasSuffix("{\"end\":{\"memories\":300}}\n"))
            try await Self.expectServing(stack)
        }
    }

    /// Runs `body` again (at most three times in all) while it fails `unavailable`: what a client does.
    static func retryingUnavailable<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        for _ in 0..<2 {
            do { return try await body() } catch let error as RPCError where error.code == .unavailable { continue }
        }
        return try await body()
    }

    @Test("a fan-out names each cube once, at most 32, and costs a call per cube")
    func fanOut() async throws {
        try await TestStack.run { stack in
            let repeated = Array(repeating: "\"alice-cube\"", count: 1_000).joined(separator: ",")
            let once = try await stack.http(
                .post,
                "/product/get_all",
                key: stack.alice.key,
                body: #"{"memory_type": "text_mem", "mem_cube_ids": [\#(repeated)]}"#
            )
            #expect(once.status == .ok)
            #expect((once.json["data"] as? [Any])?.count == 1)
            let many = (0..<33).map { "\"c\($0)\"" }.joined(separator: ",")
            let tooMany = try await stack.http(
                .post,
                "/product/get_all",
                key: stack.alice.key,
                body: #"{"memory_type": "text_mem", "mem_cube_ids": [\#(many)]}"#
            )
            #expect(tooMany.status == .badRequest)
            #expect((tooMany.json["message"] as? String ?? "").contains("limit is 32"))
        }
    }

    @Test("path parameters are percent-decoded")
    func percentDecodedPaths() async throws {
        try await TestStack.run { stack in
            let created = try await stack.http(
                .post,
                "/v1/cubes",
                key: stack.alice.key,
                body: #"{"cube_id": "team:x@y"}"#
            )
            #expect(created.status == .created, "\(created.body)")
            let added = try await stack.http(
                .post,
                "/v1/memories",
                key: stack.alice.key,
                body: #"{"cube_id": "team:x@y", "content": "shared"}"#
            )
            let id = try #require(((added.json["memories"] as? [[String: Any]])?.first?["id"]) as? String)
            let cube = try await stack.http(.get, "/v1/cubes/team%3Ax%40y", key: stack.alice.key)
            #expect(cube.status == .ok, "\(cube.body)")
            let memory = try await stack.http(.get, "/v1/cubes/team%3Ax%40y/memories/\(id)", key: stack.alice.key)
            #expect(memory.status == .ok, "\(memory.body)")
        }
    }

    @Test("a malformed chunked body is 400")
    func malformedChunk() async throws {
        try await TestStack.run { stack in
            let request = """
                POST /v1/memories HTTP/1.1\r
                Host: 127.0.0.1\r
                Authorization: Bearer \(stack.alice.key)\r
                Content-Type: application/json\r
                Connection: close\r
                Transfer-Encoding: chunked\r
                \r
                ZZZ\r
                {"cube_id": "alice-cube", "content": "x"}\r
                0\r
                \r

                """
            let reply = try RawHTTP.exchange(port: stack.gatewayPort, request)
            // An empty reply is the socket's 10 s receive timeout on a loaded machine; any answer must be this 400.
            if !reply.isEmpty {
                #expect(reply.hasPrefix("HTTP/1.1 400"), "\(reply.prefix(200))")
                #expect(reply.contains("invalid character in chunk size"), "\(reply.prefix(400))")
            }
            try await Self.expectServing(stack)
        }
    }

    @Test("a cube id deleted and created again by another user shows none of the old cube's jobs")
    func recreatedCubeJobs() async throws {
        try await TestStack.run { stack in
            #expect(
                try await stack.http(.post, "/v1/cubes", key: stack.alice.key, body: #"{"cube_id": "reused"}"#).status
                    == .created
            )
            _ = try await stack.http(
                .post,
                "/v1/memories",
                key: stack.alice.key,
                body: #"{"cube_id": "reused", "content": "old"}"#
            )
            #expect(try await stack.http(.delete, "/v1/cubes/reused", key: stack.alice.key).status == .noContent)
            // The purge job frees the id; then bob takes it.
            var created = false
            for _ in 0..<100 where !created {
                created =
                    try await stack.http(.post, "/v1/cubes", key: stack.bob.key, body: #"{"cube_id": "reused"}"#).status
                    == .created
                if !created { try await Task.sleep(for: .milliseconds(100)) }
            }
            try #require(created)
            let jobs = try await stack.http(.get, "/v1/cubes/reused/jobs", key: stack.bob.key)
            #expect(jobs.status == .ok)
            #expect((jobs.json["jobs"] as? [Any] ?? []).isEmpty, "\(jobs.body)")
        }
    }

    /// The gateway and the services still answer (a crash would have ended the test process itself).
    static func expectServing(_ stack: TestStack) async throws {
        let listed = try await stack.http(.get, "/v1/cubes/alice-cube/memories?page_size=1", key: stack.alice.key)
        #expect(listed.status == .ok)
    }
}

/// One HTTP/1.1 exchange over a plain socket, for requests no HTTP client would send.
enum RawHTTP {
    static func exchange(port: Int, _ request: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            reply += buffer[0..<count]
            if reply.count > 65_536 { break }
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
