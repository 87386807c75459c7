import CKernels
import Foundation

/// A BERT encoder (all-MiniLM-L6-v2's shape by default) with mean pooling, run on the CPU through own kernels with
/// 16-bit weights (CKernels) and BLAS (see ``packedTokenLimit(_:)``).
///
/// Every token of a batch goes through the dense layers together as one matrix (no padding); attention runs per
/// text. The weights are immutable, so one model serves any number of concurrent calls.
final class BertModel: Sendable {
    struct Shape: Sendable {
        var vocabulary = 30_522
        var hidden = 384
        var layers = 6
        var heads = 12
        var intermediate = 1_536
        var maxPositions = 512
        var layerNormEpsilon: Float = 1e-12
    }

    /// A fully connected layer: output = input · weightᵀ + bias.
    struct Dense: Sendable {
        /// [outputs × inputs], row-major; empty where every batch takes the packed weights.
        let weight: [Float]
        /// `weight` as 16-bit floats in the kernels' panels, for batches of at most `packedTokenLimit` tokens.
        let packedWeight: PackedWeights
        let packedTokenLimit: Int
        let bias: [Float]
        let inputs: Int
        let outputs: Int

        init(weight: [Float], bias: [Float], inputs: Int, kernel: memos_kernel_isa) {
            self.packedTokenLimit = BertModel.packedTokenLimit(kernel)
            self.weight = self.packedTokenLimit == .max ? [] : weight
            self.bias = bias
            self.inputs = inputs
            self.outputs = bias.count
            self.packedWeight = PackedWeights(weight, outputs: bias.count, inputs: inputs, kernel: kernel)
        }

        /// output (rows × outputs) ← input (rows × inputs) · weightᵀ + bias, then GELU where `gelu`.
        func apply(_ input: [Float], rows: Int, into output: inout [Float], gelu: Bool = false) {
            input.withUnsafeBufferPointer { input in
                self.bias.withUnsafeBufferPointer { bias in
                    output.withUnsafeMutableBufferPointer { output in
                        if rows <= self.packedTokenLimit {
                            // The kernels apply GELU to each block of outputs while it is in cache.
                            MatrixMultiply.linearPacked(
                                m: rows,
                                x: input.baseAddress!,
                                weights: self.packedWeight,
                                bias: bias.baseAddress!,
                                activation: gelu ? MEMOS_ACTIVATION_GELU : MEMOS_ACTIVATION_NONE,
                                y: output.baseAddress!
                            )
                            return
                        }
                        for row in 0..<rows {
                            let start = output.baseAddress! + row * self.outputs
                            start.update(from: bias.baseAddress!, count: self.outputs)
                        }
                        self.weight.withUnsafeBufferPointer { weight in
                            MatrixMultiply.gemm(
                                m: rows,
                                n: self.outputs,
                                k: self.inputs,
                                alpha: 1,
                                a: input.baseAddress!,
                                lda: self.inputs,
                                b: weight.baseAddress!,
                                ldb: self.inputs,
                                transposeB: true,
                                beta: 1,
                                c: output.baseAddress!,
                                ldc: self.outputs
                            )
                        }
                        if gelu {
                            VectorKernels.gelu(UnsafeMutableBufferPointer(rebasing: output[0..<(rows * self.outputs)]))
                        }
                    }
                }
            }
        }
    }

    struct Layer: Sendable {
        /// Query, key and value stacked: 3·hidden outputs.
        var qkv: Dense
        var attentionOut: Dense
        var attentionNormWeight: [Float]
        var attentionNormBias: [Float]
        var intermediate: Dense
        var output: Dense
        var outputNormWeight: [Float]
        var outputNormBias: [Float]
    }

    /// Batches of at most this many word pieces in all run the linear layers with 16-bit weights (own kernels
    /// that convert every weight once per 12 tokens, half the bytes of floats); larger ones with float weights
    /// through BLAS. With bfloat16 (AVX512_BF16) the own kernels are faster at every size (727 against 424 short
    /// texts/s in batches of 32), so every batch takes them and the float weights are not kept. The parity tests
    /// hold the paths to the reference embeddings (single texts and one batch).
    static func packedTokenLimit(_ kernel: memos_kernel_isa) -> Int {
        memos_kernel_resolve(kernel) == MEMOS_KERNEL_AVX512_BF16 ? .max : 24
    }

    let shape: Shape
    /// The instruction set of the own kernels (``MatrixMultiply/kernel`` unless a test picks another).
    let kernel: memos_kernel_isa
    let wordEmbeddings: [Float]
    let positionEmbeddings: [Float]
    let tokenTypeEmbedding: [Float]
    let embeddingNormWeight: [Float]
    let embeddingNormBias: [Float]
    let layers: [Layer]

    init(tensors: SafeTensors, shape: Shape = Shape(), kernel: memos_kernel_isa = MatrixMultiply.kernel) throws {
        let h = shape.hidden
        self.shape = shape
        self.kernel = memos_kernel_resolve(kernel)
        self.wordEmbeddings = try tensors.floats("embeddings.word_embeddings.weight", shape: [shape.vocabulary, h])
        self.positionEmbeddings = try tensors.floats(
            "embeddings.position_embeddings.weight",
            shape: [shape.maxPositions, h]
        )
        self.tokenTypeEmbedding = Array(
            try tensors.floats("embeddings.token_type_embeddings.weight", shape: [2, h])[0..<h]
        )
        self.embeddingNormWeight = try tensors.floats("embeddings.LayerNorm.weight", shape: [h])
        self.embeddingNormBias = try tensors.floats("embeddings.LayerNorm.bias", shape: [h])
        self.layers = try (0..<shape.layers).map { index in
            let p = "encoder.layer.\(index)."
            let attention = p + "attention."
            let projections = ["query", "key", "value"].map { attention + "self.\($0)." }
            return Layer(
                qkv: Dense(
                    weight: try projections.flatMap { try tensors.floats($0 + "weight", shape: [h, h]) },
                    bias: try projections.flatMap { try tensors.floats($0 + "bias", shape: [h]) },
                    inputs: h,
                    kernel: kernel
                ),
                attentionOut: Dense(
                    weight: try tensors.floats(attention + "output.dense.weight", shape: [h, h]),
                    bias: try tensors.floats(attention + "output.dense.bias", shape: [h]),
                    inputs: h,
                    kernel: kernel
                ),
                attentionNormWeight: try tensors.floats(attention + "output.LayerNorm.weight", shape: [h]),
                attentionNormBias: try tensors.floats(attention + "output.LayerNorm.bias", shape: [h]),
                intermediate: Dense(
                    weight: try tensors.floats(p + "intermediate.dense.weight", shape: [shape.intermediate, h]),
                    bias: try tensors.floats(p + "intermediate.dense.bias", shape: [shape.intermediate]),
                    inputs: h,
                    kernel: kernel
                ),
                output: Dense(
                    weight: try tensors.floats(p + "output.dense.weight", shape: [h, shape.intermediate]),
                    bias: try tensors.floats(p + "output.dense.bias", shape: [h]),
                    inputs: shape.intermediate,
                    kernel: kernel
                ),
                outputNormWeight: try tensors.floats(p + "output.LayerNorm.weight", shape: [h]),
                outputNormBias: try tensors.floats(p + "output.LayerNorm.bias", shape: [h])
            )
        }
    }

    /// Mean-pooled, L2-normalised embeddings of tokenised texts (each at most `maxPositions` ids).
    func embed(_ batch: [[Int32]]) -> [[Float]] {
        let h = self.shape.hidden
        let lengths = batch.map(\.count)
        let offsets = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
        let tokens = offsets.last!
        guard tokens > 0 else { return batch.map { _ in [Float](repeating: 0, count: h) } }

        // Embeddings: word + position + token type 0, then LayerNorm.
        var x = [Float](repeating: 0, count: tokens * h)
        x.withUnsafeMutableBufferPointer { x in
            self.wordEmbeddings.withUnsafeBufferPointer { words in
                self.positionEmbeddings.withUnsafeBufferPointer { positions in
                    self.tokenTypeEmbedding.withUnsafeBufferPointer { tokenType in
                        for (text, ids) in batch.enumerated() {
                            for (position, id) in ids.enumerated() {
                                let row = (offsets[text] + position) * h
                                let word = Int(id) * h
                                let positionRow = position * h
                                for i in 0..<h {
                                    x[row + i] = words[word + i] + positions[positionRow + i] + tokenType[i]
                                }
                            }
                        }
                    }
                }
            }
        }
        Self.layerNorm(
            &x,
            rows: tokens,
            width: h,
            weight: self.embeddingNormWeight,
            bias: self.embeddingNormBias,
            epsilon: self.shape.layerNormEpsilon
        )

        var qkv = [Float](repeating: 0, count: tokens * 3 * h)
        var context = [Float](repeating: 0, count: tokens * h)
        var projected = [Float](repeating: 0, count: tokens * h)
        var intermediate = [Float](repeating: 0, count: tokens * self.shape.intermediate)
        let attentionScratch = memos_attention_scratch(lengths.max() ?? 0, h, self.shape.heads)
        var scratch = [Float](repeating: 0, count: 2 * attentionScratch)
        let (textRows, textLengths) = (offsets.dropLast().map { UInt($0) }, lengths.map { UInt($0) })

        for layer in self.layers {
            layer.qkv.apply(x, rows: tokens, into: &qkv)
            self.attention(qkv: qkv, offsets: textRows, lengths: textLengths, into: &context, scratch: &scratch)
            layer.attentionOut.apply(context, rows: tokens, into: &projected)
            Self.addInPlace(&x, projected)
            Self.layerNorm(
                &x,
                rows: tokens,
                width: h,
                weight: layer.attentionNormWeight,
                bias: layer.attentionNormBias,
                epsilon: self.shape.layerNormEpsilon
            )

            layer.intermediate.apply(x, rows: tokens, into: &intermediate, gelu: true)
            layer.output.apply(intermediate, rows: tokens, into: &projected)
            Self.addInPlace(&x, projected)
            Self.layerNorm(
                &x,
                rows: tokens,
                width: h,
                weight: layer.outputNormWeight,
                bias: layer.outputNormBias,
                epsilon: self.shape.layerNormEpsilon
            )
        }

        return batch.indices.map { text in
            var pooled = [Float](repeating: 0, count: h)
            let length = lengths[text]
            guard length > 0 else { return pooled }
            for position in 0..<length {
                let row = (offsets[text] + position) * h
                for i in 0..<h { pooled[i] += x[row + i] }
            }
            var norm: Float = 0
            for i in 0..<h {
                pooled[i] /= Float(length)
                norm += pooled[i] * pooled[i]
            }
            norm = max(norm.squareRoot(), 1e-12)
            return pooled.map { $0 / norm }
        }
    }

    /// Multi-head self-attention of each text of the batch (CKernels: short texts alone, each head of longer
    /// ones a unit shared with the kernels' partner thread); writes the texts' context rows.
    private func attention(
        qkv: [Float],
        offsets: [UInt],
        lengths: [UInt],
        into context: inout [Float],
        scratch: inout [Float]
    ) {
        let h = self.shape.hidden
        let done = qkv.withUnsafeBufferPointer { qkv in
            context.withUnsafeMutableBufferPointer { context in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    memos_attention_batch(
                        self.kernel,
                        qkv.baseAddress!,
                        offsets,
                        lengths,
                        offsets.count,
                        h,
                        self.shape.heads,
                        context.baseAddress!,
                        h,
                        scratch.baseAddress!
                    )
                }
            }
        }
        precondition(done != 0, "attention heads do not split the hidden size")
    }

    static func addInPlace(_ x: inout [Float], _ y: [Float]) {
        x.withUnsafeMutableBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                for i in 0..<x.count { x[i] += y[i] }
            }
        }
    }

    static func layerNorm(_ x: inout [Float], rows: Int, width: Int, weight: [Float], bias: [Float], epsilon: Float) {
        typealias Lanes = SIMD16<Float>
        let whole = width / Lanes.scalarCount * Lanes.scalarCount
        x.withUnsafeMutableBufferPointer { x in
            weight.withUnsafeBufferPointer { weight in
                bias.withUnsafeBufferPointer { bias in
                    for row in 0..<rows {
                        let values = UnsafeMutableBufferPointer(rebasing: x[(row * width)..<(row * width + width)])
                        let raw = UnsafeRawPointer(values.baseAddress!)
                        // Sixteen running sums: one chain of additions would wait on each one's latency.
                        var lanes = Lanes()
                        for i in stride(from: 0, to: whole, by: Lanes.scalarCount) {
                            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
                        }
                        var mean = lanes.sum()
                        for i in whole..<width { mean += values[i] }
                        mean /= Float(width)
                        lanes = Lanes()
                        for i in stride(from: 0, to: whole, by: Lanes.scalarCount) {
                            let centred = raw.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self) - mean
                            lanes += centred * centred
                        }
                        var variance = lanes.sum()
                        for i in whole..<width { variance += (values[i] - mean) * (values[i] - mean) }
                        variance /= Float(width)
                        let inverse = 1 / (variance + epsilon).squareRoot()
                        for i in 0..<width {
                            values[i] = (values[i] - mean) * inverse * weight[i] + bias[i]
                        }
                    }
                }
            }
        }
    }
}
