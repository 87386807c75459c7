import CKernels
import Foundation
import Testing

@testable import MemOSEmbedding

/// The 16-bit linear kernels (CKernels) against a plain float loop, for every variant this CPU runs.
@Suite("16-bit linear kernels")
struct LinearPackedKernelTests {
    static let variants = [MEMOS_KERNEL_SCALAR, MEMOS_KERNEL_AVX2, MEMOS_KERNEL_AVX512, MEMOS_KERNEL_AVX512_BF16].filter
    {
        memos_kernel_supported($0) != 0
    }

    /// Deterministic values in [-1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }

    /// Whether `actual` is the float product within what rounding to 16 bits allows: with half-float weights
    /// each weight moves by at most 2⁻¹¹ of itself; with bfloat16 weights and inputs, each product by 2⁻⁸.
    static func expectClose(
        _ actual: Float,
        x: ArraySlice<Float>,
        w: ArraySlice<Float>,
        bias: Float,
        kernel: memos_kernel_isa,
        _ comment: Comment
    ) {
        let tolerance: Float = memos_kernel_resolve(kernel) == MEMOS_KERNEL_AVX512_BF16 ? 1 / 128 : 1 / 2048
        var exact = bias
        var magnitude: Float = 0
        for (a, b) in zip(x, w) {
            exact += a * b
            magnitude += abs(a * b)
        }
        #expect(abs(actual - exact) <= magnitude * tolerance + 1e-5, comment)
    }

    /// `weights` packed into the kernels' panels for `kernel`.
    static func packed(_ weights: [Float], outputs n: Int, inputs k: Int, kernel: memos_kernel_isa) -> [UInt16] {
        var packed = [UInt16](repeating: 0xFFFF, count: memos_packed_count(n, k))
        memos_pack_weights(kernel, weights, n, k, &packed)
        return packed
    }

    @Test("half-float packing puts each panel's 32 outputs side by side for every input, zero past the last output")
    func halfPacking() {
        let n = 40
        let k = 3
        let weights = (0..<(n * k)).map { Float($0) }
        let packed = Self.packed(weights, outputs: n, inputs: k, kernel: MEMOS_KERNEL_SCALAR)
        #expect(packed.count == 2 * 32 * 4)  // k rounded up to even
        var back = [Float](repeating: .nan, count: packed.count)
        memos_f16_to_f32(packed, &back, packed.count)
        for panel in 0..<2 {
            for i in 0..<k {
                for j in 0..<32 {
                    let o = panel * 32 + j
                    #expect(
                        back[(panel * k + i) * 32 + j] == (o < n ? weights[o * k + i] : 0),
                        "panel \(panel) i \(i) j \(j)"
                    )
                }
            }
        }
    }

    @Test(
        "bfloat16 packing pairs consecutive inputs of each output, zero past the last output and input",
        .enabled(if: memos_kernel_supported(MEMOS_KERNEL_AVX512_BF16) != 0, "this CPU has no AVX512_BF16")
    )
    func bfloatPacking() {
        let n = 40
        let k = 3
        let weights = (0..<(n * k)).map { Float($0) }  // small integers: exact in bfloat16
        let packed = Self.packed(weights, outputs: n, inputs: k, kernel: MEMOS_KERNEL_AVX512_BF16)
        #expect(packed.count == 2 * 32 * 4)
        for panel in 0..<2 {
            for i in stride(from: 0, to: 4, by: 2) {
                for j in 0..<32 {
                    for e in 0..<2 {
                        let o = panel * 32 + j
                        let value = Float(bitPattern: UInt32(packed[(panel * 4 + i) * 32 + 2 * j + e]) << 16)
                        let expected = o < n && i + e < k ? weights[o * k + i + e] : 0
                        #expect(value == expected, "panel \(panel) i \(i + e) j \(j)")
                    }
                }
            }
        }
    }

    @Test(
        "a range of panels, with row strides, matches the float product; other columns stay untouched",
        arguments: [1, 7, 17, 40, 384]
    )
    func panelRange(inputs k: Int) {
        // 70 outputs: panels 0 and 1 are full, panel 2 holds 6; the range [1, 3) ends in the partial panel.
        let n = 70
        let width = 75
        let offset = 2
        let weights = Self.values(n * k, seed: UInt64(k))
        let bias = Self.values(n, seed: 99)
        for variant in Self.variants {
            let packed = Self.packed(weights, outputs: n, inputs: k, kernel: variant)
            for m in [1, 2, 5, 12, 13, 21, 24] {
                let ldx = k + 3
                let x = Self.values(m * ldx, seed: UInt64(m * 1000 + k))
                var y = [Float](repeating: .nan, count: m * width)
                y.withUnsafeMutableBufferPointer { y in
                    memos_linear_packed(
                        variant,
                        MEMOS_ACTIVATION_NONE,
                        x,
                        ldx,
                        m,
                        k,
                        packed,
                        bias,
                        n,
                        1,
                        3,
                        y.baseAddress! + offset,
                        width
                    )
                }
                for t in 0..<m {
                    for column in 0..<width {
                        let value = y[t * width + column]
                        let o = column - offset
                        guard (32..<n).contains(o) else {
                            #expect(value.isNaN, "variant \(variant.rawValue) k \(k) m \(m): column \(column) written")
                            continue
                        }
                        Self.expectClose(
                            value,
                            x: x[(t * ldx)..<(t * ldx + k)],
                            w: weights[(o * k)..<((o + 1) * k)],
                            bias: bias[o],
                            kernel: variant,
                            "variant \(variant.rawValue) k \(k) m \(m) token \(t) output \(o)"
                        )
                    }
                }
            }
        }
    }

    /// The layer of `weights` through ``MatrixMultiply/linearPacked``, checked against the float product.
    static func expectLayer(_ weights: PackedWeights, floats: [Float], bias: [Float], rows m: Int, seed: UInt64) {
        let (n, k) = (weights.outputs, weights.inputs)
        let x = Self.values(m * k, seed: seed)
        var y = [Float](repeating: .nan, count: m * n)
        x.withUnsafeBufferPointer { x in
            bias.withUnsafeBufferPointer { b in
                y.withUnsafeMutableBufferPointer { y in
                    MatrixMultiply.linearPacked(
                        m: m,
                        x: x.baseAddress!,
                        weights: weights,
                        bias: b.baseAddress!,
                        y: y.baseAddress!
                    )
                }
            }
        }
        for t in 0..<m {
            for o in 0..<n {
                Self.expectClose(
                    y[t * n + o],
                    x: x[(t * k)..<((t + 1) * k)],
                    w: floats[(o * k)..<((o + 1) * k)],
                    bias: bias[o],
                    kernel: weights.kernel,
                    "seed \(seed) token \(t) column \(o)"
                )
            }
        }
    }

    @Test("the two-thread entry point computes every column with every kernel", arguments: [1, 5, 24, 25, 131, 300])
    func split(rows m: Int) {
        let k = 41
        let n = 1_154  // 37 panels, the last one partial: the halves are uneven; k is odd. Over 24 rows the
        // threads split the rows, in passes of 48 (floats) or 128 (bfloat16): each half of 300 crosses a pass.
        let weights = Self.values(n * k, seed: 5)
        let bias = Self.values(n, seed: 6)
        for variant in Self.variants {
            Self.expectLayer(
                PackedWeights(weights, outputs: n, inputs: k, kernel: variant),
                floats: weights,
                bias: bias,
                rows: m,
                seed: 7
            )
        }
    }

    @Test("callers at once, waking the partner and sending it to rest around their layers: every result is right")
    func concurrentCallers() async {
        let k = 64
        let n = 96
        let weights = Self.values(n * k, seed: 11)
        let packed = PackedWeights(weights, outputs: n, inputs: k)
        let bias = Self.values(n, seed: 12)
        await withTaskGroup(of: Void.self) { group in
            for caller in 0..<8 {
                group.addTask {
                    for round in 0..<50 {
                        // Every other round bracketed as an embedder brackets a forward pass, while other
                        // callers' passes begin and end around it.
                        let bracketed = (caller + round) % 2 == 0
                        if bracketed { memos_partner_wake() }
                        defer { if bracketed { memos_partner_rest() } }
                        Self.expectLayer(
                            packed,
                            floats: weights,
                            bias: bias,
                            rows: 1 + (caller + round) % 24,
                            seed: UInt64(caller * 100 + round)
                        )
                    }
                }
            }
        }
    }

    @Test("GELU applied by every kernel to its outputs is the float GELU of the product", arguments: [7, 384])
    func gelu(inputs k: Int) {
        let n = 45
        let m = 13  // a full and a partial panel; blocks of 7 and 6 tokens
        let weights = Self.values(n * k, seed: 21).map { $0 * 3 }  // outputs spread over GELU's curved range
        let bias = Self.values(n, seed: 22)
        let x = Self.values(m * k, seed: 23)
        for variant in Self.variants {
            let packed = Self.packed(weights, outputs: n, inputs: k, kernel: variant)
            var plain = [Float](repeating: .nan, count: m * n)
            var activated = plain
            memos_linear_packed(variant, MEMOS_ACTIVATION_NONE, x, k, m, k, packed, bias, n, 0, 2, &plain, n)
            memos_linear_packed(variant, MEMOS_ACTIVATION_GELU, x, k, m, k, packed, bias, n, 0, 2, &activated, n)
            plain.withUnsafeMutableBufferPointer { VectorKernels.gelu($0) }
            for (index, (expected, actual)) in zip(plain, activated).enumerated() {
                #expect(
                    abs(expected - actual) <= 1e-5 * max(1, abs(expected)),
                    "variant \(variant.rawValue) k \(k) at \(index)"
                )
            }
        }
        // Far into both tails: GELU(x) → x and → 0, without overflow in e^(-x²/2).
        for variant in Self.variants {
            let packed = Self.packed([1], outputs: 1, inputs: 1, kernel: variant)
            let inputs: [Float] = [-100, -8, -3, -0.5, 0, 0.5, 3, 8, 100]
            var y = [Float](repeating: .nan, count: inputs.count)
            memos_linear_packed(variant, MEMOS_ACTIVATION_GELU, inputs, 1, inputs.count, 1, packed, [0], 1, 0, 1, &y, 1)
            let expected: [Float] = [0, 0, -0.004_049_7, -0.154_268_7, 0, 0.345_731_3, 2.995_950_3, 8, 100]
            for (value, wanted) in zip(y, expected) {
                #expect(
                    abs(value - wanted) <= 2e-3 * max(1, abs(wanted)),
                    "variant \(variant.rawValue): \(value) ≠ \(wanted)"
                )
            }
        }
    }

    @Test(
        "short attention matches softmax(QKᵀ/√d)·V computed in doubles, for every kernel",
        arguments: [1, 5, 16, 17, 32]
    )
    func attention(tokens n: Int) {
        let (hidden, heads, ldc) = (96, 3, 96 + 5)
        let qkv = Self.values(n * 3 * hidden, seed: UInt64(n)).map { $0 * 2 }
        let expected = Self.referenceAttention(qkv, lengths: [n], hidden: hidden, heads: heads, ldc: ldc)
        for variant in [MEMOS_KERNEL_SCALAR, MEMOS_KERNEL_AVX512].filter({ memos_kernel_supported($0) != 0 }) {
            var context = [Float](repeating: .nan, count: n * ldc)
            #expect(memos_attention_short(variant, qkv, n, hidden, heads, &context, ldc) == 1)
            Self.expectContext(context, expected, hidden: hidden, ldc: ldc, variant: variant)
        }
    }

    @Test("softmax of longer rows matches one computed in doubles, for every kernel", arguments: [1, 15, 16, 33, 130])
    func softmaxRows(length n: Int) {
        let rows = 3
        let scores = Self.values(rows * n, seed: UInt64(n)).map { $0 * 20 }
        for variant in [MEMOS_KERNEL_SCALAR, MEMOS_KERNEL_AVX512].filter({ memos_kernel_supported($0) != 0 }) {
            var computed = scores
            memos_softmax_rows(variant, &computed, rows, n)
            for row in 0..<rows {
                let values = scores[(row * n)..<(row * n + n)].map(Double.init)
                let exps = values.map { Foundation.exp($0 - values.max()!) }
                let total = exps.reduce(0, +)
                for j in 0..<n {
                    #expect(
                        abs(Double(computed[row * n + j]) - exps[j] / total) <= 1e-6,
                        "variant \(variant.rawValue) row \(row) score \(j)"
                    )
                }
            }
        }
    }

    @Test(
        "batch attention matches softmax(QKᵀ/√d)·V computed in doubles for texts of any length, for every kernel",
        arguments: [[19], [3, 40], [130, 1, 77, 300], (0..<8).map { 20 + 9 * $0 }]
    )
    func batchAttention(lengths: [Int]) {
        let (hidden, heads, ldc) = (96, 3, 96 + 3)
        let offsets = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
        let rows = offsets.last!
        let qkv = Self.values(rows * 3 * hidden, seed: UInt64(rows)).map { $0 * 2 }
        let expected = Self.referenceAttention(qkv, lengths: lengths, hidden: hidden, heads: heads, ldc: ldc)
        for variant in [MEMOS_KERNEL_SCALAR, MEMOS_KERNEL_AVX512].filter({ memos_kernel_supported($0) != 0 }) {
            var context = [Float](repeating: .nan, count: rows * ldc)
            var scratch = [Float](repeating: .nan, count: 2 * memos_attention_scratch(lengths.max()!, hidden, heads))
            let (textRows, textLengths): ([UInt], [UInt]) = (
                offsets.dropLast().map { UInt($0) }, lengths.map { UInt($0) }
            )
            let done = memos_attention_batch(
                variant,
                qkv,
                textRows,
                textLengths,
                lengths.count,
                hidden,
                heads,
                &context,
                ldc,
                &scratch
            )
            #expect(done == 1)
            Self.expectContext(context, expected, hidden: hidden, ldc: ldc, variant: variant)
        }
    }

    /// softmax(QKᵀ/√d)·V of each text (consecutive rows of `qkv`, `lengths` long), in doubles: rows of `ldc`,
    /// the columns past `hidden` left NaN.
    static func referenceAttention(_ qkv: [Float], lengths: [Int], hidden: Int, heads: Int, ldc: Int) -> [Double] {
        let (size, stride) = (hidden / heads, 3 * hidden)
        var expected = [Double](repeating: .nan, count: lengths.reduce(0, +) * ldc)
        var base = 0
        for n in lengths {
            for head in 0..<heads {
                let (q, k, v) = (head * size, hidden + head * size, 2 * hidden + head * size)
                for i in 0..<n {
                    let scores = (0..<n).map { j in
                        (0..<size).reduce(0.0) {
                            $0 + Double(qkv[(base + i) * stride + q + $1]) * Double(qkv[(base + j) * stride + k + $1])
                        }
                            / Double(size).squareRoot()
                    }
                    let exps = scores.map { Foundation.exp($0 - scores.max()!) }
                    let total = exps.reduce(0, +)
                    for d in 0..<size {
                        expected[(base + i) * ldc + head * size + d] = (0..<n).reduce(0.0) {
                            $0 + exps[$1] / total * Double(qkv[(base + $1) * stride + v + d])
                        }
                    }
                }
            }
            base += n
        }
        return expected
    }

    /// Each column below `hidden` within 1e-5 of `expected`, the columns past it not written.
    static func expectContext(
        _ context: [Float],
        _ expected: [Double],
        hidden: Int,
        ldc: Int,
        variant: memos_kernel_isa
    ) {
        for (index, value) in context.enumerated() {
            let (row, column) = index.quotientAndRemainder(dividingBy: ldc)
            if column >= hidden {
                #expect(value.isNaN, "variant \(variant.rawValue): column \(column) written")
            } else {
                #expect(
                    abs(Double(value) - expected[index]) <= 1e-5,
                    "variant \(variant.rawValue) row \(row) column \(column)"
                )
            }
        }
    }

    @Test("short attention refuses what it cannot compute, and writes nothing")
    func attentionRefusals() {
        var context = [Float](repeating: .nan, count: 33 * 96)
        let qkv = [Float](repeating: 1, count: 33 * 288)
        #expect(memos_attention_short(MEMOS_KERNEL_AUTO, qkv, 33, 96, 3, &context, 96) == 0)  // too many tokens
        #expect(memos_attention_short(MEMOS_KERNEL_AUTO, qkv, 0, 96, 3, &context, 96) == 0)
        #expect(memos_attention_short(MEMOS_KERNEL_AUTO, qkv, 4, 96, 5, &context, 96) == 0)  // 96 / 5 is no head size
        #expect(memos_attention_short(MEMOS_KERNEL_AUTO, qkv, 4, 96, 0, &context, 96) == 0)
        let untouched = context.allSatisfy { $0.isNaN }
        #expect(untouched)
    }

    /// IEEE half floats of `floats`, through CKernels' conversion.
    static func halves(_ floats: [Float]) -> [UInt16] {
        var halves = [UInt16](repeating: 0, count: floats.count)
        memos_f32_to_f16(floats, &halves, floats.count)
        return halves
    }

    @Test("half-float conversion rounds to nearest even and round-trips every half")
    func conversion() {
        let floats: [Float] = [
            1, -2, 65_504, 65_520, 1e6, 1 + 1 / 2048, 1 + 3 / 2048, 0x1p-24, 0x1p-25, -0.0, .infinity,
        ]
        #expect(
            Self.halves(floats) == [
                0x3C00, 0xC000, 0x7BFF, 0x7C00, 0x7C00, 0x3C00, 0x3C02, 0x0001, 0x0000, 0x8000, 0x7C00,
            ]
        )
        let halves = (0...UInt16.max).filter { $0 & 0x7C00 != 0x7C00 || $0 & 0x3FF == 0 }  // all but NaNs
        var back = [Float](repeating: 0, count: halves.count)
        memos_f16_to_f32(halves, &back, halves.count)
        #expect(Self.halves(back) == halves)
        #expect(back[0x3555] == Float(0x1.554p-2))
    }

    @Test("the search index's dot product matches a double-precision sum at every length a tail can take")
    func dot() {
        for count in [0, 1, 15, 16, 17, 63, 64, 65, 127, 384, 385, 768] {
            let a = Self.values(count, seed: 11 + UInt64(count))
            let b = Self.values(count, seed: 97 + UInt64(count))
            let expected = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let actual = memos_dot(a, b, count)
            #expect(abs(Double(actual) - expected) <= 1e-5 * Double(max(count, 1)), "length \(count)")
        }
    }
}
