import Foundation
import GRPCCore
import MemOSProto
import SwiftProtobuf
import Synchronization

/// The services' behaviour the tools rely on, in memory: users by API key, cubes with roles, memories, and the
/// errors the real services answer with (`unauthenticated`, `permissionDenied`, `notFound`, `invalidArgument`,
/// `failedPrecondition`). It records the requests it is sent, so that tests can check what the tools asked for.
final class FakeBackend: Sendable {
    static let aliceKey = "mk_alice_key"
    static let bobKey = "mk_bob_key"
    /// User ids by user name, as WhoAmI answers.
    static let userIDs = [
        "alice": "a11ce000-0000-4000-8000-000000000001", "bob": "b0b00000-0000-4000-8000-000000000002",
    ]

    struct State {
        /// Users by API key.
        var users = [FakeBackend.aliceKey: "alice", FakeBackend.bobKey: "bob"]
        /// Each cube's members and their roles.
        var cubes: [String: [String: Memos_Accounts_V1_CubeRole]] = [
            "alice-cube": ["alice": .owner],
            "bob-cube": ["bob": .owner],
            "shared": ["alice": .owner, "bob": .reader],
        ]
        /// Oldest first.
        var memories: [Memos_Common_V1_Memory] = []
        var changeSeq: Int64 = 0
        var searches: [Memos_Retrieval_V1_SearchRequest] = []
        var updates: [Memos_Ingest_V1_UpdateMemoryRequest] = []
        var authorizations: [String] = []
        /// The next call fails with this error.
        var nextFailure: RPCError?
    }

    let state = Mutex(State())

    /// The caller of the call being served, set by ``Authentication``.
    @TaskLocal static var caller: String?

    func caller() throws -> String {
        guard let user = Self.caller else { throw RPCError(code: .unauthenticated, message: "missing API key") }
        return user
    }

    /// Checks the caller's role in `cubeID` and fails as the services do.
    func authorize(_ cubeID: String, write: Bool) throws -> String {
        let user = try self.caller()
        try self.state.withLock { state in
            if let failure = state.nextFailure {
                state.nextFailure = nil
                throw failure
            }
            guard let members = state.cubes[cubeID] else {
                throw RPCError(code: .notFound, message: "cube '\(cubeID)' does not exist")
            }
            guard let role = members[user] else {
                throw RPCError(code: .permissionDenied, message: "the caller is not a member of cube '\(cubeID)'")
            }
            if write && role == .reader {
                throw RPCError(code: .permissionDenied, message: "a reader of cube '\(cubeID)' may not write to it")
            }
        }
        return user
    }

    /// Stores a memory as the ingest service would; returns it.
    @discardableResult
    func store(_ memory: Memos_Common_V1_Memory) -> Memos_Common_V1_Memory {
        self.state.withLock { state in
            state.changeSeq += 1
            var memory = memory
            if memory.id.isEmpty { memory.id = UUID().uuidString.lowercased() }
            if memory.memoryType == .unspecified { memory.memoryType = .longTermMemory }
            memory.status = .activated
            memory.version = 1
            memory.changeSeq = state.changeSeq
            memory.createdAt = Google_Protobuf_Timestamp(date: Date())
            state.memories.append(memory)
            return memory
        }
    }

    func memories(in cubeID: String) -> [Memos_Common_V1_Memory] {
        self.state.withLock { state in state.memories.filter { $0.cubeID == cubeID } }
    }

    /// Makes the next call fail with `error`.
    func failNextCall(with error: RPCError) {
        self.state.withLock { $0.nextFailure = error }
    }
}

extension FakeBackend {
    /// Resolves the `authorization: Bearer <key>` metadata of each call to the caller, as the services'
    /// authentication interceptor does.
    struct Authentication: ServerInterceptor {
        let backend: FakeBackend

        func intercept<Input: Sendable, Output: Sendable>(
            request: StreamingServerRequest<Input>,
            context: ServerContext,
            next:
                @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<
                    Output
                >
        ) async throws -> StreamingServerResponse<Output> {
            let header = request.metadata[stringValues: "authorization"].first { _ in true } ?? ""
            self.backend.state.withLock { $0.authorizations.append(header) }
            guard header.hasPrefix("Bearer "),
                let user = self.backend.state.withLock({ $0.users[String(header.dropFirst("Bearer ".count))] })
            else {
                throw RPCError(code: .unauthenticated, message: "unknown API key")
            }
            return try await FakeBackend.$caller.withValue(user) { try await next(request, context) }
        }
    }
}
