import AsyncHTTPClient
import Foundation
import Logging
import MemOSCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// An embedder behind an OpenAI-compatible `POST {base}/v1/embeddings` endpoint (OpenAI, Ollama, vLLM, TEI).
///
/// Texts are sent in batches of ``Configuration/batchSize``; 429 and 5xx answers and connection failures are
/// retried with exponential backoff and jitter (honouring `Retry-After`). Vectors are L2-normalised.
public struct OpenAIEmbedder: Embedder {
    /// Settings, each with its environment variable (read by the `memos` executable) and default.
    ///
    /// - `baseURL` (`MEMOS_EMBEDDING_URL`): for example `http://localhost:11434` for Ollama.
    /// - `model` (`MEMOS_EMBEDDING_MODEL`): the model name the server knows; also the stored model id.
    /// - `apiKey` (`MEMOS_EMBEDDING_API_KEY`): sent as `Authorization: Bearer`; optional.
    /// - `dimension` (`MEMOS_EMBEDDING_DIMENSION`): every returned vector must have it.
    /// - `batchSize` (`MEMOS_EMBEDDING_BATCH_SIZE`, default 64), `timeout` (default 30 s per request),
    ///   `maxRetries` (default 3), `initialBackoff` (default 200 ms, doubled each retry).
    public struct Configuration: Sendable {
        public var baseURL: String
        public var model: String
        public var apiKey: String?
        public var dimension: Int
        public var batchSize: Int
        public var timeout: Duration
        public var maxRetries: Int
        public var initialBackoff: Duration

        public init(
            baseURL: String,
            model: String,
            apiKey: String? = nil,
            dimension: Int,
            batchSize: Int = 64,
            timeout: Duration = .seconds(30),
            maxRetries: Int = 3,
            initialBackoff: Duration = .milliseconds(200)
        ) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
            self.dimension = dimension
            self.batchSize = batchSize
            self.timeout = timeout
            self.maxRetries = maxRetries
            self.initialBackoff = initialBackoff
        }
    }

    public let configuration: Configuration
    let client: HTTPClient
    let logger: Logger
    public var modelID: String { self.configuration.model }
    public var dimension: Int { self.configuration.dimension }

    public init(configuration: Configuration, client: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: self.configuration.batchSize) {
            vectors += try await self.embedBatch(Array(texts[start..<min(start + self.configuration.batchSize, texts.count)]))
        }
        return vectors
    }

    struct RequestBody: Encodable {
        var model: String
        var input: [String]
    }

    struct ResponseBody: Decodable {
        struct Item: Decodable {
            var index: Int
            var embedding: [Float]
        }

        var data: [Item]
    }

    /// A failure worth retrying, with the server's requested delay if it gave one.
    struct Retryable: Error {
        var reason: String
        var retryAfter: Duration?
    }

    func embedBatch(_ texts: [String]) async throws -> [[Float]] {
        var attempt = 0
        while true {
            do {
                return try await self.post(texts)
            } catch let error as Retryable {
                attempt += 1
                guard attempt <= self.configuration.maxRetries else {
                    throw MemOSError(
                        code: .unavailable,
                        message: "the embedding service failed after \(attempt) attempts: \(error.reason)"
                    )
                }
                let backoff = self.configuration.initialBackoff * (1 << (attempt - 1))
                let jitter = Double.random(in: 0.5...1.0)
                let delay = error.retryAfter ?? backoff * jitter
                self.logger.warning(
                    "embedding request failed; retrying",
                    metadata: ["attempt": "\(attempt)", "reason": "\(error.reason)", "delay": "\(delay)"]
                )
                try await Task.sleep(for: delay)
            }
        }
    }

    func post(_ texts: [String]) async throws -> [[Float]] {
        let base = self.configuration.baseURL.hasSuffix("/") ? String(self.configuration.baseURL.dropLast()) : self.configuration.baseURL
        var request = HTTPClientRequest(url: base + "/v1/embeddings")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key = self.configuration.apiKey, !key.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(RequestBody(model: self.configuration.model, input: texts))))
        let timeout = TimeAmount.nanoseconds(Int64(self.configuration.timeout.components.seconds) * 1_000_000_000)
        let response: HTTPClientResponse
        do {
            response = try await self.client.execute(request, timeout: timeout)
        } catch {
            throw Retryable(reason: "\(error)", retryAfter: nil)
        }
        let body = try await response.body.collect(upTo: 256 * 1_024 * 1_024)
        switch response.status.code {
        case 200..<300:
            break
        case 429, 500..<600:
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
            throw Retryable(reason: "HTTP \(response.status.code)", retryAfter: retryAfter)
        default:
            throw MemOSError(
                code: .failedPrecondition,
                message: "the embedding service answered HTTP \(response.status.code): \(String(buffer: body).prefix(200))"
            )
        }
        let decoded: ResponseBody
        do {
            decoded = try JSONDecoder().decode(ResponseBody.self, from: Data(buffer: body))
        } catch {
            throw MemOSError(code: .unavailable, message: "the embedding service's answer is not an embeddings response")
        }
        guard decoded.data.count == texts.count else {
            throw MemOSError(
                code: .unavailable,
                message: "the embedding service returned \(decoded.data.count) vectors for \(texts.count) texts"
            )
        }
        return try decoded.data.sorted { $0.index < $1.index }.map { item in
            guard item.embedding.count == self.configuration.dimension else {
                throw MemOSError(
                    code: .failedPrecondition,
                    message: "the embedding model '\(self.configuration.model)' returned \(item.embedding.count) "
                        + "dimensions; the configured dimension is \(self.configuration.dimension)"
                )
            }
            return VectorMath.normalized(item.embedding)
        }
    }
}
