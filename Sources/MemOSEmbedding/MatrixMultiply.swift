import CBLAS
import CKernels
import Dispatch
import Foundation

/// The matrix products the forward pass uses; the only place that names the backends (OpenBLAS, and own C
/// kernels for a few tokens with half-float weights), so another backend replaces this file alone.
enum MatrixMultiply {
    /// C ← alpha · A · op(B) + beta · C, row-major, with op(B) = Bᵀ when `transposeB`.
    ///
    /// A is m × k (leading dimension `lda`), op(B) is k × n (B's leading dimension `ldb`), C is m × n (`ldc`).
    @inline(__always)
    static func gemm(
        m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc)
        )
    }

    /// IEEE half-float copies of `values` (round to nearest even), for ``linearHalf``.
    static func halfPrecision(_ values: [Float]) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: values.count) { half, count in
            values.withUnsafeBufferPointer { memos_f32_to_f16($0.baseAddress!, half.baseAddress!, values.count) }
            count = values.count
        }
    }

    /// Threads one ``linearHalf`` call is split over: two where the CPU has them. The product streams every
    /// weight once per call, so a second core nearly halves it; more would contend for memory bandwidth.
    static let halfParts = min(2, ProcessInfo.processInfo.activeProcessorCount)

    /// y ← x · wᵀ + bias for a few rows of x, with w held as half floats (n × k, row-major) and float sums.
    ///
    /// x is m × k, y is m × n, both row-major and dense. Made for m up to a few dozen: each weight is read once
    /// per call. The output columns are split over ``halfParts`` threads, each writing its own range of y.
    static func linearHalf(
        m: Int, n: Int, k: Int, x: UnsafePointer<Float>, w: UnsafePointer<UInt16>, bias: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>
    ) {
        let parts = self.halfParts
        // The parts read the same inputs and write disjoint columns of y, and all end before this returns.
        nonisolated(unsafe) let (x, w, bias, y) = (x, w, bias, y)
        let compute: @Sendable (Int) -> Void = { part in
            // Column ranges start on multiples of 4, the kernels' block of weight rows.
            let o0 = n * part / parts / 4 * 4
            let o1 = part + 1 == parts ? n : n * (part + 1) / parts / 4 * 4
            memos_linear_f16(MEMOS_KERNEL_AUTO, x, k, m, k, w + o0 * k, bias + o0, o1 - o0, y + o0, n)
        }
        if parts == 1 { compute(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: compute) }
    }
}
