import Foundation
import GRPCCore
import Hummingbird
import Logging
import MemOSCore
import MemOSOpenAI
import MemOSProto
import NIOCore
import SwiftProtobuf
import Synchronization
import Testing

@testable import MemOSTestSupport

/// The optional reranker: a local server speaking the `/rerank` protocol reorders the best hits; when it fails,
/// the search keeps its own order and says so, never an error.
@Suite("Reranking the best hits")
struct RerankerTests {
    /// A `/rerank` request in either dialect.
    struct RerankRequest: Decodable {
        var query: String
        var texts: [String]?
        var documents: [String]?
        var model: String?
    }

    /// A `/rerank` server in TEI's dialect (`[{index, score}]`) or, with `cohere`, Cohere's (`{results}`), scoring
    /// each text by `score`; nil from `score` answers HTTP 500.
    static func withServer<T: Sendable>(
        cohere: Bool = false,
        score: @escaping @Sendable (String) -> Float?,
        _ body: @Sendable (HTTPReranker) async throws -> T
    ) async throws -> T {
        let router = Router()
        router.post("/rerank") { request, context -> Response in
            let decoded = try await request.decode(as: RerankRequest.self, context: context)
            let texts = decoded.texts ?? decoded.documents ?? []
            let scores = texts.map(score)
            guard scores.allSatisfy({ $0 != nil }) else { return Response(status: .internalServerError) }
            let items = scores.enumerated().map { index, value -> [String: Any] in
                cohere ? ["index": index, "relevance_score": value!] : ["index": index, "score": value!]
            }
            let answer: Any = cohere ? ["results": items] : items
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: answer)))
            )
        }
        var quiet = Logger(label: "fake-reranker")
        quiet.logLevel = .critical
        let logger = quiet
        return try await LocalHTTPServer.serve(router, logger: logger) { port in
            let reranker = HTTPReranker(
                configuration: .init(url: "http://127.0.0.1:\(port)/rerank", model: cohere ? "rerank-test" : nil),
                logger: logger
            )
            return try await body(reranker)
        }
    }

    static let contents = [
        "Alice grows tomatoes in her garden", "Alice's garden has roses and tomatoes",
        "The garden shop sells tomato seeds",
    ]

    /// Adds the three memories and searches them with `explain`.
    static func search(_ stack: TestStack) async throws -> Memos_Retrieval_V1_SearchResponse {
        try await stack.withGRPC { clients in
            let metadata = TestStack.metadata(stack.alice.key)
            let added = try await clients.ingest.addMemories(
                .with {
                    $0.cubeID = stack.alice.cubeID
                    $0.items = Self.contents.map { content in .with { $0.content = content } }
                },
                metadata: metadata
            )
            return try await clients.retrieval.search(
                .with {
                    $0.cubeIds = [stack.alice.cubeID]
                    $0.query = "tomatoes in the garden"
                    $0.relativity = 0
                    $0.dedup = .none
                    $0.explain = true
                    $0.minChangeSeq = added.changeSeq
                    $0.maxWaitMs = 30_000
                },
                metadata: metadata
            )
        }
    }

    @Test(
        "the reranker's order wins, in either dialect and either direction, and each hit shows its score",
        arguments: [false, true]
    )
    func reorders(cohere: Bool) async throws {
        // The reranker ranks the contents in their order above, then in the reverse order: whichever the fused
        // ranking had, one of the two differs from it, and the hits must follow the reranker both times.
        for reversed in [false, true] {
            let expected = reversed ? Array(Self.contents.reversed()) : Self.contents
            let score: @Sendable (String) -> Float? = { text in
                Float(expected.firstIndex(of: text).map { expected.count - $0 } ?? 0)
            }
            try await Self.withServer(cohere: cohere, score: score) { reranker in
                try await TestStack.run(reranker: reranker) { stack in
                    let response = try await Self.search(stack)
                    #expect(response.hits.map(\.memory.content) == expected, "reversed: \(reversed)")
                    #expect(response.hits.map(\.explanation.rerankScore) == [3, 2, 1])
                    #expect(response.warnings.isEmpty)
                }
            }
        }
    }

    /// Answers every request with HTTP 500.
    static let failing: @Sendable (String) -> Float? = { _ in nil }

    @Test("a failing reranker leaves the fused order, with a warning and no error")
    func failure() async throws {
        try await Self.withServer(score: Self.failing) { reranker in
            try await TestStack.run(reranker: reranker) { stack in
                let response = try await Self.search(stack)
                #expect(response.hits.count == 3)
                #expect(response.hits.allSatisfy { !$0.explanation.hasRerankScore })
                #expect(response.warnings.contains { $0.contains("the reranker failed") })
            }
        }
    }
}

/// Calibrated scores through the service: an honest empty answer, and `explain`.
@Suite("Relevance over gRPC: thresholds and explanations")
struct RelevanceSearchTests {
    @Test("a search with nothing relevant answers no hits by default, every hit with relativity 0; explain shows why")
    func emptyAndExplained() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                let metadata = TestStack.metadata(stack.alice.key)
                let added = try await clients.ingest.addMemories(
                    .with {
                        $0.cubeID = stack.alice.cubeID
                        $0.items = RerankerTests.contents.map { content in .with { $0.content = content } }
                    },
                    metadata: metadata
                )
                func search(_ query: String, relativity: Float? = nil) async throws -> Memos_Retrieval_V1_SearchResponse
                {
                    try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = [stack.alice.cubeID]
                            $0.query = query
                            if let relativity { $0.relativity = relativity }
                            $0.explain = true
                            $0.minChangeSeq = added.changeSeq
                            $0.maxWaitMs = 30_000
                        },
                        metadata: metadata
                    )
                }
                #expect(try await search("quantum chromodynamics lecture notes").hits.isEmpty)
                #expect(try await search("quantum chromodynamics lecture notes", relativity: 0).hits.count == 3)

                let found = try await search("tomatoes in Alice's garden")
                let best = try #require(found.hits.first)
                #expect(best.score > 0.025 && best.score <= 1)
                let explanation = best.explanation
                #expect(explanation.score == best.score)
                #expect(explanation.vectorSimilarity == best.vectorScore)
                #expect(explanation.keywordCoverage == best.keywordScore && best.keywordScore > 0)
                #expect(explanation.matchedTerms.contains("tomato") && explanation.matchedTerms.contains("garden"))
                #expect(explanation.threshold == 0.005 && explanation.bestHitThreshold == 0.025)
                #expect(!explanation.calibration.isEmpty && !explanation.hasRerankScore)
                #expect(found.hits.allSatisfy { $0.score >= 0.005 })
            }
        }
    }
}
