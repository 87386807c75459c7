import CBLAS
import CKernels
import Foundation
import NIOCore
import Synchronization

/// The matrix products the forward pass uses; the only place that names the backends (OpenBLAS, and own C
/// kernels with 16-bit weights), so another backend replaces this file alone.
enum MatrixMultiply {
    /// C ← alpha · A · op(B) + beta · C, row-major, with op(B) = Bᵀ when `transposeB`.
    ///
    /// A is m × k (leading dimension `lda`), op(B) is k × n (B's leading dimension `ldb`), C is m × n (`ldc`).
    @inline(__always)
    static func gemm(
        m: Int,
        n: Int,
        k: Int,
        alpha: Float,
        a: UnsafePointer<Float>,
        lda: Int,
        b: UnsafePointer<Float>,
        ldb: Int,
        transposeB: Bool,
        beta: Float,
        c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor,
            CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m),
            Int32(n),
            Int32(k),
            alpha,
            a,
            Int32(lda),
            b,
            Int32(ldb),
            beta,
            c,
            Int32(ldc)
        )
    }

    /// The instruction set of the own kernels: the kernel chosen by ``MiniLMEmbedder/configureKernels(kernel:spinMilliseconds:)`` (`MEMOS_EMBEDDER_KERNEL` (`avx512-bf16`, `avx512`, `avx2` or
    /// `portable`) where set and supported, else the fastest this CPU has. bfloat16 (AVX512_BF16) is about twice
    /// as fast as half floats; its embeddings have a cosine of about 0.99997 with float ones (half floats:
    /// 0.9999993).
    static let kernel: memos_kernel_isa = {
        let names = [
            "avx512-bf16": MEMOS_KERNEL_AVX512_BF16, "avx512": MEMOS_KERNEL_AVX512, "avx2": MEMOS_KERNEL_AVX2,
            "portable": MEMOS_KERNEL_SCALAR,
        ]
        if let name = KernelSettings.chosen.withLock({ $0.kernel }), let isa = names[name],
            memos_kernel_supported(isa) != 0
        {
            return isa
        }
        return memos_kernel_resolve(MEMOS_KERNEL_AUTO)
    }()

    /// The kernels' partner thread, configured once before the first layer is packed: allowed where this process
    /// may use two cores as NIO counts them (cgroup quotas and cpusets included), spinning for
    /// the configured milliseconds (`MEMOS_EMBEDDER_SPIN_MS`) (0–1000, default 5) after each share of a forward pass (MiniLMEmbedder
    /// wakes it before a pass and sends it to rest after one).
    static let partnerConfigured: Void = {
        let configured = KernelSettings.chosen.withLock { $0.spinMilliseconds }.map { UInt32(clamping: $0) }
        memos_partner_configure(System.coreCount >= 2 ? 1 : 0, configured.map { min($0, 1_000) } ?? 5)
    }()

    /// Runs one forward pass (`body`), bracketed for the kernels' partner thread: it starts waking before `body`
    /// (so the wake-up overlaps tokenising), and sleeps once no pass is running instead of spinning through the
    /// rest of the request.
    static func forwardPass<T>(_ body: () throws -> T) rethrows -> T {
        memos_partner_wake()
        defer { memos_partner_rest() }
        return try body()
    }

    /// y ← activation(x · wᵀ + bias), with w packed in 16-bit floats (``PackedWeights``) and float sums.
    ///
    /// x is m × k, y is m × n, both row-major and dense. Each weight is converted once per block of up to 12
    /// rows; the work is split between this thread and a partner thread that stays awake between the layers of
    /// a forward pass (CKernels' `memos_linear_layer`).
    static func linearPacked(
        m: Int,
        x: UnsafePointer<Float>,
        weights: PackedWeights,
        bias: UnsafePointer<Float>,
        activation: memos_activation = MEMOS_ACTIVATION_NONE,
        y: UnsafeMutablePointer<Float>
    ) {
        memos_linear_layer(weights.kernel, activation, x, m, weights.inputs, weights.base, bias, weights.outputs, y)
    }
}

/// A layer's weights as 16-bit floats in the kernels' panels of 32 outputs (`memos_pack_weights`), 64-byte
/// aligned: half floats, or bfloat16 for the AVX512_BF16 kernel.
final class PackedWeights: Sendable {
    let kernel: memos_kernel_isa
    let inputs: Int
    let outputs: Int
    /// Written once in `init`, read-only after, freed in `deinit`.
    nonisolated(unsafe) let base: UnsafeMutablePointer<UInt16>

    /// Packs `weight` (outputs × inputs floats, row-major) for `kernel`.
    init(_ weight: [Float], outputs: Int, inputs: Int, kernel: memos_kernel_isa = MatrixMultiply.kernel) {
        precondition(weight.count == outputs * inputs, "weights are not outputs × inputs")
        _ = MatrixMultiply.partnerConfigured
        self.kernel = memos_kernel_resolve(kernel)
        self.inputs = inputs
        self.outputs = outputs
        let count = memos_packed_count(outputs, inputs)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<UInt16>.stride, alignment: 64)
        self.base = raw.bindMemory(to: UInt16.self, capacity: count)
        weight.withUnsafeBufferPointer { memos_pack_weights(self.kernel, $0.baseAddress!, outputs, inputs, self.base) }
    }

    deinit {
        self.base.deallocate()
    }
}

/// The kernels' settings chosen by the composition root before the first forward pass.
enum KernelSettings {
    static let chosen = Mutex<(kernel: String?, spinMilliseconds: Int?)>((nil, nil))
}

extension MiniLMEmbedder {
    /// Chooses the kernels' instruction set (`avx512-bf16`, `avx512`, `avx2` or `portable`; one this CPU cannot run
    /// is ignored) and how long their partner thread spins (0–1000 ms, default 5). Takes effect when called before
    /// the first embedder is made; nil keeps the default.
    public static func configureKernels(kernel: String?, spinMilliseconds: Int?) {
        KernelSettings.chosen.withLock { $0 = (kernel, spinMilliseconds) }
    }
}
