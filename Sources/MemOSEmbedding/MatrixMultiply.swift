import CBLAS

/// The one matrix product the forward pass uses; the only place that names the BLAS, so another backend
/// (own SIMD kernels, another library) replaces this file alone.
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
}
