import Foundation
import GRPCCore
import Logging
import MemOSCore
import MemOSPostgres
import MemOSRPC
import Synchronization
import Testing

@testable import MemOSTestSupport

@Suite("Request ids on the gRPC side")
struct RequestIDTests {
    /// Keeps every log record's message and metadata.
    final class Records: Sendable {
        let lines = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
    }

    struct CapturingHandler: LogHandler {
        let records: Records
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = self.metadata
            merged.merge(self.metadataProvider?.get() ?? [:]) { current, _ in current }
            merged.merge(event.metadata ?? [:]) { _, new in new }
            self.records.lines.withLock { $0.append((event.message.description, merged)) }
        }
    }

    @Test("the interceptor exposes x-request-id to the handler and to the log lines about the call")
    func interceptor() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let accounts = PostgresAccountStore(database: database)
            let key = try await accounts.createAPIKey(for: try await accounts.createUser(name: "alice", role: .user))
                .key
            let records = Records()
            let logger = Logger(label: "test") { _ in
                CapturingHandler(records: records, metadataProvider: RequestIdentity.metadataProvider)
            }
            let interceptor = AuthenticationInterceptor(accounts: accounts, logger: logger)
            let context = ServerContext(
                descriptor: MethodDescriptor(fullyQualifiedService: "memos.test.v1.Test", method: "Echo"),
                remotePeer: "test",
                localPeer: "test",
                cancellation: .init()
            )
            func call(_ metadata: Metadata, failing: Bool) async throws -> String? {
                let request = StreamingServerRequest(single: ServerRequest(metadata: metadata, message: "hi"))
                let seen = Mutex<String?>(nil)
                _ = try await interceptor.intercept(request: request, context: context) {
                    _,
                    _ -> StreamingServerResponse<String> in
                    seen.withLock { $0 = RequestIdentity.requestID }
                    logger.info("handled")
                    if failing { throw MemOSError.internalError(CancellationError()) }
                    return StreamingServerResponse(single: ServerResponse(message: "ok"))
                }
                return seen.withLock { $0 }
            }

            #expect(
                try await call(["authorization": "Bearer \(key)", "x-request-id": "trace-7"], failing: false)
                    == "trace-7"
            )
            #expect(try await call(["authorization": "Bearer \(key)"], failing: false) == nil)
            await #expect(throws: RPCError.self) {
                try await call(["authorization": "Bearer \(key)", "x-request-id": "trace-8"], failing: true)
            }
            let lines = records.lines.withLock { $0 }
            #expect(lines.map(\.message) == ["handled", "handled", "handled", "rpc failed"])
            #expect(lines.map { $0.metadata["request_id"]?.description } == ["trace-7", nil, "trace-8", "trace-8"])
        }
    }
}
