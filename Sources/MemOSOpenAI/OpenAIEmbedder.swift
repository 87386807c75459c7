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
    let http: OpenAICompatibleHTTP
    public var modelID: String { self.configuration.model }
    public var dimension: Int { self.configuration.dimension }

    public init(configuration: Configuration, client: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.http = OpenAICompatibleHTTP(
            baseURL: configuration.baseURL,
            apiKey: configuration.apiKey,
            timeout: configuration.timeout,
            maxRetries: configuration.maxRetries,
            initialBackoff: configuration.initialBackoff,
            service: "the embedding service",
            client: client,
            logger: logger
        )
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: self.configuration.batchSize) {
            vectors += try await self.embedBatch(
                Array(texts[start..<min(start + self.configuration.batchSize, texts.count)])
            )
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

    func embedBatch(_ texts: [String]) async throws -> [[Float]] {
        let body = try await self.http.post(
            path: "/v1/embeddings",
            body: RequestBody(model: self.configuration.model, input: texts)
        )
        let decoded: ResponseBody
        do {
            decoded = try JSONDecoder().decode(ResponseBody.self, from: body)
        } catch {
            throw MemOSError(
                code: .unavailable,
                message: "the embedding service's answer is not an embeddings response"
            )
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
