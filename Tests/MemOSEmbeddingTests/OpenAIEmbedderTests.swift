import Foundation
import Hummingbird
import Logging
import MemOSCore
import MemOSOpenAI
import NIOCore
import Synchronization
import Testing

/// A local HTTP server that answers `POST /v1/embeddings` like an OpenAI-compatible API.
final class FakeEmbeddingServer: Sendable {
    enum Behaviour: Sendable {
        /// Vectors of this dimension, in reverse index order (the client must sort by index).
        case vectors(dimension: Int)
        /// This many 503s (with `Retry-After: 0`), then vectors.
        case failFirst(Int, dimension: Int)
        /// Always this status.
        case status(Int)
    }

    let behaviour: Behaviour
    let requests = Mutex<[(authorization: String?, inputs: [String])]>([])

    init(_ behaviour: Behaviour) {
        self.behaviour = behaviour
    }

    struct Body: Decodable {
        var model: String
        var input: [String]
    }

    /// Runs the server on a free port for the duration of `body`.
    func run<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/v1/embeddings") { request, context -> Response in
            let decoded = try await request.decode(as: Body.self, context: context)
            let count = self.requests.withLock { requests in
                requests.append((request.headers[.authorization], decoded.input))
                return requests.count
            }
            let dimension: Int
            switch self.behaviour {
            case .status(let code):
                return Response(
                    status: .init(code: code),
                    body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"no\"}"))
                )
            case .failFirst(let failures, let size) where count <= failures:
                _ = size
                return Response(status: .serviceUnavailable, headers: [.retryAfter: "0"])
            case .failFirst(_, let size), .vectors(let size):
                dimension = size
            }
            let items = decoded.input.enumerated().reversed().map { index, text in
                "{\"index\": \(index), \"embedding\": [\((0..<dimension).map { String(Float($0 + text.count)) }.joined(separator: ","))]}"
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{\"data\": [\(items.joined(separator: ","))]}"))
            )
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fake-embedding-server")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            var port = 0
            for await value in ports {
                port = value
                break
            }
            return try await body("http://127.0.0.1:\(port)")
        }
    }
}

@Suite("OpenAI-compatible embedder against a local HTTP server")
struct OpenAIEmbedderTests {
    static let logger = Logger(label: "test")

    func embedder(_ base: String, dimension: Int = 4, batchSize: Int = 64) -> OpenAIEmbedder {
        OpenAIEmbedder(
            configuration: .init(
                baseURL: base,
                model: "test-model",
                apiKey: "secret",
                dimension: dimension,
                batchSize: batchSize,
                timeout: .seconds(5),
                maxRetries: 3,
                initialBackoff: .milliseconds(1)
            ),
            logger: Self.logger
        )
    }

    @Test("embeds in batches, in input order, normalised, sending the key")
    func batches() async throws {
        let server = FakeEmbeddingServer(.vectors(dimension: 4))
        let vectors = try await server.run { base in
            try await self.embedder(base, batchSize: 2).embed(["a", "bb", "ccc"])
        }
        #expect(vectors.count == 3)
        #expect(vectors.allSatisfy { abs(VectorMath.dot($0, $0) - 1) < 1e-5 })
        #expect(vectors[0] == VectorMath.normalized([1, 2, 3, 4]))
        #expect(vectors[2] == VectorMath.normalized([3, 4, 5, 6]))
        let requests = server.requests.withLock { $0 }
        #expect(requests.map(\.inputs) == [["a", "bb"], ["ccc"]])
        #expect(requests.allSatisfy { $0.authorization == "Bearer secret" })
    }

    @Test("retries 503 answers, then succeeds")
    func retries() async throws {
        let server = FakeEmbeddingServer(.failFirst(2, dimension: 4))
        let vectors = try await server.run { base in try await self.embedder(base).embed(["x"]) }
        #expect(vectors.count == 1)
        #expect(server.requests.withLock { $0.count } == 3)
    }

    @Test("gives up after the retries with unavailable")
    func givesUp() async throws {
        let server = FakeEmbeddingServer(.status(503))
        let error = await #expect(throws: MemOSError.self) {
            try await server.run { base in try await self.embedder(base).embed(["x"]) }
        }
        #expect(error?.code == .unavailable)
        #expect(server.requests.withLock { $0.count } == 4)
    }

    @Test("a 401 is not retried")
    func unauthorized() async throws {
        let server = FakeEmbeddingServer(.status(401))
        let error = await #expect(throws: MemOSError.self) {
            try await server.run { base in try await self.embedder(base).embed(["x"]) }
        }
        #expect(error?.code == .failedPrecondition)
        #expect(server.requests.withLock { $0.count } == 1)
    }

    @Test("a vector of the wrong dimension is a clear error")
    func wrongDimension() async throws {
        let server = FakeEmbeddingServer(.vectors(dimension: 3))
        let error = await #expect(throws: MemOSError.self) {
            try await server.run { base in try await self.embedder(base, dimension: 4).embed(["x"]) }
        }
        #expect(error?.message.contains("returned 3 dimensions; the configured dimension is 4") == true)
    }
}
