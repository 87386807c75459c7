/// A stable 64-bit FNV-1a fingerprint of bytes, in hex; used to tell whether a retried request is the same.
public enum Fingerprint {
    public static func of(_ bytes: some Sequence<UInt8>) -> String {
        let hex = String(Self.value(of: bytes), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The fingerprint as a number.
    public static func value(of bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
