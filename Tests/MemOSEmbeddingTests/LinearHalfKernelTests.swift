import CKernels
import Testing

@testable import MemOSEmbedding

/// The half-float linear kernels (CKernels) against a plain float loop, for every variant this CPU runs.
@Suite("half-float linear kernels")
struct LinearHalfKernelTests {
    static let variants = [MEMOS_KERNEL_SCALAR, MEMOS_KERNEL_AVX2, MEMOS_KERNEL_AVX512].filter {
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

    /// Whether `actual` is the float product within what rounding the weights to half floats allows: each
    /// weight moves by at most 2⁻¹¹ of itself.
    static func expectClose(
        _ actual: Float, x: ArraySlice<Float>, w: ArraySlice<Float>, bias: Float, _ comment: Comment
    ) {
        var exact = bias
        var magnitude: Float = 0
        for (a, b) in zip(x, w) {
            exact += a * b
            magnitude += abs(a * b)
        }
        #expect(abs(actual - exact) <= magnitude / 2048 + 1e-5, comment)
    }

    @Test(
        "a column range of a layer, with a row stride, matches the float product; other columns stay untouched",
        arguments: [1, 7, 8, 17, 40, 384]
    )
    func columnRange(inputs k: Int) {
        let width = 13, first = 3, count = 7  // 7 columns: one block of 4 weight rows and 3 single rows
        let weights = Self.values(width * k, seed: UInt64(k))
        let half = MatrixMultiply.halfPrecision(weights)
        let bias = Self.values(width, seed: 99)
        for variant in Self.variants {
            for m in 1...5 {
                let x = Self.values(m * k, seed: UInt64(m * 1000 + k))
                var y = [Float](repeating: .nan, count: m * width)
                x.withUnsafeBufferPointer { x in
                    half.withUnsafeBufferPointer { w in
                        bias.withUnsafeBufferPointer { b in
                            y.withUnsafeMutableBufferPointer { y in
                                memos_linear_f16(
                                    variant, x.baseAddress!, k, m, k, w.baseAddress! + first * k,
                                    b.baseAddress! + first, count, y.baseAddress! + first, width
                                )
                            }
                        }
                    }
                }
                for t in 0..<m {
                    for o in 0..<width {
                        let value = y[t * width + o]
                        guard (first..<(first + count)).contains(o) else {
                            #expect(value.isNaN, "variant \(variant.rawValue) k \(k) m \(m): column \(o) written")
                            continue
                        }
                        Self.expectClose(
                            value, x: x[(t * k)..<((t + 1) * k)], w: weights[(o * k)..<((o + 1) * k)], bias: bias[o],
                            "variant \(variant.rawValue) k \(k) m \(m) token \(t) column \(o)"
                        )
                    }
                }
            }
        }
    }

    @Test("the threaded entry point computes every column", arguments: [1, 5, 24])
    func split(rows m: Int) {
        let k = 40, n = 1_154  // the split lands off a multiple of 4 and leaves single rows
        let weights = Self.values(n * k, seed: 5)
        let half = MatrixMultiply.halfPrecision(weights)
        let bias = Self.values(n, seed: 6)
        let x = Self.values(m * k, seed: 7)
        var y = [Float](repeating: .nan, count: m * n)
        x.withUnsafeBufferPointer { x in
            half.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    y.withUnsafeMutableBufferPointer { y in
                        MatrixMultiply.linearHalf(
                            m: m, n: n, k: k, x: x.baseAddress!, w: w.baseAddress!, bias: b.baseAddress!,
                            y: y.baseAddress!
                        )
                    }
                }
            }
        }
        for t in 0..<m {
            for o in 0..<n {
                Self.expectClose(
                    y[t * n + o], x: x[(t * k)..<((t + 1) * k)], w: weights[(o * k)..<((o + 1) * k)], bias: bias[o],
                    "token \(t) column \(o)"
                )
            }
        }
    }

    @Test("half-float conversion rounds to nearest even and round-trips every half")
    func conversion() {
        let floats: [Float] = [
            1, -2, 65_504, 65_520, 1e6, 1 + 1 / 2048, 1 + 3 / 2048, 0x1p-24, 0x1p-25, -0.0, .infinity,
        ]
        #expect(MatrixMultiply.halfPrecision(floats) == [
            0x3C00, 0xC000, 0x7BFF, 0x7C00, 0x7C00, 0x3C00, 0x3C02, 0x0001, 0x0000, 0x8000, 0x7C00,
        ])
        let halves = (0...UInt16.max).filter { $0 & 0x7C00 != 0x7C00 || $0 & 0x3FF == 0 }  // all but NaNs
        var back = [Float](repeating: 0, count: halves.count)
        memos_f16_to_f32(halves, &back, halves.count)
        #expect(MatrixMultiply.halfPrecision(back) == halves)
        #expect(back[0x3555] == Float(0x1.554p-2))
    }
}
