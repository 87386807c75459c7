import Foundation
import Logging
import MemOSCore
import MemOSEmbedding
import MemOSOpenAI

/// Which embedder a process uses, from its settings.
///
/// - `minilm` (default): all-MiniLM-L6-v2 computed in-process from the files in `modelDirectory`
///   (`MEMOS_MODEL_DIR`, default `.local/models/all-MiniLM-L6-v2`; `scripts/fetch-model.sh` fills it).
/// - `openai`: an OpenAI-compatible `/v1/embeddings` endpoint (`MEMOS_EMBEDDING_URL`, `MEMOS_EMBEDDING_MODEL`,
///   `MEMOS_EMBEDDING_DIMENSION`, optional `MEMOS_EMBEDDING_API_KEY`, `MEMOS_EMBEDDING_BATCH_SIZE`).
/// - `feature-hash`: a deterministic word-hashing embedder with no model files (tests, smoke runs).
public enum EmbedderFactory {
    public static let defaultModelDirectory = ".local/models/all-MiniLM-L6-v2"

    /// Checks the settings `make` would use — for MiniLM the model files and their hashes, without loading
    /// the weights — so that a supervisor can fail early, once.
    public static func check(kind: String, modelDirectory: String, settings: Settings, logger: Logger) throws {
        if kind == "minilm" {
            try MiniLMEmbedder.verifyFiles(in: URL(fileURLWithPath: modelDirectory))
        } else {
            _ = try self.make(kind: kind, modelDirectory: modelDirectory, settings: settings, logger: logger)
        }
    }

    public static func make(
        kind: String,
        modelDirectory: String,
        settings: Settings = Settings(),
        logger: Logger
    ) throws -> any Embedder {
        switch kind {
        case "minilm":
            MiniLMEmbedder.configureKernels(
                kernel: try settings.checked("MEMOS_EMBEDDER_KERNEL"),
                spinMilliseconds: try settings.int("MEMOS_EMBEDDER_SPIN_MS")
            )
            // Requests arriving while the model is busy run together as its next batch.
            return MicroBatchingEmbedder(
                base: MeasuredEmbedder(base: try MiniLMEmbedder(directory: URL(fileURLWithPath: modelDirectory)))
            )
        case "openai":
            func required(_ name: String) throws -> String {
                guard let value = try settings.checked(name) else {
                    throw MemOSError(code: .failedPrecondition, message: "MEMOS_EMBEDDER=openai needs \(name)")
                }
                return value
            }
            guard let dimension = try settings.int("MEMOS_EMBEDDING_DIMENSION") else {
                throw MemOSError(
                    code: .failedPrecondition,
                    message: "MEMOS_EMBEDDER=openai needs MEMOS_EMBEDDING_DIMENSION"
                )
            }
            return MeasuredEmbedder(
                base: OpenAIEmbedder(
                    configuration: .init(
                        baseURL: try required("MEMOS_EMBEDDING_URL"),
                        model: try required("MEMOS_EMBEDDING_MODEL"),
                        apiKey: settings.string("MEMOS_EMBEDDING_API_KEY"),
                        dimension: dimension,
                        batchSize: try settings.int("MEMOS_EMBEDDING_BATCH_SIZE") ?? 64
                    ),
                    logger: logger
                )
            )
        case "feature-hash":
            return FeatureHashingEmbedder(dimension: 384)
        default:
            throw MemOSError(
                code: .failedPrecondition,
                message: "unknown embedder '\(kind)'; available: minilm, openai, feature-hash"
            )
        }
    }
}
