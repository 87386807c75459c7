import AsyncHTTPClient
import Foundation
import Logging
import MemOSCore

/// A cross-encoder behind the common `/rerank` protocol: the query and the documents in, a score per document out.
///
/// Two request dialects, one response reader:
/// - without a model name, Hugging Face text-embeddings-inference's: `POST {url}` with `{"query", "texts"}`,
///   answered `[{"index", "score"}]`;
/// - with one (`MEMOS_RERANKER_MODEL`), Cohere's and Jina's: `{"model", "query", "documents", "top_n"}`,
///   answered `{"results": [{"index", "relevance_score"}]}`.
/// Either answer shape is accepted whichever was asked. Failures are retried like the other API clients' (429,
/// 5xx, connection), then reported as `unavailable`; the search keeps its own order then.
public struct HTTPReranker: Reranker {
    /// - `url` (`MEMOS_RERANKER_URL`): the whole endpoint, for example `http://localhost:8081/rerank` (TEI) or
    ///   `https://api.jina.ai/v1/rerank`.
    /// - `model` (`MEMOS_RERANKER_MODEL`), `apiKey` (`MEMOS_RERANKER_API_KEY`): optional.
    /// - `timeout` (default 2 s per request: a reranker slower than that costs more than it brings),
    ///   `maxRetries` (default 1).
    public struct Configuration: Sendable {
        public var url: String
        public var model: String?
        public var apiKey: String?
        public var timeout: Duration
        public var maxRetries: Int

        public init(
            url: String,
            model: String? = nil,
            apiKey: String? = nil,
            timeout: Duration = .seconds(2),
            maxRetries: Int = 1
        ) {
            self.url = url
            self.model = model
            self.apiKey = apiKey
            self.timeout = timeout
            self.maxRetries = maxRetries
        }
    }

    public let configuration: Configuration
    let http: OpenAICompatibleHTTP

    public init(configuration: Configuration, client: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.http = OpenAICompatibleHTTP(
            baseURL: configuration.url,
            apiKey: configuration.apiKey,
            timeout: configuration.timeout,
            maxRetries: configuration.maxRetries,
            initialBackoff: .milliseconds(100),
            service: "the reranker",
            client: client,
            logger: logger
        )
    }

    struct TEIRequest: Encodable {
        var query: String
        var texts: [String]
    }

    struct CohereRequest: Encodable {
        var model: String
        var query: String
        var documents: [String]
        var top_n: Int
    }

    struct Scored: Decodable {
        var index: Int
        var score: Float?
        var relevance_score: Float?
    }

    struct Results: Decodable {
        var results: [Scored]
    }

    public func rerank(query: String, documents: [String]) async throws -> [Float] {
        guard !documents.isEmpty else { return [] }
        let data =
            if let model = self.configuration.model {
                try await self.http.post(
                    path: "",
                    body: CohereRequest(model: model, query: query, documents: documents, top_n: documents.count)
                )
            } else {
                try await self.http.post(path: "", body: TEIRequest(query: query, texts: documents))
            }
        let decoder = JSONDecoder()
        let scored =
            (try? decoder.decode([Scored].self, from: data)) ?? (try? decoder.decode(Results.self, from: data))?.results
        guard let scored else {
            throw MemOSError(
                code: .unavailable,
                message: "the reranker's answer is neither [{index, score}] nor {results}"
            )
        }
        var scores = [Float](repeating: -.infinity, count: documents.count)
        for item in scored {
            guard documents.indices.contains(item.index), let score = item.score ?? item.relevance_score,
                score.isFinite
            else {
                throw MemOSError(code: .unavailable, message: "the reranker answered an index or score out of range")
            }
            scores[item.index] = score
        }
        return scores
    }
}
