import CKernels
import Foundation
import MemOSCore
import Testing

@testable import MemOSEmbedding

/// The reference tokenisation and embeddings of 64 varied inputs (sentence-transformers with PyTorch).
struct Golden: Decodable {
    struct Item: Decodable {
        var text: String
        var input_ids: [Int32]
        var embedding: [Float]
    }

    var items: [Item]

    static let shared: Golden = {
        let url = Bundle.module.url(forResource: "minilm-golden", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }()
}

/// The model folder: `MEMOS_MODEL_DIR`, or `.local/models/all-MiniLM-L6-v2` in the repository.
enum ModelFolder {
    static let url: URL = {
        if let configured = ProcessInfo.processInfo.environment["MEMOS_MODEL_DIR"], !configured.isEmpty {
            return URL(fileURLWithPath: configured)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".local/models/all-MiniLM-L6-v2")
    }()

    static var isPresent: Bool {
        FileManager.default.fileExists(atPath: self.url.appendingPathComponent("model.safetensors").path)
    }

    static let embedder: MiniLMEmbedder? = try? MiniLMEmbedder(directory: url)
}

@Suite(
    "all-MiniLM-L6-v2 matches the reference implementation",
    .enabled(if: ModelFolder.isPresent, "model files absent: run scripts/fetch-model.sh (scripts/test.sh does)")
)
struct MiniLMParityTests {
    @Test("token ids are identical for every golden input")
    func tokenIDs() throws {
        let embedder = try #require(ModelFolder.embedder)
        for item in Golden.shared.items {
            #expect(embedder.tokenizer.encode(item.text) == item.input_ids, "\(item.text.prefix(60).debugDescription)")
        }
    }

    @Test("the byte-table tokenizer gives the ids of BERT's string-dictionary algorithm, cut texts and odd words too")
    func pieceTable() throws {
        let tokenizer = try #require(ModelFolder.embedder).tokenizer
        let reference = try ReferenceWordPiece(
            vocabulary: String(contentsOf: ModelFolder.url.appendingPathComponent("vocab.txt"), encoding: .utf8)
        )
        var texts = Golden.shared.items.map(\.text)
        for text in Golden.shared.items.map(\.text) {
            let characters = Array(text)
            for cut in stride(from: 1, to: characters.count, by: 7) { texts.append(String(characters[cut...])) }
        }
        texts += [
            "naïve café déjà vu ÅNGSTRÖM", "東京タワーに行きました", "😀 emoji 🇩🇪 flags", "Ωmega ßtraße İstanbul",
            String(repeating: "a", count: 100), String(repeating: "b", count: 101), "xqzvbnmtrewq ##a # ##",
            String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 40), "\u{200B}zero\u{00A0}width",
        ]
        for text in texts {
            let expected = reference.pieces(of: text)
            #expect(tokenizer.countPieces(text) == expected.count, "\(text.prefix(40).debugDescription)")
            let limit = tokenizer.maxLength - 2
            #expect(
                tokenizer.encode(text) == [tokenizer.clsID] + expected.prefix(limit) + [tokenizer.sepID],
                "\(text.prefix(40).debugDescription)"
            )
        }
    }

    @Test("lines joined by a line break have the word pieces of each line: the fast reader's windows rely on it")
    func piecesAddUpAcrossLines() throws {
        let tokenizer = try #require(ModelFolder.embedder).tokenizer
        let texts = Golden.shared.items.map(\.text)
        for (first, second) in zip(texts, texts.dropFirst()) {
            #expect(
                tokenizer.countPieces(first + "\n" + second) == tokenizer.countPieces(first)
                    + tokenizer.countPieces(second),
                "\(first.prefix(30).debugDescription) + \(second.prefix(30).debugDescription)"
            )
        }
    }

    @Test("embeddings have cosine ≥ 0.9999 with the reference, one at a time and in one batch")
    func embeddings() async throws {
        try await Self.expectParity(try #require(ModelFolder.embedder))
    }

    @Test(
        "the half-float kernels, and BLAS for batches, match the reference too",
        .enabled(if: memos_kernel_supported(MEMOS_KERNEL_AVX2) != 0, "no AVX2: the portable kernel is this CPU's")
    )
    func halfFloatPath() async throws {
        // The path of CPUs without AVX512_BF16, whatever this one has.
        let kernel = memos_kernel_supported(MEMOS_KERNEL_AVX512) != 0 ? MEMOS_KERNEL_AVX512 : MEMOS_KERNEL_AVX2
        try await Self.expectParity(try MiniLMEmbedder(directory: ModelFolder.url, verify: false, kernel: kernel))
    }

    static func expectParity(_ embedder: MiniLMEmbedder) async throws {
        let items = Golden.shared.items
        let batched = try await embedder.embed(items.map(\.text))
        for (item, vector) in zip(items, batched) {
            #expect(VectorMath.cosine(vector, item.embedding) >= 0.9999, "\(item.text.prefix(60).debugDescription)")
        }
        // A few texts: each layer split between the two threads, not whole texts per thread (TextUnits).
        let few = Array(items.filter { $0.input_ids.count > 24 }.prefix(3))
        for (item, vector) in zip(few, try await embedder.embed(few.map(\.text))) {
            #expect(VectorMath.cosine(vector, item.embedding) >= 0.9999, "\(item.text.prefix(60).debugDescription)")
        }
        // One at a time, every input short enough for the 16-bit kernels, and a few longer ones.
        let short = items.filter { $0.input_ids.count <= 24 }
        #expect(short.count >= 40)
        for item in short + items.filter({ $0.input_ids.count > 24 }).prefix(4) {
            let single = try await embedder.embed([item.text])[0]
            #expect(VectorMath.cosine(single, item.embedding) >= 0.9999, "\(item.text.prefix(60).debugDescription)")
        }
    }

    @Test("a batch goes to the threads as units of whole texts, longest first, short ones together")
    func textUnits() throws {
        let model = try #require(ModelFolder.embedder).model
        let lengths = [3, 70, 20, 20, 100, 30, 5, 64, 2]
        let units = try #require(TextUnits(lengths.map { [Int32](repeating: 101, count: $0) }, model: model)).units
        #expect(units == [[4], [1], [7], [5, 2, 3], [6, 0, 8]])
        // Too few units to keep two threads busy to the end: the layers are split instead.
        #expect(TextUnits([[Int32]](repeating: [101, 102], count: 8), model: model) == nil)
        #expect(TextUnits([[Int32]](repeating: [Int32](repeating: 101, count: 200), count: 3), model: model) == nil)
    }

    @Test("a question finds its answer among unrelated memories")
    func retrieval() async throws {
        let embedder = try #require(ModelFolder.embedder)
        let memories = [
            "The user's dog is named Max.",
            "The user lives in Berlin and works as a nurse.",
            "The quarterly report is due on Friday.",
            "The user prefers window seats on long flights.",
        ]
        let vectors = try await embedder.embed(memories)
        let query = try await embedder.embed(["what is my dog called"])[0]
        let best = vectors.indices.max { VectorMath.dot(query, vectors[$0]) < VectorMath.dot(query, vectors[$1]) }
        #expect(best == 0)
    }
}

@Suite("WordPiece normalisation")
struct WordPieceNormalisationTests {
    @Test("an ASCII text takes the byte path, which gives what the Unicode path gives")
    func asciiPath() {
        let every = String((0..<128).map { Character(Unicode.Scalar(UInt8($0))) })
        for text in [every, "Alice's CAT\tsat,\r\non the mat!", "", "  \u{0B}x\u{7F}y  "] {
            #expect(
                WordPieceTokenizer.normalizeASCII(text) == WordPieceTokenizer.normalizeUnicode(text),
                "\(text.debugDescription)"
            )
        }
        #expect(WordPieceTokenizer.normalizeASCII("café") == nil)
    }
}

@Suite("MiniLM model files")
struct ModelFileTests {
    @Test("a missing model folder gives an error that says how to fetch it")
    func missing() {
        do {
            _ = try MiniLMEmbedder(directory: URL(fileURLWithPath: "/nonexistent/minilm"))
            Issue.record("expected an error")
        } catch let error as MemOSError {
            #expect(error.code == .failedPrecondition)
            #expect(error.message.contains("scripts/fetch-model.sh"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a corrupt model file is rejected", .enabled(if: ModelFolder.isPresent))
    func corrupt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minilm-corrupt-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            at: ModelFolder.url.appendingPathComponent("vocab.txt"),
            to: folder.appendingPathComponent("vocab.txt")
        )
        try Data("not a model".utf8).write(to: folder.appendingPathComponent("model.safetensors"))
        #expect(throws: MemOSError.self) { try MiniLMEmbedder(directory: folder) }
    }
}

/// WordPiece as BERT writes it (a string dictionary, a string per candidate piece): what the tokenizer's byte
/// tables must give.
struct ReferenceWordPiece {
    let vocabulary: [String: Int32]

    init(vocabulary text: String) {
        var vocabulary: [String: Int32] = [:]
        var id: Int32 = 0
        text.enumerateLines { line, _ in
            vocabulary[line] = id
            id += 1
        }
        self.vocabulary = vocabulary
    }

    func pieces(of text: String) -> [Int32] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in WordPieceTokenizer.normalize(text) {
            if WordPieceTokenizer.isWhitespace(scalar) || WordPieceTokenizer.isPunctuation(scalar) {
                if !current.isEmpty { words.append(current) }
                current = []
                if WordPieceTokenizer.isPunctuation(scalar) { words.append([scalar]) }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.flatMap(self.wordPiece)
    }

    func wordPiece(_ word: [Unicode.Scalar]) -> [Int32] {
        let unknown = self.vocabulary["[UNK]"]!
        if word.count > 100 { return [unknown] }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = self.vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknown] }
            pieces.append(id)
            start = end
        }
        return pieces
    }
}
