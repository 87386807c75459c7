/// Element-wise kernels for the parts of the forward pass that are not matrix products.
///
/// Written as branch-free scalar code over contiguous buffers so that the compiler vectorises the loops.
enum VectorKernels {
    /// e^x for x in about [-87, 88]: range reduction by ln 2 and a degree-6 polynomial (Cephes); relative
    /// error about 1e-7.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let x = Swift.min(Swift.max(x, -87.3), 88.3)
        // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits.
        let shifted = x * 1.442_695_04 + 12_582_912
        let k = shifted - 12_582_912
        let integer = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
        let r = x - k * 0.693_359_375 + k * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let y = p * (r * r) + r + 1
        return y * Float(bitPattern: UInt32(bitPattern: (integer &+ 127) &<< 23))
    }

    /// erf(x) by Abramowitz and Stegun 7.1.26 (absolute error ≤ 1.5e-7).
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let a = x.magnitude
        let t = 1 / (1 + 0.327_591_1 * a)
        var p: Float = 1.061_405_429
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        let y = 1 - p * t * self.exp(-a * a)
        return Float(signOf: x, magnitudeOf: y)
    }

    /// x ← GELU(x) = x/2 · (1 + erf(x/√2)), in place.
    static func gelu(_ x: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<x.count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + self.erf(v * 0.707_106_781_186_547_52))
        }
    }
}
