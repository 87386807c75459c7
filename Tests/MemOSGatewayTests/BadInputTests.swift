import Foundation
import GRPCCore
import HTTPTypes
import MemOSCore
import MemOSProto
import PostgresNIO
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

@Suite("Bad input gets a clear error and writes nothing")
struct BadInputTests {
    static let oversized = String(repeating: "x", count: Limits.maxContentBytes + 1)

    struct HTTPCase: Sendable, CustomTestStringConvertible {
        var name: String
        var path: String
        var body: String
        var useKey: Bool = true
        var status: HTTPResponse.Status
        var messageContains: String
        var testDescription: String { self.name }
    }

    static let httpCases: [HTTPCase] = [
        .init(
            name: "empty content",
            path: "/v1/memories",
            body: #"{"cube_id": "alice-cube", "content": ""}"#,
            status: .badRequest,
            messageContains: "content must not be empty"
        ),
        .init(
            name: "oversized content",
            path: "/v1/memories",
            body: #"{"cube_id": "alice-cube", "content": "\#(oversized)"}"#,
            status: .badRequest,
            messageContains: "limit is \(Limits.maxContentBytes) bytes"
        ),
        .init(
            name: "too many items",
            path: "/v1/memories",
            body:
                #"{"cube_id": "alice-cube", "items": [\#(Array(repeating: #"{"content": "a"}"#, count: Limits.maxItemsPerRequest + 1).joined(separator: ","))]}"#,
            status: .badRequest,
            messageContains: "limit is \(Limits.maxItemsPerRequest)"
        ),
        .init(
            name: "unknown cube",
            path: "/v1/memories",
            body: #"{"cube_id": "no-such-cube", "content": "hello"}"#,
            status: .notFound,
            messageContains: "no-such-cube"
        ),
        .init(
            name: "malformed JSON",
            path: "/v1/memories",
            body: #"{"cube_id": "alice-cube", "content": "#,
            status: .badRequest,
            messageContains: "not a valid JSON object"
        ),
        .init(
            name: "unknown field",
            path: "/v1/messages",
            body: #"{"cube_id": "alice-cube", "mesages": []}"#,
            status: .badRequest,
            messageContains: "AddMessagesRequest"
        ),
        .init(
            name: "missing key",
            path: "/v1/memories",
            body: #"{"cube_id": "alice-cube", "content": "hello"}"#,
            useKey: false,
            status: .unauthorized,
            messageContains: "Authorization"
        ),
        .init(
            name: "no messages",
            path: "/v1/messages",
            body: #"{"cube_id": "alice-cube", "messages": []}"#,
            status: .badRequest,
            messageContains: "messages must have at least 1"
        ),
        .init(
            name: "bad role",
            path: "/v1/messages",
            body: #"{"cube_id": "alice-cube", "messages": [{"role": "robot", "content": "hi"}]}"#,
            status: .badRequest,
            messageContains: "messages[0].role"
        ),
        .init(
            name: "top_k too large",
            path: "/v1/search",
            body: #"{"cube_ids": ["alice-cube"], "query": "hi", "top_k": 101}"#,
            status: .badRequest,
            messageContains: "top_k must be between 1 and 100"
        ),
    ]

    @Test("HTTP", arguments: httpCases)
    func http(_ testCase: HTTPCase) async throws {
        try await TestStack.run { stack in
            let result = try await stack.http(
                .post,
                testCase.path,
                key: testCase.useKey ? stack.alice.key : nil,
                body: testCase.body
            )
            #expect(result.status == testCase.status, "\(result.body)")
            #expect(result.errorMessage.contains(testCase.messageContains), "\(result.errorMessage)")
            try await Self.expectNothingWritten(stack)
        }
    }

    @Test("HTTP body over the size limit is 413")
    func oversizedBody() async throws {
        try await TestStack.run { stack in
            let huge = String(repeating: "y", count: Limits.maxRequestBytes + 1)
            let result = try await stack.http(
                .post,
                "/v1/memories",
                key: stack.alice.key,
                body: #"{"cube_id": "alice-cube", "content": "\#(huge)"}"#
            )
            #expect(result.status == .contentTooLarge)
            try await Self.expectNothingWritten(stack)
        }
    }

    struct GRPCCase: Sendable, CustomTestStringConvertible {
        var name: String
        var request: Memos_Ingest_V1_AddMemoriesRequest
        var useKey: Bool = true
        var code: RPCError.Code
        var messageContains: String
        var testDescription: String { self.name }
    }

    static let grpcCases: [GRPCCase] = [
        .init(
            name: "empty content",
            request: .with {
                $0.cubeID = "alice-cube"
                $0.items = [.with { $0.content = " " }]
            },
            code: .invalidArgument,
            messageContains: "items[0].content must not be empty"
        ),
        .init(
            name: "oversized content",
            request: .with {
                $0.cubeID = "alice-cube"
                $0.items = [.with { $0.content = oversized }]
            },
            code: .invalidArgument,
            messageContains: "limit is \(Limits.maxContentBytes) bytes"
        ),
        .init(
            name: "too many items",
            request: .with {
                $0.cubeID = "alice-cube"
                $0.items = Array(repeating: .with { $0.content = "a" }, count: 501)
            },
            code: .invalidArgument,
            messageContains: "limit is 500"
        ),
        .init(
            name: "no cube",
            request: .with { $0.items = [.with { $0.content = "a" }] },
            code: .invalidArgument,
            messageContains: "cube_id is required"
        ),
        .init(
            name: "unknown cube",
            request: .with {
                $0.cubeID = "no-such-cube"
                $0.items = [.with { $0.content = "a" }]
            },
            code: .notFound,
            messageContains: "no-such-cube"
        ),
        .init(
            name: "wrong embedding dimension",
            request: .with {
                $0.cubeID = "alice-cube"
                $0.items = [
                    .with {
                        $0.content = "a"
                        $0.embedding = [1, 2, 3]
                        $0.embeddingModel = "feature-hash-384"
                    }
                ]
            },
            code: .invalidArgument,
            messageContains: "has 3 dimensions"
        ),
        .init(
            name: "missing key",
            request: .with {
                $0.cubeID = "alice-cube"
                $0.items = [.with { $0.content = "a" }]
            },
            useKey: false,
            code: .unauthenticated,
            messageContains: "authorization"
        ),
    ]

    @Test("gRPC", arguments: grpcCases)
    func grpc(_ testCase: GRPCCase) async throws {
        try await TestStack.run { stack in
            let metadata: Metadata = testCase.useKey ? TestStack.metadata(stack.alice.key) : [:]
            let error = await #expect(throws: RPCError.self) {
                try await stack.withGRPC { clients in
                    try await clients.ingest.addMemories(testCase.request, metadata: metadata)
                }
            }
            #expect(error?.code == testCase.code)
            #expect(error?.message.contains(testCase.messageContains) == true, "\(error?.message ?? "")")
            try await Self.expectNothingWritten(stack)
        }
    }

    static func expectNothingWritten(_ stack: TestStack) async throws {
        // The scheduler's own periodic jobs (cube id empty) are not the request's doing.
        for table in ["memories", "messages", "memory_history", "idempotency_keys", "jobs WHERE cube_id <> ''"] {
            #expect(try await TestDatabase.count(table, in: stack.database) == 0, "\(table)")
        }
    }
}
